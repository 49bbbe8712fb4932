"""How a moment, a phone number and an e-mail address are written on a page."""

from __future__ import annotations

from datetime import datetime

import phonenumbers

from idp.clock import MOSCOW


def moscow_time(moment: datetime) -> str:
    """A deadline as people in Moscow read it: 02.12.2026 21:18."""
    return moment.astimezone(MOSCOW).strftime("%d.%m.%Y %H:%M")


def phone(e164: str) -> str:
    """+79161234567 → +7 916 123-45-67."""
    try:
        number = phonenumbers.parse(e164, "RU")
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def masked_phone(e164: str) -> str:
    """Enough of the number to recognise it and no more: +7 *** ***-45-67."""
    return e164[:2] + " *** ***-" + e164[-4:-2] + "-" + e164[-2:]


def masked_email(address: str) -> str:
    """an***@example.ru: the person recognises it, an onlooker learns little."""
    local, _, domain = address.partition("@")
    return local[:2] + "***@" + domain
