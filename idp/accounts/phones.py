"""Phone numbers as people type them: one reading for the login field and the registration form."""

from __future__ import annotations

import re

import phonenumbers

_PHONE_CHARS = re.compile(r"^[0-9+()\-\s.]+$")


def parse(raw: str | None) -> phonenumbers.PhoneNumber | None:
    """The valid number this text spells (Russian unless it starts with +), else None.

    89161234567, 8 (916) 123-45-67, +7 916 123-45-67 and 9161234567 are one number."""
    text = (raw or "").strip()
    if not text or not _PHONE_CHARS.match(text):
        return None
    digits = re.sub(r"\D", "", text)
    if not text.startswith("+") and len(digits) == 11 and digits[0] == "8":
        text = "+7" + digits[1:]  # the domestic trunk prefix 8 is how most people write it
    try:
        number = phonenumbers.parse(text, "RU")
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize(raw: str | None) -> str | None:
    """E.164 (+79161234567) for text that spells a valid phone number, else None."""
    number = parse(raw)
    return e164(number) if number is not None else None
