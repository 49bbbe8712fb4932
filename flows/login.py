"""The sign-in page: login (e-mail or phone), «Пароль», «Войти», «Отправить еще раз?».

Right after registration the same address shows the SMS step (`?step=sms`, flows.sms_step).
"""

from __future__ import annotations

from flask import Blueprint, request, session

from flows import confirmation, sms_step
from flows.forms.login import ResendForm, SignInForm
from flows.signin import SignInRefused, sign_in
from flows.signin_session import (  # noqa: F401  (the other flows import these from here)
    PENDING_ACTIVATION,
    PENDING_LOGIN,
    client_ip,
    limit_per_ip,
    remember_login,
    signed_in,
)
from flows.sms_password import SmsPasswordError
from idp.ops import metrics
from idp.services import settings
from idp.store import ratelimit
from idp.web.even_time import even_time
from idp.web.formats import moscow_time
from idp.web.forms import render_form
from idp.web.messages import message

bp = Blueprint("login", __name__)


def _show(form, status=200, offer_activation_link=False):
    return render_form(
        "login.html",
        form,
        status,
        login=form.login.data,
        offer_activation_link=offer_activation_link,
        activation=_pending_activation(),
        video_url=settings().video_instruction_url,
    )


def _pending_activation() -> str | None:
    """After «Изменить пароль», while the cabinet waits for its link: activate first, by when."""
    pending = session.get(PENDING_ACTIVATION)
    return message("activate_first", **pending) if pending else None


@bp.get("/login")
def login_form():
    if request.args.get("step") == "sms" and session.get(PENDING_LOGIN):
        return sms_step.show(sms_step.new_form().tell(request.args.get("notice") or "sms_sent"))
    form = SignInForm(login=request.args.get("login") or session.get(PENDING_LOGIN, ""))
    return _show(form.tell(request.args.get("notice")))


@bp.post("/login")
def login_submit():
    form = SignInForm()
    if not form.validate():
        return _show(form, 400)
    login = form.login.data
    try:
        result = sign_in(login, form.password.data, client_ip())
    except ratelimit.RateLimited:
        metrics.count("sign_ins", result="rate_limited", level="none")
        raise  # the app's handler answers 429
    except SignInRefused as refusal:
        metrics.count("sign_ins", result=refusal.message_key, level="none")
        form.refuse(refusal.message_key)
        if refusal.deadline is not None:
            form.refusal += " " + message("activation_until", deadline=moscow_time(refusal.deadline))
        offer = refusal.message_key == "not_activated"
        return _show(form, 401, offer_activation_link=offer)
    return signed_in(form.ia.data, result)


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
