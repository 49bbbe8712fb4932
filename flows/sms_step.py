"""The SMS step as its own page: where the password went, how many tries are left, and when
«Отправить еще раз?» works again — all stated by the server, so the page needs no script.

Registration leads here (/login?step=sms) whether or not a cabinet was created (the e-mail or
phone may be taken), so everything this page says is the same for both: the number is the
one the person typed, and the tries are counted per login on this page.
"""

from __future__ import annotations

from flask import Blueprint, redirect, session, url_for

from flows import confirmation
from flows.forms.login import SmsStepForm
from flows.signin import SignInRefused, sign_in
from flows.signin_session import PENDING_LOGIN, client_ip, kept_login, limit_per_ip, remember_login, signed_in
from flows.sms_password import SmsPasswordError
from idp.services import settings
from idp.store import ratelimit
from idp.web.forms import render_form
from idp.web.messages import message

bp = Blueprint("sms_step", __name__)
TYPED_PHONE = "sms_step_phone"
PROOF = "sms_step_proof"  # the registering browser's (flows.confirmation.new_proof)
FAILURES = "sms-step-failures"  # the ratelimit.Limit counting wrong tries on this page, per login
RESEND_STEP = 5  # seconds: the wait is stated rounded up to this


def start(login: str, phone: str, proof: str) -> None:
    """Registration is done: the SMS page will speak of this login and this number, and ask
    for more SMS with this browser's proof."""
    remember_login(login)
    session[TYPED_PHONE] = phone
    session[PROOF] = proof


def new_form() -> SmsStepForm:
    return SmsStepForm()


def _failures() -> ratelimit.Limit:
    limits = settings()
    return ratelimit.Limit(FAILURES, limits.sms_max_attempts, limits.sms_code_ttl)


def _tries_left(login: str) -> int:
    return max(0, settings().sms_max_attempts - _failures().read(login.lower()).count)


def show(form: SmsStepForm, status: int = 200):
    """The SMS step for the login just registered."""
    login = session[PENDING_LOGIN]
    wait = confirmation.resend_wait(login, session.get(PROOF))
    limits = settings()
    return render_form(
        "sms_step.html",
        form,
        status,
        login=login,
        phone=session.get(TYPED_PHONE),
        tries_left=_tries_left(login),
        valid_minutes=limits.sms_code_ttl // 60,
        code_length=limits.sms_code_length,
        # Stated a little late rather than early: a person who waits that long finds it works.
        resend_wait=-(-wait // RESEND_STEP) * RESEND_STEP,
    )


@bp.post("/login/sms")
@kept_login(PENDING_LOGIN, SmsStepForm, back_to="login.login_form")
def submit(form: SmsStepForm, login: str):
    if not form.validate():
        return show(form, 400)
    if _tries_left(login) == 0:
        return show(form.refuse("sms_too_many_attempts"), 401)
    try:
        result = sign_in(login, form.password.data, client_ip())  # RateLimited: the app's 429 page
    except SignInRefused as refusal:
        return show(_refused(form, login, refusal), 401)
    return signed_in(form.ia.data, result)


def _refused(form: SmsStepForm, login: str, refusal: SignInRefused) -> SmsStepForm:
    if refusal.message_key == "bad_credentials":
        # A wrong SMS password, or no cabinet waits for one: counted here alike.
        _failures().count(login.lower())
        left = _tries_left(login)
        text = message("sms_wrong", tries_left=left) if left else message("sms_too_many_attempts")
    else:
        text = message(refusal.message_key)
    form.password.errors = [text]
    return form


@bp.post("/login/sms/resend")
@kept_login(PENDING_LOGIN, SmsStepForm, back_to="login.login_form")
def resend(form: SmsStepForm, login: str):
    """«Отправить еще раз?» on this page: a new password and a fresh count of tries."""
    limit_per_ip("sms-resend-ip")
    try:
        confirmation.resend(login, client_ip(), session.get(PROOF))
    except SmsPasswordError as exc:
        return show(form.refuse_for(exc), 429)
    _failures().clear(login.lower())
    return redirect(url_for("login.login_form", ia=form.ia.data, step="sms", notice="sms_resent"))
