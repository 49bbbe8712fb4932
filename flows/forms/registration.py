"""The registration form: the person's names and contacts, and the consent checkboxes."""

from __future__ import annotations

from wtforms import BooleanField, StringField

from flows import validation
from flows.validation import MANDATORY_CONSENTS, OPTIONAL_CONSENTS, PersonData
from idp.web.forms import PageForm, required, rule


class RegistrationForm(PageForm):
    """Used by the registration page and by the office's `lk-idp accounts register-assisted`."""

    summary_key = "form_has_errors"  # each field shows its own error; the page says to look below

    family_name = StringField(validators=[required("family_name_required"), rule(validation.person_name)])
    given_name = StringField(validators=[required("given_name_required"), rule(validation.person_name)])
    middle_name = StringField()
    no_middle_name = BooleanField()
    phone = StringField(validators=[rule(validation.mobile_phone)])
    email = StringField(validators=[rule(validation.email_address)])

    def validate_middle_name(self, field) -> None:
        rule(validation.middle_name, declared_none=self.no_middle_name.data)(self, field)

    def person(self) -> PersonData:
        """What the rules made of the fields; only after validate() passed."""
        return PersonData(
            family_name=self.family_name.checked,
            given_name=self.given_name.checked,
            middle_name=self.middle_name.checked,
            email=self.email.checked,
            phone=self.phone.checked,
        )

    def consents(self) -> dict[str, bool]:
        """Every consent kind the form asks about, granted or not."""
        return {kind: bool(self[f"consent_{kind}"].data) for kind in MANDATORY_CONSENTS + OPTIONAL_CONSENTS}


for _kind in MANDATORY_CONSENTS:
    setattr(
        RegistrationForm, f"consent_{_kind}", BooleanField(validators=[required(f"consent_{_kind}_required")])
    )
for _kind in OPTIONAL_CONSENTS:
    setattr(RegistrationForm, f"consent_{_kind}", BooleanField())
