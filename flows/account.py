"""The signed-in person's own page: name, contacts, state."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for

from flows.activation_link import deadline_text
from idp.accounts.lifecycle import ACTIVE, CONFIRMED, REGISTERED, state
from idp.clock import utcnow
from idp.sessions import sso_session
from idp.web.signed_in import signed_in

bp = Blueprint("account", __name__)

STATE_LABELS = {
    ACTIVE: "активирован",
    CONFIRMED: "ожидает активации по ссылке из письма",
    REGISTERED: "ожидает подтверждения паролем из SMS",
}


@bp.get("/account")
@signed_in
def page(person):
    account = person.account
    current = state(account, utcnow())
    deadline = None
    if current != ACTIVE and account.email_verified_at is None and account.activation_deadline:
        deadline = deadline_text(account)
    return render_template(
        "account.html",
        account=account,
        state=current,
        state_label=STATE_LABELS.get(current, current),
        deadline=deadline,
    )


@bp.post("/account/logout")
def logout():
    sso_session.end()
    return redirect(url_for("login.login_form", notice="signed_out"))
