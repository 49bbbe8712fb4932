"""The staff session: a random id in its own cookie on /staff, the facts in the short-lived store.

It is not the customers' session: another cookie (`lk_staff`, path /staff,
SameSite=Strict), another store key, another lifetime — at most 8 hours from
sign-in, and 30 minutes without a request. Every request reads the staff
account again, so a disabled account is out on its next click.
"""

from __future__ import annotations

import secrets
from functools import wraps

from flask import abort, make_response, redirect, request, url_for

from flows.office.models import ADMINISTRATOR, OPERATOR, SUPERVISOR, StaffAccount
from idp.clock import clock
from idp.db import db
from idp.services import settings, store

COOKIE = "lk_staff"
PATH = "/staff"
PENDING_TTL = 300  # between the password and the code

APPLICANTS = "applicants"
AUDIT = "audit"
TEAM = "team"  # disable a colleague's account, reset their authenticator
PERMISSIONS = {
    OPERATOR: {APPLICANTS},
    SUPERVISOR: {APPLICANTS, AUDIT},
    ADMINISTRATOR: {APPLICANTS, AUDIT, TEAM},
}


class StaffSignedOut(Exception):
    """No live staff session; message_key says why (shown on the sign-in page)."""

    def __init__(self, message_key: str | None = None) -> None:
        super().__init__(message_key)
        self.message_key = message_key


def _key(sid: str) -> str:
    return f"staff-session:{sid}"


def may(staff: StaffAccount, permission: str) -> bool:
    return permission in PERMISSIONS.get(staff.role, set())


def _record() -> tuple[str | None, dict | None]:
    sid = request.cookies.get(COOKIE)
    return sid, (store().get_json(_key(sid)) if sid else None)


def start_pending(staff: StaffAccount, enrol_secret: str | None) -> str:
    """After the right password: a short record that waits for the TOTP code
    (and holds, sealed, the secret being enrolled, if this is the first sign-in)."""
    sid = secrets.token_urlsafe(32)
    record = {"staff_id": staff.id, "stage": "code", "enrol_secret": enrol_secret}
    store().set_json(_key(sid), record, PENDING_TTL)
    return sid


def pending() -> tuple[StaffAccount, dict]:
    """The staff account that typed its password and owes the code."""
    sid, record = _record()
    if record is None or record.get("stage") != "code":
        raise StaffSignedOut("staff_sign_in_again")
    staff = db.session.get(StaffAccount, record["staff_id"])
    if staff is None or staff.disabled_at is not None:
        end()
        raise StaffSignedOut("staff_disabled")
    return staff, record


def start(staff: StaffAccount) -> str:
    """A full session under a new id (the pending id is dropped: no fixation)."""
    end()
    sid = secrets.token_urlsafe(32)
    now = clock.time()
    record = {"staff_id": staff.id, "stage": "signed_in", "started": now, "seen": now}
    store().set_json(_key(sid), record, settings().staff_idle_timeout)
    return sid


def current() -> StaffAccount:
    """The signed-in staff account; StaffSignedOut when the session is missing, too old,
    idle too long, or its account is disabled."""
    sid, record = _record()
    if record is None or record.get("stage") != "signed_in":
        raise StaffSignedOut("staff_sign_in_first" if sid is None else "staff_session_expired")
    limits = settings()
    now = clock.time()
    if (
        now - record["started"] >= limits.staff_session_ttl
        or now - record["seen"] >= limits.staff_idle_timeout
    ):
        end()
        raise StaffSignedOut("staff_session_expired")
    staff = db.session.get(StaffAccount, record["staff_id"])
    if staff is None or staff.disabled_at is not None:
        end()
        raise StaffSignedOut("staff_disabled")
    record["seen"] = now
    left = min(limits.staff_session_ttl - (now - record["started"]), limits.staff_idle_timeout)
    store().set_json(_key(sid), record, max(1, int(left) + 1))
    return staff


def end() -> None:
    sid, _ = _record()
    if sid:
        store().delete(_key(sid))


def set_cookie(response, sid: str):
    secure = not settings().development and settings().issuer.startswith("https://")
    response.set_cookie(COOKIE, sid, path=PATH, httponly=True, secure=secure, samesite="Strict")
    return response


def drop_cookie(response):
    response.delete_cookie(COOKIE, path=PATH)
    return response


def to_sign_in(message_key: str | None):
    return drop_cookie(make_response(redirect(url_for("staff_signin.login_form", notice=message_key))))


def code_pending(view):
    """The view gets the staff account that typed its password, and the pending record."""

    @wraps(view)
    def guarded(*args, **kwargs):
        try:
            staff, record = pending()
        except StaffSignedOut as out:
            return to_sign_in(out.message_key)
        return view(staff, record, *args, **kwargs)

    return guarded


def staff_required(permission: str = APPLICANTS):
    """The view gets the signed-in staff account as its first argument; without a live
    session it redirects to the sign-in page, without the permission it answers 403."""

    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            try:
                staff = current()
            except StaffSignedOut as out:
                return to_sign_in(out.message_key)
            if not may(staff, permission):
                abort(403)
            return view(staff, *args, **kwargs)

        return guarded

    return decorate
