"""The sign-in page: login (e-mail or phone), «Пароль», «Войти», «Отправить еще раз?»."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for

from flows import confirmation
from flows.signin import SignInRefused, sign_in
from flows.sms_password import SmsPasswordError
from idp.oidc import interaction
from idp.ops import metrics
from idp.services import settings
from idp.sessions import sso_session
from idp.store import ratelimit
from idp.web.messages import for_error, message

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


def _page(ia, login="", error=None, notice=None, status=200, offer_activation_link=False):
    return (
        render_template(
            "login.html",
            ia=ia,
            login=login,
            error=error,
            notice=notice,
            offer_activation_link=offer_activation_link,
            video_url=settings().video_instruction_url,
        ),
        status,
    )


@bp.get("/login")
def login_form():
    login = request.args.get("login") or session.get(PENDING_LOGIN, "")
    return _page(request.args.get("ia"), login, notice=message(request.args.get("notice")))


@bp.post("/login")
def login_submit():
    ia = request.form.get("ia") or None
    login = (request.form.get("login") or "").strip()
    password = request.form.get("password") or ""
    if not login or not password:
        return _page(ia, login, message("missing_credentials"), status=400)
    try:
        limits = settings()
        ratelimit.hit("login", login.lower(), limits.login_attempts_per_window, limits.login_attempt_window)
        limit_per_ip("login-ip")
        result = sign_in(login, password)
    except ratelimit.RateLimited:
        metrics.count("sign_ins", result="rate_limited", level="none")
        return _page(ia, login, message("too_many_attempts"), status=429)
    except SignInRefused as refusal:
        metrics.count("sign_ins", result=refusal.message_key, level="none")
        return _page(
            ia,
            login,
            message(refusal.message_key),
            status=401,
            offer_activation_link=refusal.message_key == "not_activated",
        )
    session.pop(PENDING_LOGIN, None)
    metrics.count("sign_ins", result="success", level=result.method)
    sso_session.sign_in(result.account.id, result.method)
    if result.method == "sms":
        return redirect(url_for("password.change_form", ia=ia))
    return redirect(interaction.resume_url(ia))


@bp.post("/login/resend")
def resend():
    """«Отправить еще раз?»: a new SMS password for an account that waits for one."""
    ia = request.form.get("ia") or None
    login = (request.form.get("login") or "").strip()
    if not login:
        return _page(ia, login, message("login_required_for_resend"), status=400)
    try:
        limit_per_ip("sms-resend-ip")
        confirmation.resend(login)
    except ratelimit.RateLimited:
        return _page(ia, login, message("too_many_attempts"), status=429)
    except SmsPasswordError as exc:
        return _page(ia, login, for_error(exc), status=429)
    return _page(ia, login, notice=message("sms_resent"))
