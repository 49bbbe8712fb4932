"""The policy keeps its word, seen by a relying party using Authlib's client over HTTP:
max_age in whole seconds, an acr asked in the `claims` parameter, the acr granted always
one the relying party listed, and unmet_authentication_requirements when a level cannot be reached."""

from __future__ import annotations

import json

import pytest

from idp.clock import clock
from idp.db import db
from idp.models import Account
from idp.sessions.sso_session import ACR_MFA, ACR_PASSWORD, ACR_SMS
from tests.support.browserless import Person, redirect_params
from tests.support.config import CONFIDENTIAL, RP_CALLBACK
from tests.support.relying_party import RelyingParty
from tests.support.second_factors import app_code, enrol

ESSENTIAL_MFA = json.dumps({"id_token": {"acr": {"essential": True, "values": [ACR_MFA]}}})


@pytest.fixture
def rp(live_server):
    return RelyingParty(live_server, CONFIDENTIAL["client_id"], CONFIDENTIAL["client_secret"], RP_CALLBACK)


@pytest.fixture
def person(live_server):
    return Person(live_server)


def test_max_age_zero_asks_for_the_password_once_and_returns_a_code(rp, person, make_account):
    account = make_account()
    rp.tokens(rp.sign_in(person, account)["code"])  # keys made before the clock moves on
    clock.advance(30)
    asked_at = int(clock.time())
    first = person.get(rp.authorize_url(max_age="0"))
    assert "/login?ia=" in first.headers["Location"]
    page = person.follow(first, RP_CALLBACK)
    back = person.follow(
        person.submit(page, "/login", {"login": account["email"], "password": account["password"]}),
        RP_CALLBACK,
    )
    params = redirect_params(back)
    assert "code" in params, params
    claims = rp.id_token_claims(rp.tokens(params["code"])["id_token"])
    assert asked_at <= claims["auth_time"] <= clock.time()


def test_essential_acr_in_claims_triggers_the_step_up(rp, person, make_account, outbox):
    account = make_account()
    rp.sign_in(person, account)
    response = person.follow(person.get(rp.authorize_url(claims=ESSENTIAL_MFA)), RP_CALLBACK)
    assert "Подтверждение входа" in response.text
    code = outbox.sms_code(account["phone"])
    back = person.follow(person.submit(response, "/stepup", {"code": code}), RP_CALLBACK)
    claims = rp.id_token_claims(rp.tokens(redirect_params(back)["code"])["id_token"])
    assert claims["acr"] == ACR_MFA
    assert set(claims["amr"]) == {"pwd", "sms", "mfa"}


def test_essential_acr_with_prompt_none_is_an_error(rp, person, make_account):
    rp.sign_in(person, make_account())
    params = redirect_params(person.get(rp.authorize_url(claims=ESSENTIAL_MFA, prompt="none")))
    assert params["error"] == "interaction_required"
    assert "code" not in params


def test_no_verified_phone_and_no_authenticator_is_unmet(app, rp, person, make_account, outbox):
    account = make_account()
    rp.sign_in(person, account)
    with app.app_context():  # an active cabinet always has a verified phone: unset it behind its back
        db.session.get(Account, account["id"]).phone_verified_at = None
        db.session.commit()
    for asked in (
        {"acr_values": ACR_MFA},
        {"claims": ESSENTIAL_MFA},
        {"claims": ESSENTIAL_MFA, "prompt": "none"},
    ):
        params = redirect_params(person.get(rp.authorize_url(**asked)))
        assert params["error"] == "unmet_authentication_requirements", asked
        assert params["iss"] == rp.meta["issuer"]
    assert outbox.messages("sms", account["phone"]) == []


def test_cancelling_the_step_up_is_unmet(rp, person, make_account):
    rp.sign_in(person, make_account())
    page = person.follow(person.get(rp.authorize_url(acr_values=ACR_MFA)), RP_CALLBACK)
    back = person.follow(person.submit(page, "/stepup/cancel", {}), RP_CALLBACK)
    assert redirect_params(back)["error"] == "unmet_authentication_requirements"


@pytest.mark.parametrize(
    ("listed", "granted"),
    [
        (f"{ACR_SMS} {ACR_MFA}", ACR_SMS),
        (f"{ACR_MFA} {ACR_PASSWORD}", ACR_PASSWORD),
        (ACR_SMS, ACR_SMS),
    ],
)
def test_the_granted_acr_is_one_the_relying_party_listed(rp, person, make_account, listed, granted):
    params = rp.sign_in(person, make_account(), acr_values=listed)
    assert rp.id_token_claims(rp.tokens(params["code"])["id_token"])["acr"] == granted


def test_only_unknown_acr_values_are_unmet(rp, person, make_account):
    params = rp.sign_in(person, make_account(), acr_values="urn:example:loa:4")
    assert params["error"] == "unmet_authentication_requirements"


def test_discovery_names_the_levels(rp):
    assert rp.meta["acr_values_supported"] == [ACR_SMS, ACR_PASSWORD, ACR_MFA]
    assert rp.meta["claims_parameter_supported"] is True


def test_totp_step_up_gives_otp_and_the_higher_acr(rp, person, make_account):
    account = make_account()
    rp.sign_in(person, account)
    secret, _ = enrol(person, account["password"])
    clock.advance(30)  # the enrolment's code is used up: the next one is of a later step
    page = person.follow(person.get(rp.authorize_url(acr_values=ACR_MFA)), RP_CALLBACK)
    assert "кодом из приложения" in page.text
    back = person.follow(person.submit(page, "/stepup/app", {"code": app_code(secret)}), RP_CALLBACK)
    claims = rp.id_token_claims(rp.tokens(redirect_params(back)["code"])["id_token"])
    assert claims["acr"] == ACR_MFA
    assert claims["amr"] == ["mfa", "otp", "pwd"]


def test_an_authenticator_alone_reaches_mfa_without_a_verified_phone(app, rp, person, make_account, outbox):
    account = make_account()
    rp.sign_in(person, account)
    secret, _ = enrol(person, account["password"])
    with app.app_context():
        db.session.get(Account, account["id"]).phone_verified_at = None
        db.session.commit()
    clock.advance(30)
    page = person.follow(person.get(rp.authorize_url(claims=ESSENTIAL_MFA)), RP_CALLBACK)
    assert "Получить код по SMS" not in page.text
    back = person.follow(person.submit(page, "/stepup/app", {"code": app_code(secret)}), RP_CALLBACK)
    assert "code" in redirect_params(back)
    assert outbox.messages("sms", account["phone"]) == []
