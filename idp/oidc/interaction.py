"""A paused authorization request: kept server-side while the person acts, then resumed."""

from __future__ import annotations

import secrets

from flask import session, url_for

from idp.clock import clock
from idp.services import store
from idp.store import StoreUnavailable

TTL = 3600
# The browser's latest paused request, so that a page opened from an e-mail (in another
# tab, without ?ia=) can still lead back to the site the person came from.
LATEST = "latest_ia"


def start(params: dict[str, str]) -> str:
    ia = secrets.token_urlsafe(18)
    store().set_json(f"ia:{ia}", {"params": params, "started_at": int(clock.time())}, TTL)
    session[LATEST] = ia
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


def sign_in_url(ia: str | None = None) -> str:
    """An end page's way on: the sign-in page, carrying the paused request when one is live."""
    ia = ia or session.get(LATEST)
    try:
        live = load(ia) is not None
    except StoreUnavailable:
        live = False  # the page that says the store is down still offers a way on
    return url_for("login.login_form", ia=ia if live else None)


def forget(ia: str) -> None:
    store().delete(f"ia:{ia}")
    if session.get(LATEST) == ia:
        session.pop(LATEST, None)
