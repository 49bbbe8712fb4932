"""SMS step-up when a site asks for the higher level, and the person's own page."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from idp.clock import clock
from idp.sessions.sso_session import ACR_MFA
from idp.web.messages import MESSAGES, message
from tests.support.config import RP_CALLBACK
from tests.support.oidc import start_authorization
from tests.support.pages import csrf_token, post_form, text


def start_mfa_request(client):
    return start_authorization(client, scope="openid", acr_values=ACR_MFA)


def test_step_up_by_sms_completes_the_request(client, make_account, sign_in, outbox):
    person = make_account()
    ia = start_mfa_request(client)
    resumed = client.get(sign_in(person["email"], person["password"], ia=ia).headers["Location"])
    assert resumed.headers["Location"] == f"/stepup?ia={ia}"
    page = text(client.get(resumed.headers["Location"]))
    assert "Код подтверждения направлен по SMS на номер +7 *** ***-" in page
    assert "Отправить еще раз?" in page
    code = outbox.sms_code(person["phone"])
    wrong = post_form(client, f"/stepup?ia={ia}", "/stepup", {"ia": ia, "code": "x"})
    assert message("code_wrong", tries_left=4) in text(wrong)  # a code is asked for, not a password
    assert len(outbox.messages("sms", person["phone"])) == 1  # reloading the page sends nothing new
    done = post_form(client, f"/stepup?ia={ia}", "/stepup", {"ia": ia, "code": code})
    assert done.headers["Location"] == f"/authorize/resume/{ia}"
    final = client.get(done.headers["Location"])
    assert final.headers["Location"].startswith(RP_CALLBACK)
    assert "code" in parse_qs(urlparse(final.headers["Location"]).query)


def test_step_up_code_expires(client, make_account, sign_in, outbox):
    person = make_account()
    sign_in(person["email"], person["password"])
    client.get("/stepup")
    code = outbox.sms_code(person["phone"])
    clock.advance(601)
    response = post_form(client, "/account", "/stepup", {"code": code})
    assert MESSAGES["code_expired"] in text(response)


def test_step_up_needs_a_session(client):
    response = client.get("/stepup?ia=abc")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?ia=abc")


def test_account_page_shows_name_contacts_state(client, make_account, sign_in):
    person = make_account(middle_name=None)
    sign_in(person["email"], person["password"])
    page = text(client.get("/account"))
    assert "Иванова" in page and "Мария" in page
    assert person["email"] in page and person["phone"] in page
    assert 'id="state">активирован<' in page
    assert "Отчество</th><td>нет" in page


def test_account_page_of_a_person_waiting_for_activation(client, register, sign_in, outbox):
    register()
    sign_in("anna@example.ru", outbox.sms_code())
    page = text(client.get("/account"))
    assert "ожидает активации по ссылке из письма" in page
    assert "Активировать до" in page


def test_sign_out(client, make_account, sign_in):
    person = make_account()
    sign_in(person["email"], person["password"])
    response = client.post("/account/logout", data={"csrf_token": csrf_token(client, "/account")})
    assert MESSAGES["signed_out"] in text(client.get(response.headers["Location"]))
    assert client.get("/account").status_code == 302
