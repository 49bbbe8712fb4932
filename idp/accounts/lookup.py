"""Finding accounts by what a person types as their login."""

from __future__ import annotations

from idp.accounts import phones
from idp.accounts.lifecycle import is_live
from idp.clock import utcnow
from idp.models import Account


def normal_login(login: str) -> str:
    """One spelling of a login: a phone in E.164, anything else lower-cased. What limits and
    cooldowns are keyed by, so that every spelling of one login shares them."""
    text = (login or "").strip()
    return phones.normalize(text) or text.lower()


def find_by_login(login: str) -> Account | None:
    """The live account whose e-mail or phone is this login; expired and closed ones do not exist."""
    login = (login or "").strip()
    if not login:
        return None
    phone = phones.normalize(login)
    if phone:
        account = Account.query.filter_by(phone=phone).first()
    else:
        account = Account.query.filter_by(email=login.lower()).first()
    return account if is_live(account, utcnow()) else None
