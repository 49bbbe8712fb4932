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


# The services of a request answered outside Flask (the protocol lane, idp/serving/).
_bound: ContextVar[Services | None] = ContextVar("idp_services", default=None)


def services() -> Services:
    bound = _bound.get()
    return bound if bound is not None else current_app.extensions["idp"]


@contextlib.contextmanager
def bound_to(chosen: Services) -> Iterator[None]:
    """Serve `services()` from `chosen` in this context (thread or task), without Flask."""
    token = _bound.set(chosen)
    try:
        yield
    finally:
        _bound.reset(token)


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
