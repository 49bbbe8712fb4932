"""A paused authorization request: kept server-side while the person acts, then resumed."""

from __future__ import annotations

import secrets

from flask import url_for

from idp.clock import clock
from idp.services import store

TTL = 3600


def start(params: dict[str, str]) -> str:
    ia = secrets.token_urlsafe(18)
    store().set_json(f"ia:{ia}", {"params": params, "started_at": int(clock.time())}, TTL)
    return ia


def load(ia: str | None) -> dict | None:
    if not ia or len(ia) > 64:
        return None
    return store().get_json(f"ia:{ia}")


def resume_url(ia: str | None) -> str:
    """Where a flow sends the person when its step is done."""
    if load(ia) is not None:
        return url_for("oidc.resume", ia=ia)
    return url_for("account.page")


def decline(ia: str | None, prompt: str) -> None:
    """The person cancelled this step (a step-up): the request ends at the relying party
    with the policy's error for it, not with a weaker token."""
    paused = load(ia)
    if paused is not None:
        paused["declined"] = sorted({*paused.get("declined", []), prompt})
        store().set_json(f"ia:{ia}", paused, TTL)


def forget(ia: str) -> None:
    store().delete(f"ia:{ia}")
