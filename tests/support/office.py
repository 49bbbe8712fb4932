"""The office's staff, as the tests sign them in: password, then the authenticator's code."""

from __future__ import annotations

import re
from html import unescape

import pyotp

from flows.office.models import StaffAuditRecord
from idp.clock import clock
from tests.support.pages import post_form

STAFF_PASSWORD = "Клиентский-офис-2026"
_SECRET = re.compile(r'id="totp-secret">([A-Z2-7]+)<')


def totp_now(secret: str) -> str:
    return pyotp.TOTP(secret).at(int(clock.time()))


def enter_password(client, staff, password=None):
    return post_form(
        client,
        "/staff/login",
        "/staff/login",
        {"login": staff["login"], "password": password or staff["password"]},
    )


def enter_code(client, code):
    return post_form(client, "/staff/login/code", "/staff/login/code", {"code": code})


def enrolment_secret(client) -> str:
    page = unescape(client.get("/staff/login/code").get_data(as_text=True))
    return _SECRET.search(page).group(1)


def audit_actions(app, **filters) -> list[str]:
    with app.app_context():
        rows = StaffAuditRecord.query.filter_by(**filters).order_by(StaffAuditRecord.id).all()
        return [row.action for row in rows]
