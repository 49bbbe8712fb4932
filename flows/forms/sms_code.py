"""A code from an SMS, typed in: the step-up and the recovery pages."""

from __future__ import annotations

from wtforms import StringField

from idp.web.forms import PageForm, required, stripped


class SmsCodeForm(PageForm):
    # An empty field is refused here; flows.sms_password.verify says what is wrong with the rest.
    code = StringField(filters=[stripped], validators=[required("code_missing")])
