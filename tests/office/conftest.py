"""Staff accounts and signed-in staff clients for the office tests."""

from __future__ import annotations

import re
from html import unescape

import pyotp
import pytest

from flows import totp
from flows.office import staff_auth
from flows.office.models import StaffAuditRecord
from idp.clock import clock
from tests.flows.conftest import outbox, post_form, sign_in  # noqa: F401  (the flows fixtures, shared)

STAFF_PASSWORD = "Клиентский-офис-2026"
_SECRET = re.compile(r'id="totp-secret">([A-Z2-7]+)<')


def totp_now(secret: str) -> str:
    return pyotp.TOTP(secret).at(int(clock.time()))


@pytest.fixture
def make_staff(app):
    """A staff account; enrolled=True gives it an authenticator already (its secret is returned)."""
    counter = iter(range(1000))

    def make(role="operator", enrolled=True, login=None):
        login = login or f"staff{next(counter)}"
        with app.app_context():
            staff = staff_auth.create(login, f"Сотрудник {login}", role, STAFF_PASSWORD)
            secret = None
            if enrolled:
                secret = totp.new_secret()
                staff_auth.enrol(staff, secret)
            return {"id": staff.id, "login": login, "password": STAFF_PASSWORD, "secret": secret}

    return make


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


@pytest.fixture
def staff_sign_in():
    """Sign a test client in as this staff account (password, then the code of the current step)."""

    def sign_in_staff(client, staff):
        assert enter_password(client, staff).status_code == 302
        response = enter_code(client, totp_now(staff["secret"]))
        assert response.status_code == 302, response.get_data(as_text=True)
        clock.advance(30)  # the next sign-in's code belongs to a later step
        return response

    return sign_in_staff


@pytest.fixture
def operator(app, make_staff, staff_sign_in):
    """A test client signed in as an operator, and the operator's account."""
    staff = make_staff("operator")
    signed_in = app.test_client()
    staff_sign_in(signed_in, staff)
    return signed_in, staff


def audit_actions(app, **filters) -> list[str]:
    with app.app_context():
        rows = StaffAuditRecord.query.filter_by(**filters).order_by(StaffAuditRecord.id).all()
        return [row.action for row in rows]
