"""`lk-idp staff create|list|disable|reset-totp`."""

from __future__ import annotations

import json

from flows.office import staff_auth
from flows.office.models import StaffAccount
from tests.support.office import STAFF_PASSWORD, enter_password


def run(app, *args, input=None):
    return app.test_cli_runner().invoke(args=["staff", *args], input=input)


def test_create_list_disable_and_reset_totp(app, client):
    created = run(
        app,
        "create",
        "--login",
        "ivanova",
        "--name",
        "Иванова Анна",
        "--role",
        "supervisor",
        input=f"{STAFF_PASSWORD}\n{STAFF_PASSWORD}\n",
    )
    assert created.exit_code == 0, created.output
    listed = [json.loads(line) for line in run(app, "list").output.splitlines()]
    assert listed == [
        {
            "login": "ivanova",
            "name": "Иванова Анна",
            "role": "supervisor",
            "totp_enrolled": False,
            "disabled": False,
        }
    ]
    with app.app_context():
        staff = StaffAccount.query.one()
        assert staff.password_hash.startswith("$argon2id$")
        staff_auth.enrol(staff, "JBSWY3DPEHPK3PXP")
    assert run(app, "reset-totp", "ivanova").exit_code == 0
    with app.app_context():
        assert not StaffAccount.query.one().totp_enrolled
    assert run(app, "disable", "ivanova").exit_code == 0
    assert json.loads(run(app, "list").output)["disabled"] is True
    refused = enter_password(client, {"login": "ivanova", "password": STAFF_PASSWORD})
    assert refused.status_code == 401


def test_create_refuses_a_weak_password_and_an_unknown_role(app):
    weak = run(app, "create", "--login", "petrov", "--name", "Петров", input="qwerty\nqwerty\n")
    assert weak.exit_code == 1 and "Пароль слишком короткий" in weak.output
    same_as_login = run(
        app, "create", "--login", "petrov-office", "--name", "Петров", input="petrov-office\npetrov-office\n"
    )
    assert same_as_login.exit_code == 1 and "не должен совпадать" in same_as_login.output
    assert run(app, "create", "--login", "x", "--name", "X", "--role", "boss", input="a\na\n").exit_code == 2
    assert run(app, "disable", "nobody").exit_code == 1
    with app.app_context():
        assert StaffAccount.query.count() == 0
