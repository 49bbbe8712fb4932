"""What a new password must be, as one plain function the form states and the view calls."""

from __future__ import annotations

import re

from flows.common_passwords import is_common
from idp.models import Account


class PasswordRejected(ValueError):
    """message_key names the rule that failed; values fill its text."""

    def __init__(self, message_key: str, **values) -> None:
        super().__init__(message_key)
        self.message_key = message_key
        self.values = values


def _is_login(password: str, account: Account) -> bool:
    lowered = password.strip().lower()
    if lowered in {account.email.lower(), account.email.split("@")[0].lower()}:
        return True
    if not account.phone:
        return False  # a staff account's login is its only name
    digits = re.sub(r"\D", "", password)
    phone_digits = account.phone.lstrip("+")
    # +7 916 123-45-67, 8 916…, 916… all spell the same phone
    has_letters = any(ch.isalpha() for ch in password)
    return not has_letters and digits in {phone_digits, "8" + phone_digits[1:], phone_digits[1:]}


def check_new_password(password: str, confirmation: str, account: Account, min_length: int) -> None:
    """Raise PasswordRejected for the first rule the new password breaks."""
    if not password:
        raise PasswordRejected("password_required")
    if len(password) < min_length:
        raise PasswordRejected("password_too_short", min_length=min_length)
    if _is_login(password, account):
        raise PasswordRejected("password_is_login")
    if is_common(password):
        raise PasswordRejected("password_common")
    if password != confirmation:
        raise PasswordRejected("password_mismatch")
