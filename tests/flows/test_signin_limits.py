"""Sign-in limits: failures per account, per (account, address) and per address (flows/signin_guard.py)."""

from __future__ import annotations

import re

import pytest

from idp.clock import clock
from idp.web.messages import EMAIL_SUBJECTS
from tests.support.pages import text

ATTACKER = "203.0.113.66"
OWNER = "198.51.100.7"
WRONG = "неверный-пароль-000"


def _sign_in(client, login, password, address):
    environ = {"REMOTE_ADDR": address}
    page = client.get("/login", environ_base=environ).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post(
        "/login",
        data={"csrf_token": token, "login": login, "password": password},
        environ_base=environ,
    )


@pytest.fixture
def limits(app):
    return app.extensions["idp"].settings


@pytest.fixture
def tighter(app, monkeypatch):
    """The running app with some limits changed for one test."""

    def change(**values):
        services = app.extensions["idp"]
        monkeypatch.setattr(services, "settings", services.settings.replace(**values))

    return change


def test_the_pair_limit_bites_at_its_value_and_releases_after_its_window(app, make_account, limits):
    client = app.test_client()
    account = make_account()
    for _ in range(limits.login_attempts_per_window):
        assert _sign_in(client, account["email"], WRONG, ATTACKER).status_code == 401
    refused = _sign_in(client, account["email"], account["password"], ATTACKER)
    assert refused.status_code == 429
    assert "Слишком много попыток. Повторите через 1 мин." in text(refused)
    clock.advance(limits.login_attempt_window + 1)
    assert _sign_in(client, account["email"], account["password"], ATTACKER).status_code == 302


def test_past_the_limit_each_further_failure_doubles_the_wait(app, make_account, limits):
    client = app.test_client()
    account = make_account()
    for _ in range(limits.login_attempts_per_window):
        _sign_in(client, account["email"], WRONG, ATTACKER)
    delay = limits.login_lockout_delay
    clock.advance(delay - 1)
    assert _sign_in(client, account["email"], WRONG, ATTACKER).status_code == 429
    clock.advance(1)
    assert _sign_in(client, account["email"], WRONG, ATTACKER).status_code == 401
    clock.advance(2 * delay - 1)
    assert _sign_in(client, account["email"], WRONG, ATTACKER).status_code == 429
    clock.advance(1)
    assert _sign_in(client, account["email"], account["password"], ATTACKER).status_code == 302


def test_a_correct_password_gets_in_while_the_account_is_attacked_elsewhere(app, make_account, limits):
    client = app.test_client()
    account = make_account()
    for n in range(2 * limits.login_failures_per_account):
        _sign_in(client, account["email"], WRONG, f"203.0.113.{n % 200}")
    owner = app.test_client()
    assert _sign_in(owner, account["email"], account["password"], OWNER).status_code == 302


def test_an_address_that_failed_for_an_account_under_attack_waits_out_the_window(app, make_account, limits):
    client = app.test_client()
    account = make_account()
    assert _sign_in(client, account["email"], WRONG, ATTACKER).status_code == 401
    for n in range(limits.login_failures_per_account):
        _sign_in(client, account["email"], WRONG, f"192.0.2.{n}")
    assert _sign_in(client, account["email"], account["password"], ATTACKER).status_code == 429
    clock.advance(limits.login_attempt_window + 1)
    assert _sign_in(client, account["email"], account["password"], ATTACKER).status_code == 302


def test_200_correct_sign_ins_from_one_address_all_succeed(app, make_account):
    account = make_account()
    for _ in range(200):
        client = app.test_client()
        assert _sign_in(client, account["email"], account["password"], OWNER).status_code == 302
        clock.advance(4)  # 200 sign-ins in under 15 minutes


def test_many_people_behind_one_address_are_not_locked_out_by_each_others_typos(app, make_account, limits):
    people = [make_account() for _ in range(30)]
    client = app.test_client()
    for person in people:
        assert _sign_in(client, person["email"], WRONG, OWNER).status_code == 401
        assert _sign_in(client, person["email"], person["password"], OWNER).status_code == 302


@pytest.mark.parametrize("known", [True, False])
def test_spellings_of_one_phone_share_one_counter(app, make_account, limits, known):
    client = app.test_client()
    account = make_account(phone="+79161234567") if known else None
    spellings = ["89161234567", "+7 916 123-45-67", "8 (916) 123-45-67", "+79161234567", "7 916 1234567"]
    for n in range(limits.login_attempts_per_window):
        _sign_in(client, spellings[n % len(spellings)], WRONG, ATTACKER)
    password = account["password"] if known else WRONG
    assert _sign_in(client, "8-916-123-45-67", password, ATTACKER).status_code == 429


def test_the_e_mail_and_the_phone_of_one_account_share_one_counter(app, make_account, limits):
    client = app.test_client()
    account = make_account()
    for n in range(limits.login_attempts_per_window):
        login = account["email"].upper() if n % 2 else account["phone"]
        _sign_in(client, login, WRONG, ATTACKER)
    assert _sign_in(client, account["email"], account["password"], ATTACKER).status_code == 429


def test_a_success_clears_the_accounts_failures(app, make_account, limits):
    client = app.test_client()
    account = make_account()
    for _ in range(limits.login_attempts_per_window - 1):
        _sign_in(client, account["email"], WRONG, OWNER)
    assert _sign_in(client, account["email"], account["password"], OWNER).status_code == 302
    for _ in range(limits.login_attempts_per_window - 1):
        assert _sign_in(app.test_client(), account["email"], WRONG, OWNER).status_code == 401


def test_the_account_limit_bites_at_its_value_and_releases_after_its_window(app, make_account, limits):
    client = app.test_client()
    account = make_account()
    assert _sign_in(client, account["email"], WRONG, ATTACKER).status_code == 401
    for n in range(limits.login_failures_per_account - 2):
        _sign_in(client, account["email"], WRONG, f"192.0.2.{n}")
    assert _sign_in(client, account["email"], WRONG, ATTACKER).status_code == 401  # the limit-th
    assert _sign_in(client, account["email"], account["password"], ATTACKER).status_code == 429
    clock.advance(limits.login_attempt_window + 1)
    assert _sign_in(client, account["email"], account["password"], ATTACKER).status_code == 302


def test_the_per_address_limit_counts_failures_only(app, make_account, tighter):
    tighter(login_failures_per_address=5)
    people = [make_account() for _ in range(6)]
    client = app.test_client()
    for person in people[:3]:
        for _ in range(3):
            assert _sign_in(client, person["email"], person["password"], ATTACKER).status_code == 302
    for person in people[:5]:
        assert _sign_in(client, person["email"], WRONG, ATTACKER).status_code == 401
    assert _sign_in(client, people[5]["email"], people[5]["password"], ATTACKER).status_code == 429
    assert _sign_in(client, people[5]["email"], people[5]["password"], OWNER).status_code == 302
    clock.advance(900 + 1)
    assert _sign_in(client, people[5]["email"], people[5]["password"], ATTACKER).status_code == 302


def test_the_owner_is_told_once_about_repeated_failures(app, make_account, limits, outbox):
    client = app.test_client()
    account = make_account()
    for n in range(2 * limits.login_failures_per_account):
        _sign_in(client, account["email"], WRONG, f"203.0.113.{n}")
    mails = [m for m in outbox.messages("email", account["email"])]
    assert [m["subject"] for m in mails] == [EMAIL_SUBJECTS["failed_sign_ins"]]
    assert "/password/forgot" in mails[0]["text"] and WRONG not in mails[0]["text"]
