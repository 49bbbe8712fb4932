"""Ending another browser's session: from the account page, «Выйти на всех устройствах»,
a password change and a «Забыли пароль?» reset. Two browsers (two cookie jars) of one
person, each signed in to a relying party (Authlib's client) with its own refresh token."""

from __future__ import annotations

import re

import pytest

from tests.support.browserless import Person, redirect_params
from tests.support.config import SITE
from tests.support.registration import NEW_PASSWORD
from tests.support.relying_party import RelyingParty

SID_FIELD = re.compile(r'name="sid" value="([0-9a-f]+)"')


@pytest.fixture
def site(live_server):
    return RelyingParty(live_server, SITE["client_id"], SITE["client_secret"], SITE["callback"])


@pytest.fixture
def two_browsers(live_server, site, make_account):
    """(account, [(browser, tokens), (browser, tokens)]): both signed in to the site."""
    account = make_account()
    signed_in = []
    for _ in range(2):
        browser = Person(live_server)
        signed_in.append((browser, site.tokens(site.sign_in(browser, account)["code"])))
    return account, signed_in


def still_signed_in(site, browser, tokens) -> bool:
    refreshed = site.refresh(tokens["refresh_token"])
    silent = redirect_params(browser.get(site.authorize_url(prompt="none")))
    assert (refreshed.status_code == 200) == ("code" in silent), (refreshed.text, silent)
    if refreshed.status_code == 200:
        tokens["refresh_token"] = refreshed.json()["refresh_token"]
    return "code" in silent


def test_the_account_page_lists_both_sessions_and_ends_the_other(site, two_browsers):
    _, [(first, first_tokens), (second, second_tokens)] = two_browsers
    page = second.get("/account")
    assert page.text.count('class="session') == 2
    assert "(это устройство)" in page.text and SITE["client_id"] in page.text
    [other_sid] = SID_FIELD.findall(page.text)
    ended = second.submit(page, "/account/sessions/end", {"sid": other_sid})
    assert ended.status_code == 302
    assert not still_signed_in(site, first, first_tokens)
    assert still_signed_in(site, second, second_tokens)
    assert second.get("/account").text.count('class="session') == 1


def test_a_session_of_someone_else_cannot_be_ended(live_server, site, two_browsers, make_account):
    _, [(first, first_tokens), (second, _)] = two_browsers
    [first_sid] = SID_FIELD.findall(second.get("/account").text)  # even a sid someone learned
    stranger = Person(live_server)
    site.sign_in(stranger, make_account())
    stranger.submit(stranger.get("/account"), "/account/sessions/end", {"sid": first_sid})
    assert still_signed_in(site, first, first_tokens)


def test_sign_out_everywhere(site, two_browsers):
    _, [(first, first_tokens), (second, second_tokens)] = two_browsers
    page = second.get("/account")
    out = second.submit(page, "/account/logout/everywhere", {})
    assert "Вы вышли из Личного кабинета на всех устройствах." in second.get(out.headers["Location"]).text
    assert not still_signed_in(site, first, first_tokens)
    assert not still_signed_in(site, second, second_tokens)


def test_sign_out_on_this_device_keeps_the_other(site, two_browsers):
    _, [(first, first_tokens), (second, second_tokens)] = two_browsers
    second.submit(second.get("/account"), "/account/logout", {})
    assert not still_signed_in(site, second, second_tokens)
    assert still_signed_in(site, first, first_tokens)


@pytest.mark.parametrize("sign_out_elsewhere", [True, False])
def test_a_password_change_asks_whether_to_end_the_others(site, two_browsers, sign_out_elsewhere):
    account, [(first, first_tokens), (second, second_tokens)] = two_browsers
    page = second.get("/password/change")
    assert "Выйти на всех остальных устройствах" in page.text
    assert 'id="sign_out_elsewhere" name="sign_out_elsewhere" value="y">' in page.text  # not ticked
    fields = {
        "current_password": account["password"],
        "new_password": NEW_PASSWORD,
        "confirm_password": NEW_PASSWORD,
    }
    if sign_out_elsewhere:
        fields["sign_out_elsewhere"] = "y"
    assert second.submit(page, "/password/change", fields).status_code == 302
    assert still_signed_in(site, first, first_tokens) is not sign_out_elsewhere
    assert not still_signed_in(site, second, second_tokens)  # this browser signs in with the new password


def test_forgot_password_ends_the_other_sessions_by_default(site, two_browsers, outbox):
    account, [(first, first_tokens), (second, _)] = two_browsers
    second.http.cookies.clear()  # the person who forgot the password is not signed in there
    asked = second.submit(second.get("/password/forgot"), "/password/forgot", {"login": account["email"]})
    code_page = second.get(asked.headers["Location"])
    changed = second.follow(
        second.submit(code_page, "/password/forgot/code", {"code": outbox.sms_code(account["phone"])}),
        "/none",
    )
    assert 'name="sign_out_elsewhere" value="y" checked' in changed.text
    form_fields = {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD, "sign_out_elsewhere": "y"}
    assert second.submit(changed, "/password/change", form_fields).status_code == 302
    assert not still_signed_in(site, first, first_tokens)
