"""Step-up: a signed-in person proves a second factor as well, when a site asks for
acr urn:rossetimr:lk:acr:mfa. SMS goes only to a verified phone. The session keeps its
public sid and gains the method in amr; «Отмена» ends the site's request with
unmet_authentication_requirements (the policy's acr_declined row)."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from flows import sms_password
from flows.delivery.outbox import enqueue_sms
from idp.accounts import second_factors
from idp.accounts.lifecycle import is_live
from idp.clock import utcnow
from idp.db import db
from idp.models import Account
from idp.oidc import interaction
from idp.ops import metrics
from idp.services import settings
from idp.sessions import sso_session
from idp.store import ratelimit
from idp.web.messages import SMS_TEXTS, for_error, message

bp = Blueprint("stepup", __name__)


def _masked(phone: str) -> str:
    return phone[:2] + " *** ***-" + phone[-4:-2] + "-" + phone[-2:]


def _page(ia, account, error=None, notice=None, status=200):
    notice = notice or message("stepup_sent", phone=_masked(account.phone))
    return render_template("stepup.html", ia=ia, error=error, notice=notice), status


def _send(account: Account) -> None:
    issued = sms_password.issue(sms_password.STEP_UP, account.sub, account.phone)
    enqueue_sms(account.phone, SMS_TEXTS["stepup"].format(code=issued.code))
    db.session.commit()


def _current():
    sso = sso_session.current()
    account = db.session.get(Account, sso.account_id) if sso else None
    if account is None or not is_live(account, utcnow()):
        return None, None
    return sso, account


def _cannot_use_sms(account: Account) -> bool:
    return second_factors.SMS not in second_factors.available(account)


def _declined(ia):
    interaction.decline(ia, "step_up")
    return redirect(interaction.resume_url(ia))


@bp.get("/stepup")
def form():
    ia = request.args.get("ia")
    sso, account = _current()
    if sso is None:
        return redirect(url_for("login.login_form", ia=ia))
    if "sms" in sso.amr:
        return redirect(interaction.resume_url(ia))
    if _cannot_use_sms(account):
        return _declined(ia)
    if not sms_password.has_live_code(sms_password.STEP_UP, account.sub):
        try:
            _send(account)
        except sms_password.SmsPasswordError as exc:
            return _page(ia, account, for_error(exc), status=429)
    return _page(ia, account)


@bp.post("/stepup")
def submit():
    ia = request.form.get("ia") or None
    sso, account = _current()
    if sso is None:
        return redirect(url_for("login.login_form", ia=ia))
    if _cannot_use_sms(account):
        return _declined(ia)
    try:
        limits = settings()
        ratelimit.hit("stepup", account.sub, limits.login_attempts_per_window, limits.login_attempt_window)
        sms_password.verify(sms_password.STEP_UP, account.sub, request.form.get("code") or "")
    except ratelimit.RateLimited:
        return _page(ia, account, message("too_many_attempts"), status=429)
    except sms_password.SmsPasswordError as exc:
        return _page(ia, account, for_error(exc), status=401)
    sso_session.sign_in(account.id, "sms")
    metrics.count("sign_ins", result="success", level="sms")
    return redirect(interaction.resume_url(ia))


@bp.post("/stepup/resend")
def resend():
    ia = request.form.get("ia") or None
    sso, account = _current()
    if sso is None:
        return redirect(url_for("login.login_form", ia=ia))
    if _cannot_use_sms(account):
        return _declined(ia)
    try:
        _send(account)
    except sms_password.SmsPasswordError as exc:
        return _page(ia, account, for_error(exc), status=429)
    return _page(ia, account)


@bp.post("/stepup/cancel")
def cancel():
    """«Отмена»: the person does not prove more; the site is told so."""
    return _declined(request.form.get("ia") or None)
