"""A code from an SMS, typed in: the step-up and the recovery pages."""

from __future__ import annotations

from wtforms import StringField

from idp.web.forms import PageForm, text


class SmsCodeForm(PageForm):
    code = StringField(filters=[text])  # flows.sms_password.verify says what is wrong with it
