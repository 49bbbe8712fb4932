"""«Забыли пароль?»: a code by SMS, a new password without the old one, sign-in with it."""

from __future__ import annotations

import re

from idp.clock import clock
from idp.web.messages import MESSAGES, message
from tests.support.pages import post_form, text


def _sms_code(outbox, phone):
    return re.search(r"\b(\d{6})\b", outbox.messages("sms", phone)[-1]["text"]).group(1)


def test_forgotten_password_is_replaced_through_an_sms_code(client, make_account, outbox, sign_in):
    account = make_account()
    sent = post_form(client, "/password/forgot", "/password/forgot", {"login": account["email"]})
    assert sent.headers["Location"].startswith("/password/forgot/code")
    page = client.get(sent.headers["Location"])
    assert MESSAGES["recovery_sent"] in text(page)

    changed = post_form(
        client,
        "/password/forgot/code",
        "/password/forgot/code",
        {"code": _sms_code(outbox, account["phone"])},
    )
    assert changed.headers["Location"].startswith("/password/change")
    form = text(client.get(changed.headers["Location"]))
    assert "Текущий пароль" not in form

    new_password = "Новый-пароль-на-зиму-9"
    done = post_form(
        client,
        "/password/change",
        "/password/change",
        {"new_password": new_password, "confirm_password": new_password},
    )
    assert done.headers["Location"].startswith("/login")
    assert sign_in(account["email"], new_password).status_code == 302
    assert sign_in(account["email"], account["password"]).status_code == 401


def test_unknown_login_reads_the_same_and_sends_nothing(client, outbox):
    sent = post_form(client, "/password/forgot", "/password/forgot", {"login": "nobody@example.ru"})
    assert sent.headers["Location"].startswith("/password/forgot/code")
    assert MESSAGES["recovery_sent"] in text(client.get(sent.headers["Location"]))
    wrong = post_form(client, "/password/forgot/code", "/password/forgot/code", {"code": "123456"})
    assert wrong.status_code == 401


def test_wrong_code_and_expired_code(client, make_account, outbox):
    account = make_account()
    post_form(client, "/password/forgot", "/password/forgot", {"login": account["email"]})
    wrong = post_form(client, "/password/forgot/code", "/password/forgot/code", {"code": "000000"})
    assert wrong.status_code == 401
    assert message("code_wrong", tries_left=4) in text(wrong)  # a code is asked for, not a password
    code = _sms_code(outbox, account["phone"])
    clock.advance(601)
    expired = post_form(client, "/password/forgot/code", "/password/forgot/code", {"code": code})
    assert expired.status_code == 401
    assert MESSAGES["code_expired"] in text(expired)


def test_an_old_sms_proof_does_not_skip_the_current_password(client, make_account, outbox):
    account = make_account()
    post_form(client, "/password/forgot", "/password/forgot", {"login": account["email"]})
    post_form(
        client,
        "/password/forgot/code",
        "/password/forgot/code",
        {"code": _sms_code(outbox, account["phone"])},
    )
    clock.advance(601)
    assert "Текущий пароль" in text(client.get("/password/change"))


def test_sign_in_page_links_to_recovery(client):
    assert 'href="/password/forgot' in text(client.get("/login"))
