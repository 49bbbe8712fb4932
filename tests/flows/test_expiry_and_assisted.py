"""Deleting cabinets not activated in time; registration by a client-office employee."""

from __future__ import annotations

import threading

import pytest

from consent.records import ConsentRecord
from flows.delivery.outbox import OutboxMessage
from flows.expiry import purge_expired
from idp.clock import clock
from idp.db import db
from idp.models import Account, AuditEvent
from idp.web.messages import MESSAGES
from tests.support.pages import post_form, text
from tests.support.registration import PERSON, PHONE_E164

DAY = 24 * 3600


def run_cli(app, *args):
    result = app.test_cli_runner().invoke(args=list(args))
    return result


def account_count(app) -> int:
    with app.app_context():
        return Account.query.count()


def test_purge_after_24_hours_frees_the_email(app, register, sign_in):
    register()
    clock.advance(DAY - 60)
    assert "purged 0 accounts" in run_cli(app, "accounts", "purge-expired").output
    assert account_count(app) == 1
    clock.advance(61)
    assert "purged 1 accounts" in run_cli(app, "accounts", "purge-expired").output
    with app.app_context():
        assert Account.query.count() == 0
        events = AuditEvent.query.filter_by(kind="account.expired").all()
        assert len(events) == 1 and events[0].subject is None
        assert events[0].details == {"registered_by": "self", "reason": "not_activated"}
        consents = ConsentRecord.query.all()
        assert consents and all(c.account_id is None for c in consents)
        assert OutboxMessage.query.count() == 0  # the SMS password and the link went with the cabinet
    response = register()
    assert response.status_code == 302
    assert account_count(app) == 1


def test_purge_spares_activated_and_fresh_accounts(app, make_account, register):
    make_account(activation_deadline=clock.now())  # activated long ago: the deadline no longer matters
    register()
    clock.advance(3600)
    with app.app_context():
        assert purge_expired() == 0
    assert account_count(app) == 2


def test_expired_account_cannot_sign_in(register, sign_in, outbox):
    register()
    code = outbox.sms_code()
    clock.advance(DAY + 1)
    response = sign_in(PERSON["email"], code)
    assert response.status_code == 401
    assert "Неверный логин или пароль." in text(response)


def test_concurrent_purges_do_no_harm(app, register):
    for n in range(6):
        register(email=f"p{n}@example.ru", phone=f"+7916123450{n}")
    clock.advance(DAY + 1)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def purge():
        try:
            with app.app_context():
                barrier.wait()
                results.append(purge_expired())
                db.session.remove()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=purge) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(results) == 6
    with app.app_context():
        assert Account.query.count() == 0
        assert AuditEvent.query.filter_by(kind="account.expired").count() == 6
        assert purge_expired() == 0  # and again: nothing left to do


ASSISTED = {
    "--family-name": "Петров",
    "--given-name": "Пётр",
    "--no-middle-name": True,
    "--phone": "8 916 123-45-67",
    "--email": "petrov@example.ru",
    "--operator": "Сидорова А.А.",
}


def register_assisted(app, **changes):
    """`lk-idp accounts register-assisted` with the standard applicant; changes use option names."""
    options = {**ASSISTED, **{"--" + k.replace("_", "-"): v for k, v in changes.items()}}
    args = ["accounts", "register-assisted"]
    for option, value in options.items():
        if value is True:
            args.append(option)
        elif value is not None:
            args += [option, value]
    return run_cli(app, *args)


def test_assisted_registration_continues_at_login(app, client, sign_in, outbox):
    result = register_assisted(app)
    assert result.exit_code == 0, result.output
    with app.app_context():
        account = Account.query.one()
        assert account.registered_by == "office" and account.middle_name is None
        assert account.activation_deadline is None  # counted from when the link is sent
        consents = ConsentRecord.query.all()
        assert {c.kind for c in consents} == {"pd_law_152", "pd_processing", "mailing"}
        assert all(c.channel == "office" and c.operator == "Сидорова А.А." for c in consents)
    response = sign_in("petrov@example.ru", outbox.sms_code(PHONE_E164))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/password/change")
    with app.app_context():
        account = Account.query.one()
        assert (account.activation_deadline - clock.now()).total_seconds() == pytest.approx(DAY, abs=5)
    assert outbox.activation_path("petrov@example.ru")


def test_assisted_applicant_coming_back_later_asks_for_a_new_sms_password(app, client, sign_in, outbox):
    assert register_assisted(app).exit_code == 0
    old = outbox.sms_code(PHONE_E164)
    clock.advance(3 * DAY)
    # the sign-in page says of an expired SMS password what it says of a wrong one (issue 15)
    assert MESSAGES["bad_credentials"] in text(sign_in("petrov@example.ru", old))
    resent = post_form(client, "/login", "/login/resend", {"login": "petrov@example.ru"})
    assert MESSAGES["sms_resent"] in text(resent)
    response = sign_in("petrov@example.ru", outbox.sms_code(PHONE_E164))
    assert response.headers["Location"].startswith("/password/change")


def test_assisted_registration_never_confirmed_is_purged_after_7_days(app):
    assert register_assisted(app).exit_code == 0
    clock.advance(6 * DAY)
    with app.app_context():
        assert purge_expired() == 0
    clock.advance(DAY + 1)
    with app.app_context():
        assert purge_expired() == 1
        event = AuditEvent.query.filter_by(kind="account.expired").one()
        assert event.subject is None
        assert event.details["reason"] == "assisted_sms_unconfirmed"


def test_assisted_registration_rejects_bad_input_by_name(app):
    result = register_assisted(app, no_middle_name=None, phone="+7 495 123-45-67")
    assert result.exit_code == 2
    assert "--phone: Это номер городского телефона" in result.output
    assert "--middle-name: Укажите отчество" in result.output
    assert account_count(app) == 0


def test_assisted_registration_of_a_taken_email_tells_the_operator(app, make_account, outbox):
    make_account(email="petrov@example.ru")
    result = register_assisted(app)
    assert result.exit_code == 1
    assert "уже принадлежат Личному кабинету" in result.output
    assert len(outbox.messages("email", "petrov@example.ru")) == 1
