"""A new mandatory consent version, shown to be accepted or declined."""

from __future__ import annotations

from wtforms import HiddenField, StringField
from wtforms.validators import StopValidation

from consent import catalogue
from idp.web.forms import PageForm, stripped
from idp.web.messages import message


class ConsentUpdateForm(PageForm):
    """The versions shown; a ticked box carries the version it showed, so a version that took
    effect meanwhile is shown anew rather than taken as accepted."""

    decision = StringField()

    def __init__(self, versions, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.versions = versions
        self.kinds = {v.kind: catalogue.kind(v.kind) for v in versions}

    @property
    def declined(self) -> bool:
        return self.decision.data == "decline"

    @property
    def accepted(self) -> list:
        return [v for v in self.versions if not self[f"consent_{v.kind}"].errors]


def _shows(version_id: str):
    def validate(form, field):
        if field.data != version_id:
            raise StopValidation(message("consent_not_ticked"))

    return validate


def consent_update_form(versions) -> ConsentUpdateForm:
    """The form for these versions: one checkbox per kind, named consent_<kind>."""
    boxes = {f"consent_{v.kind}": StringField(validators=[_shows(v.id)]) for v in versions}
    return type("ConsentUpdateForm", (ConsentUpdateForm,), boxes)(versions)


class ClosureForm(PageForm):
    """Withdrawing a mandatory consent, confirmed: the kind rides in a hidden field."""

    kind = HiddenField(filters=[stripped])
