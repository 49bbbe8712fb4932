"""The sign-in page's two buttons: «Войти» and «Отправить еще раз?»."""

from __future__ import annotations

from wtforms import PasswordField, StringField

from idp.web.forms import PageForm, required, stripped, text


class SignInForm(PageForm):
    login = StringField(filters=[stripped], validators=[required("missing_credentials")])
    password = PasswordField(filters=[text], validators=[required("missing_credentials")])


class ResendForm(PageForm):
    """«Отправить еще раз?» sends the same form; only the login is read."""

    login = StringField(filters=[stripped], validators=[required("login_required_for_resend")])
