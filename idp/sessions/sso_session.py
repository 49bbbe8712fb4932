"""The browser's SSO session: its record (idp/sessions/records.py) named by the cookie.

The signed cookie carries the session's public id and a secret; the record keeps
only the secret's hash. Every new proof (sign-in, step-up, prompt=login) gives the
browser a new secret while the public id relying parties know stays the same.
A session can belong to an account that is not active yet: that is how a person
who typed the SMS password goes on to change the password.

Ending a session (logout, the account page, a password change, closing the
cabinet, its lifetime running out) tells the listeners handed in at start-up: the
protocol revokes the tokens issued in it, the delivery queues the back-channel
logout tokens.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from flask import has_request_context, request
from flask import session as cookie

from idp.clock import clock
from idp.services import settings, store
from idp.sessions import records
from idp.sessions.records import ACR_LEVELS, ACR_MFA, ACR_PASSWORD, ACR_SMS, SsoSession

__all__ = ["ACR_LEVELS", "ACR_MFA", "ACR_PASSWORD", "ACR_SMS", "SsoSession"]

USER_AGENT_LENGTH = 300
CSRF_FIELD = "csrf_token"  # where Flask-WTF keeps the session's CSRF secret (WTF_CSRF_FIELD_NAME)
EndListener = Callable[[SsoSession, list[str]], None]  # the ended session, the grants issued in it
_on_end: list[EndListener] = []


def on_end(listener: EndListener) -> None:
    """Handed in at start-up; a second app in one process keeps one registration."""
    if listener not in _on_end:
        _on_end.append(listener)


def current() -> SsoSession | None:
    sid, secret = cookie.get("sid"), cookie.get("sso_secret")
    if not sid or not secret:
        return None
    record = records.load(store(), sid, clock.time())
    return record if record is not None and record.holds(secret) else None


def save(sso: SsoSession) -> None:
    records.save(store(), sso, clock.time(), settings().session_ttl)


def _user_agent() -> str:
    return request.user_agent.string[:USER_AGENT_LENGTH] if has_request_context() else ""


def sign_in(account_id: int, method: str) -> SsoSession:
    """Record a fresh proof. The same account keeps its sid and gains the method (step-up)."""
    now = int(clock.time())
    sso = current()
    if sso is not None and sso.account_id != account_id:
        end()
        sso = None
    if sso is None:
        sso = SsoSession(
            secrets.token_hex(16),
            account_id,
            now,
            created_at=now,
            expires_at=now + settings().session_ttl,
            user_agent=_user_agent(),
        )
    sso.amr = sorted({*sso.amr, method})
    sso.auth_time = sso.proven_at[method] = now
    secret = secrets.token_urlsafe(32)  # a new secret after every proof: no fixation
    sso.secret_hash = records.secret_hash(secret)
    cookie["sid"], cookie["sso_secret"] = sso.sid, secret
    cookie.pop(CSRF_FIELD, None)  # and a fresh CSRF token: one read before sign-in is spent
    cookie.permanent = True
    save(sso)
    return sso


def remember_client(sso: SsoSession, client_id: str) -> None:
    if client_id not in sso.clients:
        sso.clients.append(client_id)
        save(sso)


def end_session(sso: SsoSession) -> None:
    """End one session, whichever browser holds it, and tell the listeners."""
    _tell_listeners(sso, records.remove(store(), sso))


def end_expired() -> int:
    """End the sessions whose lifetime ran out since the last call, as a logout ends them
    (the delivery worker calls it before each pass); returns how many ended."""
    ended = records.take_expired(store(), clock.time())
    for sso, grants in ended:
        _tell_listeners(sso, grants)
    return len(ended)


def _tell_listeners(sso: SsoSession, grants: list[str]) -> None:
    for listener in _on_end:
        listener(sso, grants)


def end() -> SsoSession | None:
    """End this browser's session."""
    sso = current()
    if sso:
        end_session(sso)
    cookie.pop("sid", None)
    cookie.pop("sso_secret", None)
    return sso


def of_account(account_id: int) -> list[SsoSession]:
    return records.of_account(store(), account_id, clock.time())


def end_all(account_id: int, keep: str | None = None) -> int:
    """End every session of the account but `keep` (a sid); returns how many ended."""
    ended = [sso for sso in of_account(account_id) if sso.sid != keep]
    for sso in ended:
        end_session(sso)
    return len(ended)
