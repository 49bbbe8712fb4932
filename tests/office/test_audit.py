"""The staff audit: append-only, filtered by the supervisor, downloaded as CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import delete, update

from flows.office.models import StaffAuditRecord, StaffAuditRecordImmutable
from idp.clock import MOSCOW, clock
from idp.db import db
from tests.support import moscow_clock
from tests.support.pages import text


def test_the_audit_is_append_only(app, operator):
    with app.app_context():
        row = StaffAuditRecord.query.first()
        row.action = "something.else"
        with pytest.raises(StaffAuditRecordImmutable):
            db.session.commit()
        db.session.rollback()
        db.session.delete(StaffAuditRecord.query.first())
        with pytest.raises(StaffAuditRecordImmutable):
            db.session.commit()
        db.session.rollback()
        with pytest.raises(StaffAuditRecordImmutable):
            db.session.execute(update(StaffAuditRecord).values(action="x"))
        with pytest.raises(StaffAuditRecordImmutable):
            db.session.execute(delete(StaffAuditRecord))
        db.session.rollback()
        assert StaffAuditRecord.query.count() == 1


@pytest.fixture
def supervisor(app, make_staff, staff_sign_in):
    signed_in = app.test_client()
    staff_sign_in(signed_in, make_staff("supervisor", login="boss"))
    return signed_in


def test_the_supervisor_filters_by_operator_cabinet_and_date(app, operator, make_staff, staff_sign_in):
    client, staff = operator
    client.get("/staff/applicants?q=nobody@example.ru")
    clock.advance(2 * 24 * 3600)
    supervisor = app.test_client()
    staff_sign_in(supervisor, make_staff("supervisor", login="boss"))
    page = text(supervisor.get("/staff/audit", query_string={"actor": staff["login"]}))
    assert page.count("applicant.searched") == 1 and page.count("staff.signed_in") == 1
    assert "boss" not in page.split("<tbody>")[1]
    today = clock.now().astimezone(MOSCOW).date().isoformat()
    recent = text(supervisor.get("/staff/audit", query_string={"since": today, "until": today}))
    assert "applicant.searched" not in recent
    assert text(supervisor.get("/staff/audit", query_string={"account_sub": "none-such"})).count("<td>") == 0


def test_the_dates_are_the_moscow_dates_the_table_shows(app, make_staff, staff_sign_in):
    night = moscow_clock.advance_to(1, 30)  # 01:30 in Moscow is 22:30 UTC of the day before
    supervisor = app.test_client()
    staff_sign_in(supervisor, make_staff("supervisor", login="boss"))

    def sign_ins_on(day):
        dates = {"since": day.isoformat(), "until": day.isoformat()}
        return text(supervisor.get("/staff/audit", query_string=dates)).count("staff.signed_in")

    assert sign_ins_on(night.date()) == 1
    assert sign_ins_on(night.date() - timedelta(days=1)) == 0


def test_the_csv_holds_who_when_where_what(app, operator, supervisor):
    client, staff = operator
    client.get("/staff/applicants?q=nobody@example.ru")
    rows = list(csv.DictReader(io.StringIO(supervisor.get("/staff/audit.csv").get_data(as_text=True))))
    searched = next(row for row in rows if row["action"] == "applicant.searched")
    assert searched["actor"] == staff["login"] and searched["ip_address"]
    assert searched["at"].endswith("+03:00")  # Moscow time, as the page shows it
    assert searched["details"] == "results=0"
    with app.app_context():
        actions = [r.action for r in StaffAuditRecord.query.order_by(StaffAuditRecord.id)]
    assert actions[-1] == "audit.exported"  # reading the audit is itself recorded


def test_a_cell_a_spreadsheet_would_run_stays_text(app, make_staff, staff_sign_in):
    formula = app.test_client()
    staff_sign_in(formula, make_staff("supervisor", login="=HYPERLINK(1)"))
    rows = list(csv.DictReader(io.StringIO(formula.get("/staff/audit.csv").get_data(as_text=True))))
    assert {row["actor"] for row in rows} == {"'=HYPERLINK(1)"}
