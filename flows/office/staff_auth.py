"""The rules of a staff sign-in: the password, then a TOTP code (RFC 6238, ±1 step).

A code is accepted once: the time step it belongs to is remembered, and a code
of that step or an earlier one is refused, so a code read over a shoulder is
useless a moment later. The authenticator is enrolled at the first sign-in; its
secret is kept sealed (flows/totp.py), as a customer's is.
"""

from __future__ import annotations

from sqlalchemy import func, update

from flows import totp
from flows.office.models import StaffAccount
from idp.clock import clock, utcnow
from idp.db import db
from idp.services import services

TOTP_ISSUER = "Россети МР · клиентский офис"


class StaffSignInRefused(Exception):
    """message_key says why; the page shows it."""

    def __init__(self, message_key: str) -> None:
        super().__init__(message_key)
        self.message_key = message_key


def find_staff(login: str) -> StaffAccount | None:
    login = (login or "").strip().lower()
    if not login:
        return None
    return StaffAccount.query.filter(func.lower(StaffAccount.login) == login).first()


def is_enabled(staff: StaffAccount | None) -> bool:
    return staff is not None and staff.disabled_at is None


def check_password(login: str, password: str) -> StaffAccount:
    """The staff account, or StaffSignInRefused: one answer for an unknown login and a wrong password."""
    staff = find_staff(login)
    passwords = services().passwords
    if not passwords.verify(staff.password_hash if staff else None, password):
        raise StaffSignInRefused("staff_bad_credentials")
    if not is_enabled(staff):
        raise StaffSignInRefused("staff_disabled")
    if staff.totp_enrolled and totp_secret(staff) is None:
        # Sealed under an IDP_SECRET_KEY since replaced: a password alone must not enrol anew.
        raise StaffSignInRefused("staff_totp_unreadable")
    if passwords.needs_rehash(staff.password_hash):
        staff.password_hash = passwords.hash(password)
        db.session.commit()
    return staff


def totp_secret(staff: StaffAccount) -> str | None:
    """The enrolled authenticator's secret; None means the next sign-in enrols one."""
    return totp.unseal(staff.totp_secret_sealed)


def qr_svg(secret: str, login: str) -> str:
    return totp.qr_svg(secret, login, TOTP_ISSUER)


def check_code(staff: StaffAccount, code: str, enrolling: str | None = None) -> None:
    """Accept a TOTP code once for this staff account (`enrolling`: the secret being enrolled now)."""
    secret = enrolling or totp_secret(staff)
    step = totp.matching_step(secret, code, clock.time()) if secret else None
    if step is None:
        raise StaffSignInRefused("staff_bad_code")
    # One statement: of two requests with the same code, one moves the step forward.
    statement = (
        update(StaffAccount)
        .where(StaffAccount.id == staff.id)
        .where((StaffAccount.totp_last_step.is_(None)) | (StaffAccount.totp_last_step < step))
        .values(totp_last_step=step)
    )
    if enrolling:
        statement = statement.where(StaffAccount.totp_secret_sealed.is_(None)).values(
            totp_secret_sealed=totp.seal(enrolling)
        )
    used = db.session.execute(statement)
    if used.rowcount != 1:
        db.session.rollback()
        raise StaffSignInRefused("staff_bad_code")
    db.session.commit()
    db.session.refresh(staff)


def enrol(staff: StaffAccount, secret: str) -> None:
    """Put an authenticator in force without a sign-in (the development account); commits."""
    staff.totp_secret_sealed = totp.seal(secret)
    staff.totp_last_step = None
    db.session.commit()


def create(login: str, full_name: str, role: str, password: str) -> StaffAccount:
    staff = StaffAccount(
        login=login.strip(),
        full_name=full_name.strip(),
        role=role,
        password_hash=services().passwords.hash(password),
        created_at=utcnow(),
    )
    db.session.add(staff)
    db.session.commit()
    return staff


def disable(staff: StaffAccount) -> None:
    staff.disabled_at = staff.disabled_at or utcnow()
    db.session.commit()


def reset_totp(staff: StaffAccount) -> None:
    """The next sign-in enrols a new authenticator."""
    staff.totp_secret_sealed = None
    staff.totp_last_step = None
    db.session.commit()
