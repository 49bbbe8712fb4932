"""The change-password form: «Новый пароль», «Подтверждение пароля», «Изменить пароль».

After the change the person signs in again with e-mail and the new password, as
the procedure says; the paused authorization request (?ia=) goes along.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from flows.login import remember_login
from flows.password_rules import PasswordRejected, check_new_password
from idp.accounts.lifecycle import is_live
from idp.clock import clock, utcnow
from idp.db import db
from idp.models import Account, audit
from idp.services import services, settings
from idp.sessions import sso_session
from idp.store import ratelimit
from idp.web.messages import message

bp = Blueprint("password", __name__)


def _signed_in_account() -> Account | None:
    sso = sso_session.current()
    account = db.session.get(Account, sso.account_id) if sso else None
    return account if is_live(account, utcnow()) else None


def _asks_current_password(account: Account) -> bool:
    """A password set earlier must be typed again, unless the phone was proven by an
    SMS code within the code's lifetime (the «Забыли пароль?» path)."""
    if account.password_changed_at is None:
        return False
    sso = sso_session.current()
    fresh_sms = (
        sso is not None and "sms" in sso.amr and clock.time() - sso.auth_time < settings().sms_code_ttl
    )
    return not fresh_sms


def _page(ia, account, error=None, status=200):
    return (
        render_template(
            "password_change.html",
            ia=ia,
            error=error,
            asks_current=_asks_current_password(account),
            min_length=settings().password_min_length,
        ),
        status,
    )


def _to_login(ia):
    return redirect(url_for("login.login_form", ia=ia, notice="sign_in_first"))


@bp.get("/password/change")
def change_form():
    ia = request.args.get("ia")
    account = _signed_in_account()
    if account is None:
        return _to_login(ia)
    return _page(ia, account)


@bp.post("/password/change")
def change_submit():
    ia = request.form.get("ia") or None
    account = _signed_in_account()
    if account is None:
        return _to_login(ia)
    passwords = services().passwords
    if _asks_current_password(account):
        # Someone who already has a password proves it again: a borrowed session is not enough.
        try:
            ratelimit.hit("password-current", account.sub, 5, settings().login_attempt_window)
        except ratelimit.RateLimited:
            return _page(ia, account, message("too_many_attempts"), 429)
        if not passwords.verify(account.password_hash, request.form.get("current_password") or ""):
            return _page(ia, account, message("current_password_wrong"), 400)
    new = request.form.get("new_password") or ""
    try:
        check_new_password(
            new, request.form.get("confirm_password") or "", account, settings().password_min_length
        )
    except PasswordRejected as rejected:
        return _page(ia, account, message(rejected.message_key, **rejected.values), 400)
    account.password_hash = passwords.hash(new)
    account.password_changed_at = utcnow()
    audit("account.password_changed", subject=account.sub)
    db.session.commit()
    sso_session.end()
    remember_login(account.email)
    return redirect(url_for("login.login_form", ia=ia, notice="password_changed"))
