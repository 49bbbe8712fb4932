"""What every page's form shares: a Flask-WTF form whose errors are the catalogue's texts.

A rule is a plain function that takes what was typed and returns the value to
use, or raises an exception whose `message_key` names the catalogue text (and
whose `values`, if any, fill it). `rule(...)` makes such a function a field's
validator; the value it returned is kept as `field.checked`.

The templates write the CSRF token themselves (`csrf_token()`); CSRFProtect
checks it for every POST before a view runs, and the form checks it again.
"""

from __future__ import annotations

from flask import has_request_context, render_template, request
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import StopValidation, ValidationError

from idp.web.messages import for_error, message


def text(value):
    """A filter: what was typed, or "" when the field was not sent."""
    return value or ""


def stripped(value):
    return (value or "").strip()


def rule(check, **options):
    """A validator that runs a rule on the field's data and keeps what it returns as field.checked."""

    def validate(form, field):
        try:
            field.checked = check(field.data, **options)
        except ValueError as refusal:
            key = getattr(refusal, "message_key", None)
            if key is None:
                raise
            raise ValidationError(message(key, **getattr(refusal, "values", {}))) from None

    return validate


def required(message_key: str):
    """A validator: the field must not be empty, else the catalogue's text for message_key."""

    def validate(form, field):
        if not field.data:
            raise StopValidation(message(message_key))

    return validate


class PageForm(FlaskForm):
    """A page's form. The paused authorization request (ia) rides along from the query or the form."""

    ia = HiddenField(filters=[lambda value: value or None])
    # The catalogue key of the error summary's heading when fields show their own errors.
    summary_key: str = "form_has_errors"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.ia.data is None and has_request_context():
            self.ia.data = request.args.get("ia") or None
        self.refusal: str | None = None
        self.notice: str | None = None

    def refuse(self, message_key: str, **values) -> PageForm:
        """Show the catalogue's text for message_key above the form."""
        self.refusal = message(message_key, **values)
        return self

    def refuse_for(self, failure: Exception) -> PageForm:
        """Show the text of a named failure (its class carries the catalogue key)."""
        self.refusal = for_error(failure)
        return self

    def tell(self, message_key: str | None, **values) -> PageForm:
        self.notice = message(message_key, **values)
        return self

    def refuse_field(self, name: str, failure: Exception) -> PageForm:
        """Show a named failure beside the field it is about (and in the summary's list)."""
        self[name].errors = [*self[name].errors, for_error(failure)]
        return self

    def field_error(self, name: str) -> str | None:
        errors = self[name].errors if name in self else ()
        return errors[0] if errors else None

    @property
    def field_errors(self) -> dict[str, str]:
        """Each field's first error, by field name: the error summary lists them as links."""
        return {name: found[0] for name, found in self.errors.items() if name not in _NOT_FIELDS and found}

    @property
    def page_error(self) -> str | None:
        """The error summary's heading: a refusal of the whole form, or «look below» for fields."""
        if self.refusal:
            return self.refusal
        return message(self.summary_key) if self.field_errors else None


_NOT_FIELDS = {"csrf_token", "ia", None}  # None: WTForms keys form-wide errors so


def render_form(template: str, form: PageForm, status: int = 200, **context):
    """The page of a form: its error or notice on top, the paused request's ia along."""
    page = render_template(
        template, form=form, ia=form.ia.data, error=form.page_error, notice=form.notice, **context
    )
    return page, status


def not_stored(rendered: tuple[str, int]):
    """A rendered page that shows a secret (an authenticator key, recovery codes): kept by no cache."""
    page, status = rendered
    return page, status, {"Cache-Control": "no-store"}
