"""The administrator's page of colleagues (/staff/team): disable an account, reset an authenticator.

The same acts as `lk-idp staff disable|reset-totp`, for an administrator without a shell;
each leaves one audit record naming whose account it was.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for

from flows.login import client_ip
from flows.office import audit, staff_auth
from flows.office.audit import Actor
from flows.office.models import StaffAccount
from flows.office.staff_session import TEAM, staff_required
from idp.db import db

bp = Blueprint("staff_team", __name__, url_prefix="/staff")


@bp.get("/team")
@staff_required(TEAM)
def team(staff):
    colleagues = StaffAccount.query.order_by(StaffAccount.login).all()
    return render_template("office/team.html", staff=staff, colleagues=colleagues)


def _colleague(staff_id: int) -> StaffAccount:
    colleague = db.session.get(StaffAccount, staff_id)
    if colleague is None:
        abort(404)
    return colleague


@bp.post("/team/<int:staff_id>/disable")
@staff_required(TEAM)
def disable(staff, staff_id):
    colleague = _colleague(staff_id)
    audit.record(Actor.staff(staff, client_ip()), audit.STAFF_DISABLED, target=colleague.login)
    staff_auth.disable(colleague)  # commits the record with the change
    return redirect(url_for("staff_team.team"))


@bp.post("/team/<int:staff_id>/reset-totp")
@staff_required(TEAM)
def reset_totp(staff, staff_id):
    colleague = _colleague(staff_id)
    audit.record(Actor.staff(staff, client_ip()), audit.STAFF_TOTP_RESET, target=colleague.login)
    staff_auth.reset_totp(colleague)
    return redirect(url_for("staff_team.team"))
