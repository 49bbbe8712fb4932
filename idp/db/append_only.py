"""Tables the application only ever appends to: the ORM refuses to change or delete their rows."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session


def refuse_changes(
    model: type, error: type[Exception], message: str, update_allowed: Callable[[], bool] = lambda: False
) -> None:
    """Make any UPDATE or DELETE of `model`'s rows through the ORM raise `error(message)`;
    `update_allowed` tells when a bulk UPDATE statement is the one sanctioned change."""

    def refuse(*_):
        raise error(message)

    event.listen(model, "before_update", refuse)
    event.listen(model, "before_delete", refuse)

    def refuse_bulk(state):
        # ORM UPDATE/DELETE statements bypass the flush events: refuse them here.
        if not (state.is_update or state.is_delete) or state.bind_mapper is None:
            return
        if state.bind_mapper.class_ is not model:
            return
        if state.is_update and update_allowed():
            return
        refuse()

    event.listen(Session, "do_orm_execute", refuse_bulk)
