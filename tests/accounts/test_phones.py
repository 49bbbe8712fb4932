"""One reading of a phone number for the login field, the registration form and the CLI."""

from __future__ import annotations

import pytest

from flows import validation
from idp.accounts import phones
from idp.accounts.lookup import find_by_login

SPELLINGS = [
    "89161234567",
    "+7 916 123-45-67",
    "8 (916) 123-45-67",
    "9161234567",
    "+79161234567",
    "8-916-123-45-67",
]


@pytest.mark.parametrize("raw", SPELLINGS)
def test_every_spelling_is_one_number(raw):
    assert phones.normalize(raw) == "+79161234567"
    assert validation.mobile_phone(raw) == "+79161234567"


@pytest.mark.parametrize("raw", ["", "   ", "anna@example.ru", "916-ABC", "+", "12"])
def test_what_is_not_a_phone_reads_as_none(raw):
    assert phones.normalize(raw) is None


def test_sign_in_finds_the_account_by_any_spelling(app, make_account):
    account = make_account()
    with app.app_context():
        for raw in ("8 " + account["phone"][2:], account["phone"], "+7 " + account["phone"][2:]):
            assert find_by_login(raw).email == account["email"]
