"""The sign-in page: login (e-mail or phone), «Пароль», «Войти», «Отправить еще раз?»."""

from __future__ import annotations

from flask import Blueprint, redirect, request, session, url_for

from flows import confirmation
from flows.forms.login import ResendForm, SignInForm
from flows.signin import SignInRefused, sign_in
from flows.sms_password import SmsPasswordError
from idp.oidc import interaction
from idp.ops import metrics
from idp.services import settings
from idp.sessions import sso_session
from idp.store import ratelimit
from idp.web.even_time import even_time
from idp.web.forms import render_form

bp = Blueprint("login", __name__)

# The login a person just registered with or changed the password for, kept in the
# signed cookie rather than the URL, where it would end up in access logs.
PENDING_LOGIN = "pending_login"


def client_ip() -> str:
    return request.remote_addr or "unknown"


def remember_login(login: str) -> None:
    session[PENDING_LOGIN] = login


def limit_per_ip(name: str) -> None:
    """Raise RateLimited when this address does far more than one person would."""
    limits = settings()
    ratelimit.hit(name, client_ip(), limits.login_attempts_per_window * 10, limits.login_attempt_window)


def _show(form, status=200, offer_activation_link=False):
    return render_form(
        "login.html",
        form,
        status,
        login=form.login.data,
        offer_activation_link=offer_activation_link,
        video_url=settings().video_instruction_url,
    )


@bp.get("/login")
def login_form():
    form = SignInForm(login=request.args.get("login") or session.get(PENDING_LOGIN, ""))
    return _show(form.tell(request.args.get("notice")))


@bp.post("/login")
def login_submit():
    form = SignInForm()
    if not form.validate():
        return _show(form, 400)
    login, ia = form.login.data, form.ia.data
    try:
        result = sign_in(login, form.password.data, client_ip())
    except ratelimit.RateLimited:
        metrics.count("sign_ins", result="rate_limited", level="none")
        raise  # the app's handler answers 429
    except SignInRefused as refusal:
        metrics.count("sign_ins", result=refusal.message_key, level="none")
        offer = refusal.message_key == "not_activated"
        return _show(form.refuse(refusal.message_key), 401, offer_activation_link=offer)
    session.pop(PENDING_LOGIN, None)
    metrics.count("sign_ins", result="success", level=result.method)
    sso_session.sign_in(result.account.id, result.method)
    if result.method == "sms":
        return redirect(url_for("password.change_form", ia=ia))
    return redirect(interaction.resume_url(ia))


@bp.post("/login/resend")
@even_time
def resend():
    """«Отправить еще раз?»: a new SMS password for an account that waits for one."""
    form = ResendForm()
    if not form.validate():
        return _show(form, 400)
    limit_per_ip("sms-resend-ip")
    try:
        confirmation.resend(form.login.data, client_ip())
    except SmsPasswordError as exc:
        return _show(form.refuse_for(exc), 429)
    return _show(form.tell("sms_resent"))
