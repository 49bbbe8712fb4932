"""«Забыли пароль?»: a code by SMS to the cabinet's phone, then the change-password form.

The answer to "send me a code" reads the same whether or not the login belongs to
a cabinet, so the page tells nobody who is registered. The code proves the phone
just as the registration SMS password does; the change-password form then does
not ask for the forgotten password.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for

from flows import sms_password
from flows.delivery.outbox import enqueue_sms
from flows.login import limit_per_ip
from idp.accounts.lifecycle import ACTIVE, state
from idp.accounts.lookup import find_by_login
from idp.clock import utcnow
from idp.db import db
from idp.ops import metrics
from idp.sessions import sso_session
from idp.store import ratelimit
from idp.web.messages import SMS_TEXTS, for_error, message

bp = Blueprint("recovery", __name__)
RECOVERY_LOGIN = "recovery_login"


def send_code(login: str) -> None:
    """Queue a recovery code for an active cabinet; otherwise count the attempt the same way."""
    account = find_by_login(login)
    if account is not None and state(account, utcnow()) == ACTIVE:
        issued = sms_password.issue(sms_password.RECOVER, account.sub, account.phone)
        enqueue_sms(account.phone, SMS_TEXTS["recover"].format(code=issued.code))
        db.session.commit()
    else:
        sms_password.allow_send("login:" + login.strip().lower())


def check_code(login: str, code: str):
    """The account whose recovery code this is, or raise SmsPasswordError."""
    account = find_by_login(login)
    if account is None:
        raise sms_password.CodeExpired()
    sms_password.verify(sms_password.RECOVER, account.sub, code)
    return account


def _page(template, ia, error=None, notice=None, status=200):
    return render_template(
        template, ia=ia, error=error, notice=notice, login=session.get(RECOVERY_LOGIN, "")
    ), status


@bp.get("/password/forgot")
def forgot_form():
    return _page("recovery_request.html", request.args.get("ia"))


@bp.post("/password/forgot")
def forgot_submit():
    ia = request.form.get("ia") or None
    login = (request.form.get("login") or "").strip()
    if not login:
        return _page("recovery_request.html", ia, message("missing_login"), status=400)
    try:
        limit_per_ip("recovery-ip")
        send_code(login)
    except ratelimit.RateLimited:
        return _page("recovery_request.html", ia, message("too_many_attempts"), status=429)
    except sms_password.SmsPasswordError as exc:
        return _page("recovery_request.html", ia, for_error(exc), status=429)
    session[RECOVERY_LOGIN] = login
    return redirect(url_for("recovery.code_form", ia=ia))


@bp.get("/password/forgot/code")
def code_form():
    return _page("recovery_code.html", request.args.get("ia"), notice=message("recovery_sent"))


@bp.post("/password/forgot/code")
def code_submit():
    ia = request.form.get("ia") or None
    login = session.get(RECOVERY_LOGIN)
    if not login:
        return redirect(url_for("recovery.forgot_form", ia=ia))
    try:
        limit_per_ip("recovery-code-ip")
        account = check_code(login, request.form.get("code") or "")
    except ratelimit.RateLimited:
        return _page("recovery_code.html", ia, message("too_many_attempts"), status=429)
    except sms_password.SmsPasswordError as exc:
        return _page("recovery_code.html", ia, for_error(exc), status=401)
    session.pop(RECOVERY_LOGIN, None)
    sso_session.sign_in(account.id, "sms")
    metrics.count("sign_ins", result="success", level="sms")
    return redirect(url_for("password.change_form", ia=ia))
