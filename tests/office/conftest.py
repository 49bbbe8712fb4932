"""Staff accounts and signed-in staff clients for the office tests."""

from __future__ import annotations

import pytest

from flows import totp
from flows.office import staff_auth
from idp.clock import clock
from tests.support.office import STAFF_PASSWORD, enter_code, enter_password, totp_now


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
