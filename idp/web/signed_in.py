"""The one door of the signed-in person's pages: a live account behind a live SSO session."""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from flask import redirect, request, url_for

from idp.accounts.lifecycle import is_live
from idp.clock import utcnow
from idp.db import db
from idp.models import Account
from idp.sessions import sso_session
from idp.sessions.sso_session import SsoSession


@dataclass(frozen=True)
class SignedInPerson:
    account: Account
    session: SsoSession


def current_person() -> SignedInPerson | None:
    """The person of this SSO session, unless the cabinet was closed or expired since they signed in."""
    sso = sso_session.current()
    account = db.session.get(Account, sso.account_id) if sso else None
    if not is_live(account, utcnow()):
        return None
    return SignedInPerson(account, sso)


def signed_in(view=None, *, notice: str | None = None):
    """The view gets the SignedInPerson first; anyone else is sent to sign in (with the paused
    request's ia, and the login page's `notice` if given)."""
    if view is None:
        return lambda inner: signed_in(inner, notice=notice)

    @wraps(view)
    def wrapper(*args, **kwargs):
        person = current_person()
        if person is None:
            ia = request.values.get("ia") or None
            return redirect(url_for("login.login_form", ia=ia, notice=notice))
        return view(person, *args, **kwargs)

    return wrapper
