"""A TOTP authenticator app as the person's second factor (RFC 6238, pyotp), and the
recovery codes that stand in for it when the phone with the app is lost.

The TOTP secret is stored sealed (flows/totp.py); recovery codes are only ever
compared, so they are stored as keyed hashes and shown once. A code is accepted once:
the time step it belonged to is kept, and a code of that step or an earlier one is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from sqlalchemy import update

from flows import totp
from idp.clock import clock, utcnow
from idp.db import UTCDateTime, db
from idp.models import Account, audit
from idp.services import settings

ISSUER_NAME = "Россети Московский регион"
RECOVERY_CODES = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off paper
RECOVERY_LENGTH = 10


class Authenticator(db.Model):
    __tablename__ = "authenticator"

    id = db.Column(db.Integer, primary_key=True)
    account_id = db.Column(
        db.Integer, db.ForeignKey("account.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    secret_encrypted = db.Column(db.String(300), nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    confirmed_at = db.Column(UTCDateTime, nullable=True)  # enrolment finished with a right code
    last_step = db.Column(db.BigInteger, nullable=False, default=0)  # the last accepted time step


class RecoveryCode(db.Model):
    __tablename__ = "recovery_code"

    id = db.Column(db.Integer, primary_key=True)
    account_id = db.Column(
        db.Integer, db.ForeignKey("account.id", ondelete="CASCADE"), nullable=False, index=True
    )
    code_hash = db.Column(db.String(64), nullable=False, unique=True)
    used_at = db.Column(UTCDateTime, nullable=True)


def _secret(row: Authenticator) -> str | None:
    return totp.unseal(row.secret_encrypted)  # None: IDP_SECRET_KEY changed, enrol again


def _row(account: Account) -> Authenticator | None:
    return Authenticator.query.filter_by(account_id=account.id).first()


def is_enrolled(account) -> bool:
    """Can this account prove a code from its app? (handed to idp.accounts.second_factors)"""
    return (
        db.session.query(Authenticator.id)
        .filter(Authenticator.account_id == account.id, Authenticator.confirmed_at.is_not(None))
        .first()
        is not None
    )


def start_enrolment(account: Account) -> str:
    """A new secret, not yet in force: it replaces any unfinished enrolment; commits."""
    row = _row(account)
    if row is not None and row.confirmed_at is not None:
        raise ValueError("already enrolled")
    secret = totp.new_secret()
    row = row or Authenticator(account_id=account.id)
    row.secret_encrypted = totp.seal(secret)
    row.last_step = 0
    db.session.add(row)
    db.session.commit()
    return secret


def pending_secret(account: Account) -> str | None:
    row = _row(account)
    return _secret(row) if row is not None and row.confirmed_at is None else None


def qr_svg(account: Account, secret: str) -> str:
    return totp.qr_svg(secret, account.email, ISSUER_NAME)


def _accept(row: Authenticator, code: str) -> bool:
    """True, once, for a right code of the current step or the one before or after."""
    secret = _secret(row)
    step = totp.matching_step(secret, code, clock.time()) if secret else None
    if step is None:
        return False
    # Conditional: of two requests with the same code, one moves last_step.
    claimed = db.session.execute(
        update(Authenticator)
        .where(Authenticator.id == row.id, Authenticator.last_step < step)
        .values(last_step=step)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return claimed.rowcount == 1


def confirm_enrolment(account: Account, code: str) -> list[str] | None:
    """Finish enrolment with a code from the app: returns the recovery codes (shown once)."""
    row = _row(account)
    if row is None or row.confirmed_at is not None or not _accept(row, code):
        return None
    row.confirmed_at = utcnow()
    account.second_factor = "otp"  # the person just chose it; the account page can change it back
    audit("account.authenticator_added", subject=account.sub)
    return new_recovery_codes(account)


def verify(account, code: str) -> bool:
    """A code from the app, or an unused recovery code (which is then used up)."""
    row = _row(account)
    if row is None or row.confirmed_at is None:
        return False
    return _accept(row, code) or _use_recovery_code(account, code)


def remove(account: Account) -> None:
    Authenticator.query.filter_by(account_id=account.id).delete()
    RecoveryCode.query.filter_by(account_id=account.id).delete()
    if account.second_factor == "otp":
        account.second_factor = None
    audit("account.authenticator_removed", subject=account.sub)
    db.session.commit()


def _code_hash(code: str) -> str:
    normalised = code.strip().lower().replace("-", "").replace(" ", "")
    key = settings().secret_key.encode()
    return hmac.new(key, b"recovery\0" + normalised.encode(), hashlib.sha256).hexdigest()


def new_recovery_codes(account: Account) -> list[str]:
    """Replace the account's recovery codes; commits. Only the hashes are kept."""
    codes = [
        "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
        for _ in range(RECOVERY_CODES)
    ]
    RecoveryCode.query.filter_by(account_id=account.id).delete()
    db.session.add_all(RecoveryCode(account_id=account.id, code_hash=_code_hash(c)) for c in codes)
    db.session.commit()
    return [f"{c[:5]}-{c[5:]}" for c in codes]


def _use_recovery_code(account, code: str) -> bool:
    used = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.account_id == account.id,
            RecoveryCode.code_hash == _code_hash(code or ""),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return used.rowcount == 1


def recovery_codes_left(account: Account) -> int:
    return RecoveryCode.query.filter_by(account_id=account.id, used_at=None).count()


def enrolled_since(account: Account) -> datetime | None:
    row = _row(account)
    return row.confirmed_at if row is not None else None
