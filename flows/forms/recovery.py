"""«Забыли пароль?»: the login whose phone gets the code."""

from __future__ import annotations

from wtforms import StringField

from idp.web.forms import PageForm, required, stripped


class ForgotForm(PageForm):
    login = StringField(filters=[stripped], validators=[required("missing_login")])
