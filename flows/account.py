"""The signed-in person's own page: name, contacts, state."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for

from idp import sessions
from idp.clock import utcnow
from idp.db import db
from idp.lifecycle import state
from idp.models import Account

bp = Blueprint("account", __name__)


@bp.get("/account")
def page():
    sso = sessions.current()
    account = db.session.get(Account, sso.account_id) if sso else None
    if account is None:
        return redirect(url_for("login.login_form"))
    return render_template("account.html", account=account, state=state(account, utcnow()))


@bp.post("/account/logout")
def logout():
    sessions.end()
    return redirect(url_for("login.login_form", notice="signed_out"))
