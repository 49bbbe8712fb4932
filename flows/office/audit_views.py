"""The supervisor's view of the staff audit (/staff/audit), filtered, and its CSV download."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import Blueprint, Response, render_template, request

from flows.login import client_ip
from flows.office import audit
from flows.office.audit import Actor
from flows.office.forms import AuditFilterForm
from flows.office.staff_session import AUDIT, staff_required
from idp.clock import MOSCOW
from idp.db import db

bp = Blueprint("staff_audit", __name__, url_prefix="/staff")


def _filters(form: AuditFilterForm) -> dict:
    def day_start(day):
        # The dates a supervisor types are the Moscow dates the table shows its times in.
        return datetime.combine(day, time.min, tzinfo=MOSCOW) if day else None

    until = day_start(form.until.data)
    return {
        "actor": (form.actor.data or "").strip() or None,
        "account_sub": (form.account_sub.data or "").strip() or None,
        "since": day_start(form.since.data),
        "until": until + timedelta(days=1) if until else None,  # the whole last day
    }


def _read(staff, action: str, limit):
    form = AuditFilterForm(request.args)
    form.validate()
    filters = _filters(form)
    rows = audit.search(**filters, limit=limit)
    shown = {
        f"filter_{k}": (v.isoformat() if isinstance(v, datetime) else v) for k, v in filters.items() if v
    }
    audit.record(Actor.staff(staff, client_ip()), action, **shown)
    db.session.commit()
    return form, rows


@bp.get("/audit")
@staff_required(AUDIT)
def audit_page(staff):
    form, rows = _read(staff, audit.AUDIT_VIEWED, audit.PAGE_SIZE)
    return render_template("office/audit.html", staff=staff, form=form, rows=rows)


@bp.get("/audit.csv")
@staff_required(AUDIT)
def audit_csv(staff):
    _, rows = _read(staff, audit.AUDIT_EXPORTED, None)
    return Response(
        audit.as_csv(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=staff-audit.csv", "Cache-Control": "no-store"},
    )
