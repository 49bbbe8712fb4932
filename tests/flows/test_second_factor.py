"""The authenticator app as a second factor: enrolment on the account page, codes used once,
recovery codes, removal, and the person's choice of method for step-up."""

from __future__ import annotations

import pytest

from flows.authenticator import Authenticator, RecoveryCode
from idp.clock import clock
from idp.db import db
from idp.models import Account
from tests.support.browserless import Person
from tests.support.second_factors import SECRET, app_code, enrol


@pytest.fixture
def person(live_server, make_account):
    account = make_account()
    browser = Person(live_server)
    page = browser.get("/login")
    browser.submit(page, "/login", {"login": account["email"], "password": account["password"]})
    return browser, account


def step_up_page(browser):
    return browser.get("/stepup")


def test_enrolment_shows_a_qr_code_and_the_recovery_codes_once(app, person):
    browser, account = person
    page = browser.get("/account/authenticator")
    # inline SVG: the page's CSP (img-src 'self') would block a data: image
    assert '<div class="qr" role="img"' in page.text and "<svg" in page.text
    assert "data:" not in page.text and "data:" not in page.headers["Content-Security-Policy"]
    assert page.headers["Cache-Control"] == "no-store"
    _, codes = enrol(browser, account["password"])
    assert len(codes) == 10 and len(set(codes)) == 10
    with app.app_context():
        stored = [row.code_hash for row in RecoveryCode.query.filter_by(account_id=account["id"])]
        secret = Authenticator.query.filter_by(account_id=account["id"]).one().secret_encrypted
    assert len(stored) == 10 and not {c.replace("-", "") for c in codes} & set(stored)
    assert not SECRET.search(f'<code id="secret">{secret}</code>')  # not stored in the clear
    account_page = browser.get("/account").text
    assert "Приложение-аутентификатор подключено. Осталось кодов восстановления: 10." in account_page
    assert browser.get("/account/authenticator").status_code == 302  # no second enrolment


def test_enrolment_needs_a_right_code_and_the_password(person):
    browser, account = person
    page = browser.get("/account/authenticator")
    secret = SECRET.search(page.text).group(1).replace(" ", "")
    wrong_code = browser.submit(
        page, "/account/authenticator", {"code": "000000", "password": account["password"]}
    )
    assert wrong_code.status_code == 400 and "Код не подходит" in wrong_code.text
    wrong_password = browser.submit(
        page, "/account/authenticator", {"code": app_code(secret), "password": "x"}
    )
    assert wrong_password.status_code == 400 and "Текущий пароль введён неверно." in wrong_password.text
    assert "Приложение-аутентификатор подключено" not in browser.get("/account").text


def test_an_app_code_counts_once_and_a_recovery_code_once(person):
    browser, account = person
    secret, codes = enrol(browser, account["password"])
    page = step_up_page(browser)
    assert "кодом из приложения" in page.text
    replay = browser.submit(page, "/stepup/app", {"code": app_code(secret)})  # the enrolment's own code
    assert replay.status_code == 401
    assert browser.submit(page, "/stepup/app", {"code": codes[0]}).status_code == 302
    other = Person(browser.base)
    other.submit(other.get("/login"), "/login", {"login": account["email"], "password": account["password"]})
    assert other.submit(step_up_page(other), "/stepup/app", {"code": codes[0]}).status_code == 401
    clock.advance(30)
    assert other.submit(step_up_page(other), "/stepup/app", {"code": app_code(secret)}).status_code == 302


def test_the_person_chooses_sms_or_the_app(app, person, outbox):
    browser, account = person
    enrol(browser, account["password"])
    page = browser.get("/account")
    browser.submit(page, "/account/second-factor", {"method": "sms"})
    sms_page = step_up_page(browser)
    assert "Ввести код из приложения" in sms_page.text
    assert outbox.messages("sms", account["phone"])
    with app.app_context():
        assert db.session.get(Account, account["id"]).second_factor == "sms"


def test_removing_the_app_needs_the_password(person):
    browser, account = person
    enrol(browser, account["password"])
    page = browser.get("/account")
    browser.submit(page, "/account/authenticator/remove", {"password": "wrong"})
    assert "Приложение-аутентификатор подключено" in browser.get("/account").text
    gone = browser.submit(page, "/account/authenticator/remove", {"password": account["password"]})
    assert "Приложение-аутентификатор отключено" in browser.get(gone.headers["Location"]).text
