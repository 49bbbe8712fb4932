"""Activation by the e-mailed link: GET shows a button, POST uses the link.

The link is used only by the POST, so a mail scanner that fetches every link in
a message does not spend it.
"""

from __future__ import annotations

from flask import Blueprint

from flows import activation_link
from flows.forms.activation import ActivationForm, ActivationResendForm
from flows.login import limit_per_ip
from idp.accounts.lookup import find_by_login
from idp.db import db
from idp.store import ratelimit
from idp.web.forms import render_form

bp = Blueprint("activation", __name__)


def _show(form, status=200, token=None, expired=False, activated=False):
    return render_form(
        "activate.html",
        form,
        status,
        show_button=token is not None,
        token=token,
        expired=expired,  # the page carries the seed's ВАЖНО paragraph
        activated=activated,
    )


def _refused(form, refusal: activation_link.LinkError):
    expired = isinstance(refusal, activation_link.LinkExpired)
    return _show(form.refuse(refusal.message_key), 410 if expired else 400, expired=expired)


@bp.get("/activate/<token>")
def confirm_form(token):
    form = ActivationForm()
    try:
        activation_link.check(token)
    except activation_link.LinkError as refusal:
        return _refused(form, refusal)
    return _show(form, token=token)


@bp.post("/activate/<token>")
def confirm(token):
    form = ActivationForm()
    limit_per_ip("activate-ip")
    try:
        activation_link.activate(token)
    except activation_link.LinkError as refusal:
        return _refused(form, refusal)
    return _show(form.tell("activation_done"), activated=True)


@bp.post("/activate/resend")
def resend():
    """The link again, to the address given at registration, with the same deadline.
    The same answer for every login, so the form reveals nobody's registration."""
    form = ActivationResendForm()
    login = form.login.data
    limit_per_ip("activation-resend-ip")
    ratelimit.hit("activation-resend", login.lower(), 3, 3600)
    account = find_by_login(login) if login else None
    if activation_link.waits_for_activation(account):
        activation_link.send(account)
        db.session.commit()
    return _show(form.tell("activation_resent"))
