"""The per-app services, reachable from a Flask request or app context, or bound by the protocol lane."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import current_app, has_app_context

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from idp.accounts.passwords import Passwords
    from idp.oidc.client_cache import ClientCache
    from idp.oidc.keys import KeyRing
    from idp.settings import Settings
    from idp.store.base import Store


@dataclass
class Services:
    settings: Settings
    store: Store
    passwords: Passwords
    keyring: KeyRing
    discovery_body: bytes
    clients: ClientCache
    engine: Engine | None = None  # single statements on the hot paths (idp/db/prepared.py)
    app_context: Callable[[], Any] | None = None  # the ORM session's scope, for a cold read outside Flask
    # how `blocking` makes a call that may wait on the ORM: None, right here
    run_blocking: Callable[..., Any] | None = None

    def but(self, **changes: Any) -> Services:
        """A copy with `changes` (the lane makes one per request on the loop; dataclasses.replace,
        which calls __init__ with every field, cost ~8 µs of it)."""
        if not changes.keys() <= self.__dict__.keys():
            raise TypeError(f"Services has no {sorted(changes.keys() - self.__dict__.keys())}")
        copied = object.__new__(Services)
        copied.__dict__.update(self.__dict__, **changes)
        return copied


# The services of a request answered outside Flask (the protocol lane, idp/serving/).
_bound: ContextVar[Services | None] = ContextVar("idp_services", default=None)


def services() -> Services:
    bound = _bound.get()
    return bound if bound is not None else current_app.extensions["idp"]


class _Bound:
    """`bound_to`'s context: a class, as a generator's context manager costs a request of the
    lane ~3 µs."""

    __slots__ = ("chosen", "token")

    def __init__(self, chosen: Services) -> None:
        self.chosen = chosen

    def __enter__(self) -> None:
        self.token = _bound.set(self.chosen)

    def __exit__(self, *exc_info) -> None:
        _bound.reset(self.token)


def bound_to(chosen: Services) -> _Bound:
    """Serve `services()` from `chosen` in this context (thread or task), without Flask."""
    return _Bound(chosen)


def blocking(function: Callable, *args: Any) -> Any:
    """`function(*args)`, a call that may wait on the ORM (a cold read of a client, an account,
    the keys): made right here, or, for a request served in a greenlet on the event loop
    (idp/serving/loop_services.py), on a thread while the loop serves other requests."""
    bound = _bound.get()
    runner = None if bound is None else bound.run_blocking
    return function(*args) if runner is None else runner(function, *args)


@contextlib.contextmanager
def orm_session() -> Iterator[None]:
    """Where the ORM session (`db.session`) may be used: the current app context, or,
    for a request answered outside Flask, one opened for this block."""
    if has_app_context():
        yield
        return
    with services().app_context():
        yield


def settings() -> Settings:
    return services().settings


def store() -> Store:
    return services().store
