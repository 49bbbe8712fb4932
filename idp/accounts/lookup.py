"""Finding accounts by what a person types as their login."""

from __future__ import annotations

import phonenumbers

from idp.accounts.lifecycle import is_live
from idp.clock import utcnow
from idp.models import Account


def normalize_login_phone(value: str) -> str | None:
    """E.164 for anything that reads as a phone number, else None."""
    text = value.strip()
    if "@" in text or not any(ch.isdigit() for ch in text):
        return None
    if text.startswith("8") and len([c for c in text if c.isdigit()]) == 11:
        text = "+7" + "".join(c for c in text if c.isdigit())[1:]
    try:
        number = phonenumbers.parse(text, "RU")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def find_by_login(login: str) -> Account | None:
    """The live account whose e-mail or phone is this login; expired and closed ones do not exist."""
    login = (login or "").strip()
    if not login:
        return None
    phone = normalize_login_phone(login)
    if phone:
        account = Account.query.filter_by(phone=phone).first()
    else:
        account = Account.query.filter_by(email=login.lower()).first()
    return account if is_live(account, utcnow()) else None
