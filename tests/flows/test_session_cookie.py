"""The session cookie: a new secret after every proof, the same public sid."""

from __future__ import annotations

from tests.support.pages import post_form


def cookie_of(client) -> tuple[str, str]:
    with client.session_transaction() as cookie:
        return cookie["sid"], cookie["sso_secret"]


def test_step_up_rotates_the_secret_and_keeps_the_sid(client, make_account, sign_in, outbox):
    person = make_account()
    sign_in(person["email"], person["password"])
    sid, secret = cookie_of(client)
    client.get("/stepup")
    post_form(client, "/stepup", "/stepup", {"code": outbox.sms_code(person["phone"])})
    new_sid, new_secret = cookie_of(client)
    assert new_sid == sid and new_secret != secret
    with client.session_transaction() as cookie:  # the old cookie, replayed, holds nothing
        cookie["sso_secret"] = secret
    assert client.get("/account").status_code == 302


def test_signing_in_again_rotates_the_secret(client, make_account, sign_in):
    person = make_account()
    sign_in(person["email"], person["password"])
    sid, secret = cookie_of(client)
    sign_in(person["email"], person["password"])
    assert cookie_of(client)[0] == sid and cookie_of(client)[1] != secret
