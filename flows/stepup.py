"""Step-up: a signed-in person proves a second factor as well, when a site asks for
acr urn:rossetimr:lk:acr:mfa: a code by SMS to the verified phone, or a code from the
authenticator app (or a recovery code), the person's own choice first. The session keeps
its public sid and gains the method in amr; «Отмена» ends the site's request with
unmet_authentication_requirements (the policy's acr_declined row)."""

from __future__ import annotations

from flask import Blueprint, redirect, request

from flows import authenticator, sms_password
from flows.delivery.outbox import enqueue_sms
from flows.forms.second_factor import AppCodeForm
from flows.forms.sms_code import SmsCodeForm
from flows.login import client_ip
from idp.accounts import second_factors
from idp.db import db
from idp.models import Account
from idp.oidc import interaction
from idp.ops import metrics
from idp.services import settings
from idp.sessions import sso_session
from idp.sessions.records import SECOND_FACTORS
from idp.store import ratelimit
from idp.web.formats import masked_phone
from idp.web.forms import render_form
from idp.web.messages import sms_text
from idp.web.signed_in import SignedInPerson, signed_in

bp = Blueprint("stepup", __name__)
APP = "otp"


def _show(form: SmsCodeForm, account: Account, status=200):
    """«Sent» is said only while a code that was queued is still live."""
    live = sms_password.has_live_code(sms_password.STEP_UP, account.sub)
    if form.notice is None and live:
        form.tell("stepup_sent", phone=masked_phone(account.phone))
    return render_form(
        "stepup.html",
        form,
        status,
        tries_left=sms_password.tries_left(sms_password.STEP_UP, account.sub) if live else None,
        resend_wait=sms_password.cooldown_left(
            sms_password.STEP_UP, sms_password.login_channel(account.phone)
        ),
        methods=second_factors.available(account),
    )


def _show_app(form: AppCodeForm, account: Account, status=200):
    return render_form("stepup_app.html", form, status, methods=second_factors.available(account))


def _send(account: Account) -> None:
    sms_password.request(account.phone, client_ip(), purpose=sms_password.STEP_UP)
    issued = sms_password.issue(sms_password.STEP_UP, account.sub, account.phone)
    if issued is not None:
        enqueue_sms(account.phone, sms_text("stepup", code=issued.code))
        db.session.commit()


def _cannot_use(method: str, account: Account) -> bool:
    return method not in second_factors.available(account)


def _declined(ia):
    interaction.decline(ia, "step_up")
    return redirect(interaction.resume_url(ia))


def _proven(person: SignedInPerson, method: str, ia):
    sso_session.sign_in(person.account.id, method)
    metrics.count("sign_ins", result="success", level=method)
    return redirect(interaction.resume_url(ia))


def _limit(account: Account) -> None:
    limits = settings()
    ratelimit.hit("stepup", account.sub, limits.login_attempts_per_window, limits.login_attempt_window)


@bp.get("/stepup")
@signed_in
def form(person):
    form = SmsCodeForm()
    account = person.account
    if SECOND_FACTORS & set(person.session.amr):
        return redirect(interaction.resume_url(form.ia.data))
    methods = second_factors.available(account)
    if not methods:
        return _declined(form.ia.data)
    chosen = request.args.get("method")
    if (chosen if chosen in methods else methods[0]) == APP:
        return _show_app(AppCodeForm(), account)
    if not sms_password.has_live_code(sms_password.STEP_UP, account.sub):
        try:
            _send(account)
        except sms_password.SmsPasswordError as exc:
            return _show(form.refuse_for(exc), account, 429)
    return _show(form, account)


@bp.post("/stepup")
@signed_in
def submit(person):
    form = SmsCodeForm()
    account = person.account
    if _cannot_use(second_factors.SMS, account):
        return _declined(form.ia.data)
    if not form.validate():
        return _show(form, account, 400)
    _limit(account)
    try:
        sms_password.verify(sms_password.STEP_UP, account.sub, form.code.data)
    except sms_password.SmsPasswordError as exc:
        return _show(form.refuse_field("code", exc), account, 401)
    return _proven(person, "sms", form.ia.data)


@bp.post("/stepup/app")
@signed_in
def submit_app(person):
    form = AppCodeForm()
    account = person.account
    if _cannot_use(APP, account):
        return _declined(form.ia.data)
    _limit(account)
    if not authenticator.verify(account, form.code.data):
        return _show_app(form.refuse("app_code_wrong"), account, 401)
    return _proven(person, APP, form.ia.data)


@bp.post("/stepup/resend")
@signed_in
def resend(person):
    form = SmsCodeForm()
    if _cannot_use(second_factors.SMS, person.account):
        return _declined(form.ia.data)
    try:
        _send(person.account)
    except sms_password.SmsPasswordError as exc:
        return _show(form.refuse_for(exc), person.account, 429)
    return _show(form, person.account)


@bp.post("/stepup/cancel")
def cancel():
    """«Отмена»: the person does not prove more; the site is told so."""
    return _declined(SmsCodeForm().ia.data)
