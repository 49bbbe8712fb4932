"""Rules of the account lifecycle, as plain functions of an account and a time.

registered ─SMS password─▶ confirmed ─┬ password changed ┐
    │                                 └ e-mail link used ┴▶ active
    └ deadline passed without activation ─▶ deleted
"""

from __future__ import annotations

from datetime import datetime, timedelta

from idp.models import Account

REGISTERED = "registered"
CONFIRMED = "confirmed"
ACTIVE = "active"
EXPIRED = "expired"
CLOSED = "closed"


def state(account: Account, now: datetime) -> str:
    if account.closed_at is not None:
        return CLOSED
    if is_expired(account, now):
        return EXPIRED
    if account.phone_verified_at is None:
        return REGISTERED
    if account.password_changed_at is None or account.email_verified_at is None:
        return CONFIRMED
    return ACTIVE


def is_expired(account: Account, now: datetime) -> bool:
    """Past its activation deadline without activation: treated as if it did not exist."""
    if account.email_verified_at is not None:
        return False
    return account.activation_deadline is not None and now >= account.activation_deadline


def is_live(account: Account | None, now: datetime) -> bool:
    return account is not None and state(account, now) not in {EXPIRED, CLOSED}


def is_active(account: Account | None, now: datetime) -> bool:
    return account is not None and state(account, now) == ACTIVE


def activation_deadline(start: datetime, window_seconds: int) -> datetime:
    return start + timedelta(seconds=window_seconds)
