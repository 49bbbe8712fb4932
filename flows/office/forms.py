"""The console's forms. The applicant form is self-registration's own (flows.forms.registration)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import DateField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import Optional, StopValidation

from flows.forms.registration import RegistrationForm
from flows.office.applicants import services_offered
from idp.web.forms import PageForm, required, stripped, text
from idp.web.messages import message


class StaffLoginForm(PageForm):
    login = StringField(filters=[stripped], validators=[required("staff_missing_credentials")])
    password = PasswordField(filters=[text], validators=[required("staff_missing_credentials")])


class StaffCodeForm(PageForm):
    code = StringField(filters=[stripped], validators=[required("staff_bad_code")])


def _offered_service(form, field) -> None:
    if field.data not in services_offered():
        raise StopValidation(message("office_service_required"))


class ApplicantForm(RegistrationForm):
    """The registration page's fields and rules, plus the service the applicant came for."""

    service = SelectField(validate_choice=False, validators=[_offered_service])
    recreates = HiddenField(filters=[lambda value: value or None])  # the deleted cabinet it replaces

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.service.choices = [(name, name) for name in services_offered()]
        if self.service.data is None:
            self.service.data = services_offered()[0]


def applicant_from(values: dict) -> ApplicantForm:
    """The same form filled from the CRM's JSON (already plain values; no CSRF: a bearer token)."""
    present = {name: value for name, value in values.items() if value not in (None, False, "")}
    return ApplicantForm(formdata=MultiDict(present), meta={"csrf": False})


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    actor = StringField(validators=[Optional()])
    account_sub = StringField(validators=[Optional()])
    since = DateField(validators=[Optional()])
    until = DateField(validators=[Optional()])
