"""Staff sign-in: password, TOTP enrolled at the first sign-in, its own cookie and lifetimes."""

from __future__ import annotations

from flows.office import staff_auth
from flows.office.models import StaffAccount
from idp.clock import clock
from idp.db import db
from idp.web.messages import MESSAGES
from tests.support.office import audit_actions, enrolment_secret, enter_code, enter_password, totp_now
from tests.support.pages import post_form, text


def test_first_sign_in_enrols_the_authenticator_with_a_qr_code(app, client, make_staff):
    staff = make_staff(enrolled=False)
    assert enter_password(client, staff).headers["Location"] == "/staff/login/code"
    shown = client.get("/staff/login/code")
    assert shown.headers["Cache-Control"] == "no-store"  # it shows the secret
    page = text(shown)
    assert "<svg" in page and "<img" not in page
    secret = enrolment_secret(client)
    response = enter_code(client, totp_now(secret))
    assert response.status_code == 302 and response.headers["Location"] == "/staff/"
    cookie = client.get_cookie("lk_staff", path="/staff")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Strict"
    assert client.get("/staff/applicants").status_code == 200
    with app.app_context():
        stored = db.session.get(StaffAccount, staff["id"])
        assert secret not in stored.totp_secret_sealed  # kept sealed
        assert staff_auth.totp_secret(stored) == secret
    assert audit_actions(app) == ["staff.signed_in"]


def test_wrong_password_unknown_login_and_wrong_code_are_refused_and_audited(app, client, make_staff):
    staff = make_staff()
    wrong = enter_password(client, staff, "Не-тот-пароль-2026")
    unknown = enter_password(client, {"login": "nobody", "password": staff["password"]})
    assert wrong.status_code == unknown.status_code == 401
    assert MESSAGES["staff_bad_credentials"] in text(wrong) and MESSAGES["staff_bad_credentials"] in text(
        unknown
    )
    enter_password(client, staff)
    bad_code = enter_code(client, "000000" if totp_now(staff["secret"]) != "000000" else "111111")
    assert bad_code.status_code == 401 and MESSAGES["staff_bad_code"] in text(bad_code)
    assert client.get("/staff/applicants").status_code == 302  # still not signed in
    assert audit_actions(app) == ["staff.sign_in_failed"] * 3


def test_a_code_is_accepted_once(app, make_staff):
    staff = make_staff()
    first, second = app.test_client(), app.test_client()
    code = totp_now(staff["secret"])
    enter_password(first, staff)
    enter_password(second, staff)
    assert enter_code(first, code).status_code == 302
    assert enter_code(second, code).status_code == 401


def test_a_code_one_step_old_still_counts_two_steps_do_not(client, make_staff):
    staff = make_staff()
    enter_password(client, staff)
    old = totp_now(staff["secret"])
    clock.advance(60)
    assert enter_code(client, old).status_code == 401
    clock.advance(-30)
    assert enter_code(client, old).status_code == 302


def test_wrong_passwords_are_limited_per_staff_account(app, client, make_staff):
    staff = make_staff()
    limit = app.extensions["idp"].settings.login_attempts_per_window
    for _ in range(limit):
        assert enter_password(client, staff, "Не-тот-пароль-2026").status_code == 401
    response = enter_password(client, staff)  # even the right password waits now
    assert response.status_code == 429 and "Слишком много попыток" in text(response)
    assert audit_actions(app)[-1] == "staff.sign_in_failed"


def test_a_disabled_account_is_thrown_out_on_its_next_request(app, operator):
    client, staff = operator
    assert client.get("/staff/applicants").status_code == 200
    result = app.test_cli_runner().invoke(args=["staff", "disable", staff["login"]])
    assert result.exit_code == 0, result.output
    response = client.get("/staff/applicants")
    assert response.status_code == 302 and "notice=staff_disabled" in response.headers["Location"]
    assert client.get("/staff/applicants").status_code == 302  # the session is gone for good
    assert enter_password(client, staff).status_code == 401


def test_idle_for_30_minutes_ends_the_session(operator):
    client, _ = operator
    clock.advance(29 * 60)
    assert client.get("/staff/applicants").status_code == 200
    clock.advance(30 * 60 + 1)
    response = client.get("/staff/applicants")
    assert response.status_code == 302 and "staff_session_expired" in response.headers["Location"]


def test_eight_hours_end_the_session_however_busy(operator):
    client, _ = operator
    started = clock.time()
    while True:
        clock.advance(20 * 60)
        response = client.get("/staff/applicants")
        if response.status_code != 200:
            break
    assert 8 * 3600 - 30 <= clock.time() - started < 8 * 3600 + 20 * 60
    assert "staff_session_expired" in response.headers["Location"]


def test_a_customer_session_does_not_reach_the_console(client, make_account, sign_in):
    person = make_account()
    assert sign_in(person["email"], person["password"]).status_code == 302
    assert client.get_cookie("lk_session") is not None
    for path in ("/staff", "/staff/applicants", "/staff/applicants/new", "/staff/audit"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/staff/login")


def test_sign_out(app, operator):
    client, _ = operator
    response = post_form(client, "/staff/applicants", "/staff/logout", {})
    assert response.status_code == 302
    assert client.get("/staff/applicants").status_code == 302
    assert audit_actions(app)[-1] == "staff.signed_out"


def test_operators_cannot_open_the_audit_supervisors_can(app, operator, make_staff, staff_sign_in):
    client, _ = operator
    assert client.get("/staff/audit").status_code == 403
    assert client.get("/staff/audit.csv").status_code == 403
    supervisor = app.test_client()
    staff_sign_in(supervisor, make_staff("supervisor"))
    page = text(supervisor.get("/staff/audit"))
    assert "staff.signed_in" in page
    csv = supervisor.get("/staff/audit.csv")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert csv.get_data(as_text=True).splitlines()[0] == "at,actor,ip_address,action,account_sub,details"


def test_a_secret_sealed_under_another_key_waits_for_an_administrator(app, client, make_staff):
    staff = make_staff()
    with app.app_context():
        stored = db.session.get(StaffAccount, staff["id"])
        stored.totp_secret_sealed = "sealed-with-a-key-since-replaced"
        db.session.commit()
    refused = enter_password(client, staff)  # a password alone never enrols over an authenticator
    assert refused.status_code == 401 and MESSAGES["staff_totp_unreadable"] in text(refused)
    assert app.test_cli_runner().invoke(args=["staff", "reset-totp", staff["login"]]).exit_code == 0
    assert enter_password(client, staff).status_code == 302
    secret = enrolment_secret(client)
    assert enter_code(client, totp_now(secret)).status_code == 302
    with app.app_context():
        assert staff_auth.totp_secret(db.session.get(StaffAccount, staff["id"])) == secret
