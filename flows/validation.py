"""Rules for what a person types at registration: names, e-mail, mobile phone.

Each rule takes the raw text and returns the normalised value, or raises
Invalid with the message key shown next to the field (flows/forms/registration.py
makes them the form's validators).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from consent import catalogue
from idp.accounts import phones

NAME_MAX = 100
_SEPARATORS = "-' ’"
_EMAIL_MAX = 254


class Invalid(ValueError):
    """A field's value cannot be used; message_key names the text in idp.web.messages."""

    def __init__(self, message_key: str) -> None:
        super().__init__(message_key)
        self.message_key = message_key


def person_name(raw: str | None, *, required: bool = True) -> str | None:
    """A surname, given name or patronymic: letters of any script, joined by one hyphen,
    apostrophe or space (Салтыков-Щедрин, д'Артаньян, Мамин Сибиряк)."""
    text = unicodedata.normalize("NFC", " ".join((raw or "").split()))
    if not text:
        if required:
            raise Invalid("name_required")
        return None
    if len(text) > NAME_MAX:
        raise Invalid("name_too_long")
    previous_was_separator = True  # a name may not start with a separator
    for ch in text:
        if ch in _SEPARATORS:
            if previous_was_separator:
                raise Invalid("name_chars")
            previous_was_separator = True
        elif unicodedata.category(ch).startswith("L") or (
            unicodedata.category(ch).startswith("M") and not previous_was_separator
        ):
            previous_was_separator = False
        else:
            raise Invalid("name_chars")
    if previous_was_separator:
        raise Invalid("name_chars")
    return text.replace("’", "'")


def email_address(raw: str | None) -> str:
    """The normalised address (internationalised allowed; the domain is not looked up)."""
    text = (raw or "").strip()
    if not text:
        raise Invalid("email_required")
    try:
        checked = validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        raise Invalid("email_invalid") from None
    normalized = checked.normalized.lower()
    if len(normalized) > _EMAIL_MAX:
        raise Invalid("email_invalid")
    return normalized


def mobile_phone(raw: str | None) -> str:
    """A Russian mobile number in E.164; landlines and foreign numbers are refused with a reason."""
    if not (raw or "").strip():
        raise Invalid("phone_required")
    number = phones.parse(raw)
    if number is None:
        raise Invalid("phone_invalid")
    if phonenumbers.region_code_for_number(number) != "RU":
        raise Invalid("phone_not_russian")
    kind = phonenumbers.number_type(number)
    if kind not in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE):
        raise Invalid("phone_landline")
    return phones.e164(number)


def middle_name(raw: str | None, *, declared_none: bool) -> str | None:
    """The patronymic, or None for a person who has none and ticked «Нет отчества»."""
    if declared_none:
        if (raw or "").strip():
            raise Invalid("middle_name_conflict")
        return None
    try:
        return person_name(raw)
    except Invalid as exc:
        if exc.message_key == "name_required":
            raise Invalid("middle_name_required") from None
        raise


@dataclass(frozen=True)
class PersonData:
    family_name: str
    given_name: str
    middle_name: str | None
    email: str
    phone: str


MANDATORY_CONSENTS = tuple(catalogue.mandatory_kinds())
OPTIONAL_CONSENTS = tuple(kind.name for kind in catalogue.kinds() if not kind.mandatory)
