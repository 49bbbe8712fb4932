"""«Забыли пароль?»: a code by SMS to the cabinet's phone, then the change-password form.

The answer to "send me a code" reads the same whether or not the login belongs to
a cabinet, so the page tells nobody who is registered. The code proves the phone
just as the registration SMS password does; the change-password form then does
not ask for the forgotten password.
"""

from __future__ import annotations

from flask import Blueprint, redirect, session, url_for

from flows import sms_password
from flows.delivery.outbox import enqueue_sms
from flows.forms.recovery import ForgotForm
from flows.forms.sms_code import SmsCodeForm
from flows.login import client_ip, limit_per_ip
from flows.signin_session import kept_login
from idp.accounts.lifecycle import ACTIVE, state
from idp.accounts.lookup import find_by_login
from idp.clock import utcnow
from idp.db import db
from idp.ops import metrics
from idp.sessions import sso_session
from idp.web.even_time import even_time
from idp.web.forms import render_form
from idp.web.messages import sms_text

bp = Blueprint("recovery", __name__)
RECOVERY_LOGIN = "recovery_login"


def send_code(login: str, address: str | None) -> None:
    """Queue a recovery code for an active cabinet, the request paid the same way for any
    login. At most one recovery SMS per cooldown goes to a phone, and never from its daily
    cap: the requester has not proven the phone (sms_password.issue)."""
    sms_password.request(login, address, purpose=sms_password.RECOVER)
    account = find_by_login(login)
    if account is not None and state(account, utcnow()) == ACTIVE:
        issued = sms_password.issue(sms_password.RECOVER, account.sub, account.phone, quietly=True)
        if issued is not None:
            enqueue_sms(account.phone, sms_text("recover", code=issued.code))
            db.session.commit()


def check_code(login: str, code: str):
    """The account whose recovery code this is, or raise SmsPasswordError."""
    account = find_by_login(login)
    if account is None:
        raise sms_password.CodeExpired(purpose=sms_password.RECOVER)
    sms_password.verify(sms_password.RECOVER, account.sub, code)
    return account


@bp.get("/password/forgot")
def forgot_form():
    return render_form("recovery_request.html", ForgotForm(login=session.get(RECOVERY_LOGIN, "")))


@bp.post("/password/forgot")
@even_time
def forgot_submit():
    form = ForgotForm()
    if not form.validate():
        return render_form("recovery_request.html", form, 400)
    limit_per_ip("recovery-ip")
    try:
        send_code(form.login.data, client_ip())
    except sms_password.SmsPasswordError as exc:
        return render_form("recovery_request.html", form.refuse_for(exc), 429)
    session[RECOVERY_LOGIN] = form.login.data
    return redirect(url_for("recovery.code_form", ia=form.ia.data))


@bp.get("/password/forgot/code")
def code_form():
    return render_form("recovery_code.html", SmsCodeForm().tell("recovery_sent"))


@bp.post("/password/forgot/code")
@kept_login(RECOVERY_LOGIN, SmsCodeForm, back_to="recovery.forgot_form")
def code_submit(form: SmsCodeForm, login: str):
    if not form.validate():
        return render_form("recovery_code.html", form, 400)
    limit_per_ip("recovery-code-ip")
    try:
        account = check_code(login, form.code.data)
    except sms_password.SmsPasswordError as exc:
        return render_form("recovery_code.html", form.refuse_field("code", exc), 401)
    session.pop(RECOVERY_LOGIN, None)
    sso_session.sign_in(account.id, "sms")
    metrics.count("sign_ins", result="success", level="sms")
    return redirect(url_for("password.change_form", ia=form.ia.data))
