"""What the authorization endpoint demands before it issues a code."""

from __future__ import annotations

from joserfc import jwt
from joserfc.jwk import KeySet

from idp.clock import clock
from tests.support.browserless import redirect_params
from tests.support.config import RP_CALLBACK
from tests.support.oidc import Flow


def id_token_claims(flow, code):
    return jwt.decode(flow.exchange(code).json()["id_token"], _keys(flow)).claims


def _keys(flow):
    return KeySet.import_key_set(flow.person.http.get(flow.base + "/jwks.json", timeout=5).json())


def test_signed_in_person_is_not_asked_again(flow):
    flow.code()
    again = flow.person.get(flow.authorize_url())
    assert again.headers["Location"].startswith(RP_CALLBACK)


def test_prompt_login_asks_again_and_then_returns(flow):
    first = id_token_claims(flow, flow.code())
    clock.advance(5)
    response = flow.person.get(flow.authorize_url(prompt="login"))
    assert "/login?ia=" in response.headers["Location"]
    second = id_token_claims(flow, flow.code(prompt="login"))
    assert second["auth_time"] >= first["auth_time"] + 5


def test_max_age_forces_a_fresh_sign_in_and_reports_auth_time(flow):
    flow.code()
    clock.advance(120)
    response = flow.person.get(flow.authorize_url(max_age="60"))
    assert "/login?ia=" in response.headers["Location"]
    claims = id_token_claims(flow, flow.code(max_age="60"))
    assert clock.time() - claims["auth_time"] < 60


def test_max_age_within_limit_keeps_the_session(flow):
    flow.code()
    response = flow.person.get(flow.authorize_url(max_age="3600"))
    assert response.headers["Location"].startswith(RP_CALLBACK)


def test_malformed_max_age(flow):
    response = flow.person.get(flow.authorize_url(max_age="soon"))
    assert redirect_params(response)["error"] == "invalid_request"


def test_prompt_none_with_session_issues_a_code(flow):
    flow.code()
    response = flow.person.get(flow.authorize_url(prompt="none"))
    assert "code" in redirect_params(response)


def test_login_hint_prefills_the_form(flow):
    response = flow.person.follow(
        flow.person.get(flow.authorize_url(login_hint="someone@example.ru")), RP_CALLBACK
    )
    assert 'value="someone@example.ru"' in response.text


def test_claims_parameter_puts_requested_claims_in_the_id_token(flow):
    code = flow.code(scope="openid", claims='{"id_token": {"email": {"essential": true}}}')
    claims = id_token_claims(flow, code)
    assert claims["email"] == flow.account["email"]
    assert "phone_number" not in claims


def test_malformed_claims_parameter(flow):
    response = flow.person.get(flow.authorize_url(claims="[1, 2"))
    assert redirect_params(response)["error"] == "invalid_request"


def test_wrong_password_is_refused_in_russian(flow):
    page = flow.person.follow(flow.person.get(flow.authorize_url()), RP_CALLBACK)
    response = flow.person.submit(page, "/login", {"login": flow.account["email"], "password": "wrong"})
    assert response.status_code == 401
    assert "Неверный логин или пароль." in response.text


def test_unknown_login_reads_the_same_as_a_wrong_password(flow):
    page = flow.person.follow(flow.person.get(flow.authorize_url()), RP_CALLBACK)
    response = flow.person.submit(page, "/login", {"login": "nobody@example.ru", "password": "wrong"})
    assert response.status_code == 401
    assert "Неверный логин или пароль." in response.text


def test_sign_in_by_phone_number(flow):
    page = flow.person.follow(flow.person.get(flow.authorize_url()), RP_CALLBACK)
    national = "8" + flow.account["phone"][2:]
    response = flow.person.submit(page, "/login", {"login": national, "password": flow.account["password"]})
    assert redirect_params(flow.person.follow(response, RP_CALLBACK))["code"]


def test_non_activated_account_gets_no_code(live_server, make_account):
    account = make_account(email_verified_at=None)
    flow = Flow(live_server, account)
    page = flow.person.follow(flow.person.get(flow.authorize_url()), RP_CALLBACK)
    response = flow.person.submit(
        page, "/login", {"login": account["email"], "password": account["password"]}
    )
    assert response.status_code == 401
    assert "не активирован" in response.text


def test_sign_in_attempts_are_rate_limited(flow, app):
    limit = app.extensions["idp"].settings.login_attempts_per_window
    page = flow.person.follow(flow.person.get(flow.authorize_url()), RP_CALLBACK)
    for _ in range(limit):
        flow.person.submit(page, "/login", {"login": flow.account["email"], "password": "wrong"})
    response = flow.person.submit(
        page, "/login", {"login": flow.account["email"], "password": flow.account["password"]}
    )
    assert response.status_code == 429
    assert "Слишком много попыток" in response.text
