"""The change-password form: «Новый пароль», «Подтверждение пароля», and the current one when asked."""

from __future__ import annotations

from wtforms import BooleanField, PasswordField
from wtforms.validators import StopValidation

from flows.password_rules import check_new_password
from idp.models import Account
from idp.services import services, settings
from idp.store import ratelimit
from idp.web.forms import PageForm, rule, text
from idp.web.messages import message


def check_current_password(account: Account, typed: str) -> None:
    """Someone who already has a password proves it again: a borrowed session is not enough."""
    if not typed:
        raise StopValidation(message("current_password_missing"))
    ratelimit.hit("password-current", account.sub, 5, settings().login_attempt_window)
    if not services().passwords.verify(account.password_hash, typed):
        raise StopValidation(message("current_password_wrong"))


class PasswordChangeForm(PageForm):
    current_password = PasswordField(filters=[text])
    new_password = PasswordField(filters=[text])
    confirm_password = PasswordField(filters=[text])
    sign_out_elsewhere = BooleanField()

    def __init__(self, account: Account, asks_current: bool, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.account = account
        self.asks_current = asks_current
        if not self.is_submitted():
            # After «Забыли пароль?» (no current password asked) someone else may know the old one.
            self.sign_out_elsewhere.data = not asks_current

    def validate_current_password(self, field) -> None:
        if self.asks_current:
            check_current_password(self.account, field.data)

    def validate_new_password(self, field) -> None:
        if self.current_password.errors:
            raise StopValidation()  # the current password first: the new one is not judged for a stranger
        # The rules of the new password here; whether the confirmation matches, beside it.
        check = rule(
            check_new_password,
            confirmation=field.data,
            account=self.account,
            min_length=settings().password_min_length,
        )
        check(self, field)

    def validate_confirm_password(self, field) -> None:
        if self.current_password.errors:
            raise StopValidation()
        if not field.data:
            raise StopValidation(message("confirm_required"))
        if field.data != self.new_password.data:
            raise StopValidation(message("password_mismatch"))
