"""Closing a cabinet at once, and erasing its personal data after the retention period.

Closing is immediate: the account can no longer sign in, and every token issued
for it is revoked. The data stay for `closed_account_retention` (to answer
disputes and inquiries about what happened), then `erase_closed_accounts`
removes the account; its consent records stay, anonymised, as proof.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from consent.records import anonymise
from idp.clock import utcnow
from idp.db import db
from idp.models import Account, RefreshToken, audit
from idp.oidc import tokens
from idp.services import settings
from idp.sessions import sso_session


def close_account(account: Account, reason: str, **details) -> None:
    """Close now, end every session and revoke every token; commits together with the
    caller's pending records."""
    account.closed_at = utcnow()
    audit("account_closed", subject=account.sub, reason=reason, **details)
    families = [
        family
        for (family,) in db.session.query(RefreshToken.family_id)
        .filter(RefreshToken.account_id == account.id)
        .distinct()
    ]
    db.session.commit()
    sso_session.end_all(account.id)
    for family in families:
        tokens.revoke_family(family)


def erase_closed_accounts(now: datetime) -> int:
    """Erase every account closed longer ago than the retention period; returns how many."""
    cutoff = now - timedelta(seconds=settings().closed_account_retention)
    due = Account.query.filter(Account.closed_at.is_not(None), Account.closed_at <= cutoff).all()
    for account in due:
        anonymised = anonymise(account.id)
        RefreshToken.query.filter_by(account_id=account.id).delete()
        audit("account_erased", subject=None, consent_records=anonymised)
        db.session.delete(account)
    db.session.commit()
    return len(due)
