"""The second factor's forms: a code from the authenticator app, enrolling and removing it,
the person's choice of method, and ending a session from the account page."""

from __future__ import annotations

from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import AnyOf

from flows.forms.password import check_current_password
from idp.models import Account
from idp.web.forms import PageForm, required, text


class AppCodeForm(PageForm):
    code = StringField(filters=[text])  # flows.authenticator.verify says whether it is right


class PasswordConfirmedForm(PageForm):
    """A change to how the person signs in asks for the password again: a borrowed session
    is not enough to add or remove a second factor."""

    password = PasswordField(filters=[text], validators=[required("missing_password")])

    def __init__(self, account: Account, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.account = account

    def validate_password(self, field) -> None:
        check_current_password(self.account, field.data)


class EnrolmentForm(PasswordConfirmedForm):
    code = StringField(filters=[text], validators=[required("app_code_missing")])


class SecondFactorChoiceForm(PageForm):
    method = StringField(validators=[AnyOf(["sms", "otp"])])  # the radio buttons on the account page


class EndSessionForm(PageForm):
    sid = HiddenField(filters=[text])
