"""The registration rules as plain functions: no request needed."""

from __future__ import annotations

import pytest

from flows import validation
from flows.validation import Invalid


@pytest.mark.parametrize(
    "name",
    ["Иванов", "Салтыков-Щедрин", "д'Артаньян", "Мамин Сибиряк", "Ёлкина", "O’Brien", "Müller", "Li"],
)
def test_names_that_people_have(name):
    assert validation.person_name(name)


@pytest.mark.parametrize("name", ["-Иванов", "Иванов-", "Ива--нов", "Иванов1", "<script>", "Ив@нов", "' "])
def test_names_refused(name):
    with pytest.raises(Invalid) as exc:
        validation.person_name(name)
    assert exc.value.message_key == "name_chars"


def test_name_whitespace_is_tidied_and_length_bounded():
    assert validation.person_name("  Анна   Мария ") == "Анна Мария"
    with pytest.raises(Invalid, match="name_too_long"):
        validation.person_name("Я" * 101)


def test_email_is_normalised_and_internationalised_allowed():
    assert validation.email_address(" Anna@Example.RU ") == "anna@example.ru"
    assert validation.email_address("почта@пример.рф") == "почта@пример.рф"
    with pytest.raises(Invalid, match="email_invalid"):
        validation.email_address("anna@")


@pytest.mark.parametrize("raw", ["+7 916 123-45-67", "8 (916) 123-45-67", "9161234567", "+79161234567"])
def test_mobile_phone_to_e164(raw):
    assert validation.mobile_phone(raw) == "+79161234567"


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("+7 495 123-45-67", "phone_landline"),
        ("+7 701 123-45-67", "phone_not_russian"),
        ("+44 7911 123456", "phone_not_russian"),
        ("916-ABC", "phone_invalid"),
        ("", "phone_required"),
    ],
)
def test_phone_refusals_name_the_reason(raw, key):
    with pytest.raises(Invalid) as exc:
        validation.mobile_phone(raw)
    assert exc.value.message_key == key
