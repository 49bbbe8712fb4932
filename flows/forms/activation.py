"""The activation pages: the button that uses the link, and «send the link again»."""

from __future__ import annotations

from wtforms import StringField

from idp.web.forms import PageForm, stripped


class ActivationForm(PageForm):
    """The button under an activation link: no fields, the token is in the address."""


class ActivationResendForm(PageForm):
    login = StringField(filters=[stripped])
