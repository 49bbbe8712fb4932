"""The console's forms. The applicant form's rules are self-registration's (flows.validation)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Optional

from flows import validation
from flows.office.applicants import services_offered
from idp.web.messages import message


class StaffLoginForm(FlaskForm):
    login = StringField(validators=[DataRequired()])
    password = PasswordField(validators=[DataRequired()])


class StaffCodeForm(FlaskForm):
    code = StringField(validators=[DataRequired()])


class ActionForm(FlaskForm):
    """A button that changes something: only its CSRF token."""


class ApplicantForm(FlaskForm):
    family_name = StringField()
    given_name = StringField()
    middle_name = StringField()
    no_middle_name = BooleanField()
    phone = StringField()
    email = StringField()
    service = SelectField(validate_choice=False)
    consent_pd_law_152 = BooleanField()
    consent_pd_processing = BooleanField()
    consent_mailing = BooleanField()
    recreates = HiddenField()

    person: validation.PersonData | None = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.service.choices = [(name, name) for name in services_offered()]

    def registration_fields(self) -> dict:
        return {name: field.data for name, field in self._fields.items() if name != "csrf_token"}

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.service.data not in services_offered():
            self.service.errors = [message("office_service_required")]
            valid = False
        person, errors = validation.registration(self.registration_fields())
        for name, key in errors.items():
            getattr(self, name).errors = [message(key)]
        self.person = person
        return valid and not errors

    def consents(self) -> dict[str, bool]:
        return validation.consents_given(self.registration_fields())


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    actor = StringField(validators=[Optional()])
    account_sub = StringField(validators=[Optional()])
    since = DateField(validators=[Optional()])
    until = DateField(validators=[Optional()])
