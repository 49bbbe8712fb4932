"""The per-app services, reachable from a request or an app context."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import current_app

if TYPE_CHECKING:
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


def services() -> Services:
    return current_app.extensions["idp"]


def settings() -> Settings:
    return services().settings


def store() -> Store:
    return services().store
