"""Deleting cabinets that were never activated in time, keeping only an anonymous trace.

Two rules, each a SQL condition so that the DELETE itself re-checks it: a purge
racing an activation, a registration or another purge deletes a row at most
once and never one that became active meanwhile.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, delete, or_, select

from flows.delivery import outbox
from idp.accounts import account_view
from idp.clock import utcnow
from idp.db import db
from idp.models import Account, RefreshToken, audit
from idp.ops import metrics
from idp.services import settings

NOT_ACTIVATED = "not_activated"
SMS_UNCONFIRMED = "assisted_sms_unconfirmed"


def _conditions(now: datetime) -> dict:
    assisted_before = now - timedelta(seconds=settings().assisted_unconfirmed_purge)
    return {
        NOT_ACTIVATED: and_(
            Account.email_verified_at.is_(None),
            Account.activation_deadline.is_not(None),
            Account.activation_deadline <= now,
        ),
        SMS_UNCONFIRMED: and_(
            Account.registered_by == "office",
            Account.phone_verified_at.is_(None),
            Account.created_at <= assisted_before,
        ),
    }


def unconfirmed_purge_at(account: Account) -> datetime | None:
    """When an office cabinet whose SMS password was never confirmed is deleted (None: not one)."""
    if account.registered_by == "office" and account.phone_verified_at is None:
        return account.created_at + timedelta(seconds=settings().assisted_unconfirmed_purge)
    return None


def purge_reason(account: Account, now: datetime) -> str | None:
    """Why this account is due for deletion, or None when it is not."""
    deadline = account.activation_deadline
    if account.email_verified_at is None and deadline is not None and now >= deadline:
        return NOT_ACTIVATED
    assisted_until = unconfirmed_purge_at(account)
    if assisted_until is not None and now >= assisted_until:
        return SMS_UNCONFIRMED
    return None


def erase(account_id: int, registered_by: str, reason: str, now: datetime) -> bool:
    """Delete one due account in the caller's transaction; False if it is gone or no longer due."""
    erased = db.session.execute(
        delete(Account)
        .where(Account.id == account_id, or_(*_conditions(now).values()))
        .returning(Account.phone, Account.email)
    ).first()
    if erased is None:
        return False
    account_view.changed(db.session, account_id)
    outbox.forget([erased.phone, erased.email])  # the SMS and mail held the same personal data
    # The database anonymised the consent records (trigger on account delete).
    # PostgreSQL removes refresh tokens through the foreign key; SQLite does not enforce it.
    db.session.execute(delete(RefreshToken).where(RefreshToken.account_id == account_id))
    audit("account.expired", subject=None, registered_by=registered_by, reason=reason)
    metrics.count("registrations", stage="expired")
    return True


def purge_expired(now: datetime | None = None) -> int:
    """Delete every due account, one short transaction each; safe to run anywhere, any time."""
    now = now or utcnow()
    rules = _conditions(now)
    due = db.session.execute(
        select(Account.id, Account.registered_by, rules[NOT_ACTIVATED]).where(or_(*rules.values()))
    ).all()
    db.session.rollback()
    erased = 0
    for account_id, registered_by, not_activated in due:
        reason = NOT_ACTIVATED if not_activated else SMS_UNCONFIRMED
        if erase(account_id, registered_by, reason, now):
            erased += 1
        db.session.commit()
    return erased
