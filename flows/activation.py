"""Activation by the e-mailed link: GET shows a button, POST uses the link.

The link is used only by the POST, so a mail scanner that fetches every link in
a message does not spend it.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request

from flows import activation_link
from flows.login import limit_per_ip
from idp.accounts.lookup import find_by_login
from idp.db import db
from idp.store import ratelimit
from idp.web.messages import message

bp = Blueprint("activation", __name__)


def _result(error_key=None, notice_key=None, status=200, show_button=False, token=None):
    return (
        render_template(
            "activate.html",
            error=message(error_key),
            notice=message(notice_key),
            show_button=show_button,
            token=token,
        ),
        status,
    )


@bp.get("/activate/<token>")
def confirm_form(token):
    try:
        activation_link.check(token)
    except activation_link.LinkError as exc:
        return _result(exc.message_key, status=410 if isinstance(exc, activation_link.LinkExpired) else 400)
    return _result(show_button=True, token=token)


@bp.post("/activate/<token>")
def confirm(token):
    try:
        limit_per_ip("activate-ip")
        activation_link.activate(token)
    except ratelimit.RateLimited:
        return _result("too_many_attempts", status=429)
    except activation_link.LinkError as exc:
        return _result(exc.message_key, status=410 if isinstance(exc, activation_link.LinkExpired) else 400)
    return _result(notice_key="activation_done")


@bp.post("/activate/resend")
def resend():
    """The link again, to the address given at registration, with the same deadline.
    The same answer for every login, so the form reveals nobody's registration."""
    login = (request.form.get("login") or "").strip()
    try:
        limit_per_ip("activation-resend-ip")
        ratelimit.hit("activation-resend", login.lower(), 3, 3600)
    except ratelimit.RateLimited:
        return _result("too_many_attempts", status=429)
    account = find_by_login(login) if login else None
    if activation_link.waits_for_activation(account):
        activation_link.send(account)
        db.session.commit()
    return _result(notice_key="activation_resent")
