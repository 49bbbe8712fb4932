"""The sign-in page: login (e-mail or phone), «Пароль», «Войти»."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request

from flows.messages import MESSAGES
from flows.signin import SignInRefused, sign_in_with_password
from idp import interaction, ratelimit, sessions
from idp.services import settings

bp = Blueprint("login", __name__)


def client_ip() -> str:
    return request.remote_addr or "unknown"


def _page(ia: str | None, login: str = "", error: str | None = None, notice: str | None = None, status=200):
    return (
        render_template(
            "login.html",
            ia=ia,
            login=login,
            error=MESSAGES.get(error) if error else None,
            notice=MESSAGES.get(notice) if notice else None,
            video_url=settings().video_instruction_url,
        ),
        status,
    )


@bp.get("/login")
def login_form():
    return _page(request.args.get("ia"), request.args.get("login", ""), notice=request.args.get("notice"))


@bp.post("/login")
def login_submit():
    ia = request.form.get("ia") or None
    login = (request.form.get("login") or "").strip()
    password = request.form.get("password") or ""
    if not login or not password:
        return _page(ia, login, "missing_credentials", status=400)
    try:
        limits = settings()
        ratelimit.hit("login", login.lower(), limits.login_attempts_per_window, limits.login_attempt_window)
        ratelimit.hit(
            "login-ip",
            client_ip(),
            limits.login_attempts_per_window * 10,
            limits.login_attempt_window,
        )
        result = sign_in_with_password(login, password)
    except ratelimit.RateLimited:
        return _page(ia, login, "too_many_attempts", status=429)
    except SignInRefused as refusal:
        return _page(ia, login, refusal.message_key, status=401)
    sessions.sign_in(result.account.id, result.method)
    return redirect(interaction.resume_url(ia))
