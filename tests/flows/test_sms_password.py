"""The SMS password typed into «Пароль» on the sign-in form, and «Отправить еще раз?»."""

from __future__ import annotations

import pytest

from flows import sms_password
from idp.clock import clock
from idp.models import Account
from idp.web.messages import MESSAGES, message
from tests.support.pages import post_form, text
from tests.support.registration import PERSON, PHONE_E164

pytestmark = pytest.mark.usefixtures("a_moscow_morning")  # its SMS are counted by the day

LOGIN = PERSON["email"]


@pytest.fixture
def registered(register):
    assert register().status_code == 302


def resend(client, login=LOGIN):
    return post_form(client, "/login", "/login/resend", {"login": login})


def test_sms_password_signs_in_and_leads_to_password_change(app, client, registered, sign_in, outbox):
    response = sign_in(LOGIN, outbox.sms_code())
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/password/change")
    page = text(client.get(response.headers["Location"]))
    assert "Новый пароль" in page and "Подтверждение пароля" in page and "Изменить пароль" in page
    with app.app_context():
        assert Account.query.one().phone_verified_at is not None
    mails = outbox.messages("email", LOGIN)
    assert len(mails) == 1 and mails[0]["html"] and "/activate/" in mails[0]["html"]


def test_sms_password_is_accepted_with_the_phone_as_login(client, registered, sign_in, outbox):
    assert sign_in("8 (916) 123-45-67", outbox.sms_code()).status_code == 302


def test_code_is_stored_hashed(app, registered, outbox):
    code = outbox.sms_code()
    with app.app_context():
        store = app.extensions["idp"].store
        sub = Account.query.one().sub
        raw = store.get(f"sms:confirm:{sub}")
    assert raw and code not in raw


def test_expired_sms_password_is_refused(client, registered, sign_in, outbox):
    code = outbox.sms_code()
    clock.advance(600 + 1)
    response = sign_in(LOGIN, code)
    assert response.status_code == 401
    # the same words as for a wrong password: a stranger must not learn that this login
    # is a cabinet waiting for its SMS password (issue 15)
    assert MESSAGES["bad_credentials"] in text(response)
    assert MESSAGES["sms_expired"] not in text(response)


def test_wrong_sms_password_five_times_kills_the_code(client, registered, sign_in, outbox):
    code = outbox.sms_code()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(4):
        response = sign_in(LOGIN, wrong)
        assert response.status_code == 401
        assert MESSAGES["bad_credentials"] in text(response)
    fifth = sign_in(LOGIN, wrong)
    # a spent code reads as a wrong one on the sign-in page (issue 15): no oracle
    assert MESSAGES["bad_credentials"] in text(fifth)
    right_too_late = sign_in(LOGIN, code)
    assert right_too_late.status_code == 401
    assert MESSAGES["bad_credentials"] in text(right_too_late)
    assert MESSAGES["sms_too_many_attempts"] not in text(right_too_late)


def test_resend_before_the_cooldown_is_refused(client, registered, outbox):
    response = resend(client)
    assert response.status_code == 429
    assert "Новый пароль можно запросить через" in text(response)
    assert len(outbox.messages("sms", PHONE_E164)) == 1


def test_resend_replaces_the_previous_code(client, registered, sign_in, outbox):
    first = outbox.sms_code()
    clock.advance(61)
    response = resend(client)
    assert response.status_code == 200
    assert MESSAGES["sms_resent"] in text(response)
    second = outbox.sms_code()
    assert len(outbox.messages("sms", PHONE_E164)) == 2
    if first != second:  # the earlier code no longer matches anything
        assert MESSAGES["bad_credentials"] in text(sign_in(LOGIN, first))
    assert sign_in(LOGIN, second).status_code == 302


def test_daily_cap_per_phone(client, registered, outbox):
    for _ in range(4):  # registration sent the first of five
        clock.advance(61)
        assert resend(client).status_code == 200
    clock.advance(61)
    response = resend(client)
    assert response.status_code == 429
    assert MESSAGES["sms_daily_cap"] in text(response)
    assert len(outbox.messages("sms", PHONE_E164)) == 5


