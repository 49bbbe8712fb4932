"""The full consent evidence of one person, for a regulator's or the person's own inquiry."""

from __future__ import annotations

from consent import catalogue
from consent.claims import consents_claim
from consent.records import history
from idp.models import Account


class AccountNotFound(LookupError):
    pass


def find_account(login: str) -> Account:
    """By e-mail or sub, closed accounts included (erased ones are gone)."""
    value = (login or "").strip()
    account = Account.query.filter((Account.sub == value) | (Account.email == value.lower())).first()
    if account is None:
        raise AccountNotFound(value)
    return account


def evidence(account: Account) -> dict:
    records = []
    for row in history(account.id):
        entry = row.evidence()
        try:
            entry["text_effective"] = catalogue.version(row.kind, row.version).effective.isoformat()
        except catalogue.UnknownConsent:
            entry["text_effective"] = None
        records.append(entry)
    return {
        "account": {
            "sub": account.sub,
            "email": account.email,
            "closed_at": account.closed_at.isoformat() if account.closed_at else None,
        },
        "current": consents_claim(account.id),
        "records": records,
    }
