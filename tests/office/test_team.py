"""The administrator's page of colleagues: disable an account, reset an authenticator."""

from __future__ import annotations

from flows.office.models import StaffAccount, StaffAuditRecord
from idp.db import db
from tests.support.pages import post_form, text


def test_only_administrators_manage_colleagues(app, operator, make_staff, staff_sign_in):
    client, _ = operator
    assert client.get("/staff/team").status_code == 403
    supervisor = app.test_client()
    staff_sign_in(supervisor, make_staff("supervisor"))
    assert supervisor.get("/staff/team").status_code == 403
    assert "Сотрудники" not in text(supervisor.get("/staff/applicants"))


def test_an_administrator_disables_a_colleague_who_is_out_at_once(app, operator, make_staff, staff_sign_in):
    client, colleague = operator
    admin = app.test_client()
    staff_sign_in(admin, make_staff("administrator", login="admin"))
    assert colleague["login"] in text(admin.get("/staff/team"))
    response = post_form(admin, "/staff/team", f"/staff/team/{colleague['id']}/disable", {})
    assert response.status_code == 302
    assert client.get("/staff/applicants").headers["Location"].endswith("notice=staff_disabled")
    post_form(admin, "/staff/team", f"/staff/team/{colleague['id']}/reset-totp", {})
    with app.app_context():
        account = db.session.get(StaffAccount, colleague["id"])
        assert account.disabled_at is not None and not account.totp_enrolled
        rows = StaffAuditRecord.query.filter(StaffAuditRecord.action.like("staff.%")).all()
        changes = [
            (r.actor, r.action, r.details) for r in rows if r.action in ("staff.disabled", "staff.totp_reset")
        ]
    assert changes == [
        ("admin", "staff.disabled", {"target": colleague["login"]}),
        ("admin", "staff.totp_reset", {"target": colleague["login"]}),
    ]