def test_resend_for_an_unknown_login_looks_the_same(client, outbox):
    response = resend(client, "nobody@example.ru")
    assert response.status_code == 200
    assert MESSAGES["sms_resent"] in text(response)
    again = resend(client, "nobody@example.ru")
    assert "Новый пароль можно запросить через" in text(again)


def test_resend_for_an_active_account_sends_nothing(client, make_account, outbox):
    person = make_account()
    response = resend(client, person["email"])
    assert MESSAGES["sms_resent"] in text(response)
    assert outbox.messages("sms", person["phone"]) == []


def test_active_account_still_signs_in_with_its_password(client, make_account, sign_in):
    person = make_account()
    response = sign_in(person["email"], person["password"])
    assert response.status_code == 302
    assert response.headers["Location"] == "/account"


def test_rules_without_a_request(app):
    with app.test_request_context():
        issued = sms_password.issue(sms_password.STEP_UP, "subject-1", "+79160000001")
        assert len(issued.code) == 6 and issued.code.isdigit()
        with pytest.raises(sms_password.ResendTooSoon) as too_soon:
            sms_password.issue(sms_password.STEP_UP, "subject-1", "+79160000001")
        assert message("sms_resend_too_soon", retry_after=too_soon.value.retry_after)
        with pytest.raises(sms_password.WrongCode):
            sms_password.verify(sms_password.STEP_UP, "subject-1", "x")
        sms_password.verify(sms_password.STEP_UP, "subject-1", issued.code)
        with pytest.raises(sms_password.CodeExpired):  # single use
            sms_password.verify(sms_password.STEP_UP, "subject-1", issued.code)


def resend_on_the_sms_step(client):
    return post_form(client, "/login?step=sms", "/login/sms/resend", {})


def spend_the_logins_day(stranger, login=LOGIN):
    """A stranger who knows the login presses «Отправить еще раз?» until the day's cap."""
    while True:
        clock.advance(61)
        response = resend(stranger, login)
        if response.status_code == 429 and MESSAGES["sms_daily_cap"] in text(response):
            return


def test_a_strangers_resends_never_spend_what_the_registering_browser_may_ask_for(
    app, client, registered, outbox
):
    stranger = app.test_client()
    spend_the_logins_day(stranger)
    sent_by_then = len(outbox.messages("sms", PHONE_E164))
    for _ in range(4):  # registration sent the first of this browser's five
        clock.advance(61)
        answer = resend_on_the_sms_step(client)
        assert answer.status_code == 302, text(answer)
        assert "notice=sms_resent" in answer.headers["Location"]
    assert len(outbox.messages("sms", PHONE_E164)) == sent_by_then + 4
    clock.advance(61)
    capped = resend_on_the_sms_step(client)
    assert capped.status_code == 429 and MESSAGES["sms_daily_cap"] in text(capped)


def test_a_strangers_resends_send_no_more_than_the_phones_own_cap(app, registered, outbox):
    spend_the_logins_day(app.test_client())
    spend_the_logins_day(app.test_client(), PHONE_E164)  # the same phone by its other login
    assert len(outbox.messages("sms", PHONE_E164)) == 1 + 5  # the registration's, then strangers' five


def test_the_sms_step_of_a_taken_registration_answers_as_a_real_one(app, register, make_account, outbox):
    taken = make_account()
    pages = {}
    for name, login in (("real", LOGIN), ("taken", taken["email"])):
        browser = app.test_client()
        assert post_form(browser, "/register", "/register", {**PERSON, "email": login}).status_code == 302
        answers = []
        for _ in range(6):
            clock.advance(61)
            answer = resend_on_the_sms_step(browser)
            answers.append((answer.status_code, answer.headers.get("Location", "").split("?")[-1]))
        pages[name] = answers
        if name == "real":
            assert len(outbox.messages("sms", PHONE_E164)) == 5
    assert pages["real"] == pages["taken"]
