"""The sign-in page's two buttons, «Войти» and «Отправить еще раз?», and the SMS step's «Пароль»."""

from __future__ import annotations

from wtforms import PasswordField, StringField

from idp.web.forms import PageForm, required, stripped, text


class SignInForm(PageForm):
    login = StringField(filters=[stripped], validators=[required("login_missing")])
    password = PasswordField(filters=[text], validators=[required("password_missing")])


class SmsStepForm(PageForm):
    """The SMS step: the login it is for is the one just registered (kept in the session)."""

    password = StringField(filters=[stripped], validators=[required("password_missing")])


class ResendForm(PageForm):
    """«Отправить еще раз?» sends the same form; only the login is read."""

    login = StringField(filters=[stripped], validators=[required("login_required_for_resend")])
