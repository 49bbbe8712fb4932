"""A real OIDC client library receives the `consents` claim in the documented shape."""

from __future__ import annotations

import json

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.jwk import KeySet

from consent.records import record
from idp.db import db
from tests.support.browserless import Person, redirect_params
from tests.support.config import CONFIDENTIAL, RP_CALLBACK

DOCUMENTED_KEYS = {"granted", "version", "at", "channel"}


def _sign_in_and_exchange(live_server, account, scope, **params):
    rp = OAuth2Session(
        CONFIDENTIAL["client_id"], CONFIDENTIAL["client_secret"], scope=scope, redirect_uri=RP_CALLBACK
    )
    verifier, nonce = generate_token(48), generate_token(16)
    url, _ = rp.create_authorization_url(
        live_server + "/authorize",
        nonce=nonce,
        code_challenge=create_s256_code_challenge(verifier),
        code_challenge_method="S256",
        **params,
    )
    back = Person(live_server).sign_in(url, account["email"], account["password"], RP_CALLBACK)
    token = rp.fetch_token(live_server + "/token", code=redirect_params(back)["code"], code_verifier=verifier)
    keys = KeySet.import_key_set(requests.get(live_server + "/jwks.json", timeout=5).json())
    return rp, jwt.decode(token["id_token"], keys).claims


def _with_consents(app, make_account):
    account = make_account()
    with app.app_context():
        for kind, granted in (("pd_law_152", True), ("pd_processing", True), ("mailing", False)):
            record(account["id"], kind, "2026-01", granted, ip_address="198.51.100.7", user_agent="test")
        db.session.commit()
    return account


def test_scope_consents_in_userinfo(app, live_server, make_account):
    account = _with_consents(app, make_account)
    rp, _ = _sign_in_and_exchange(live_server, account, "openid consents")
    consents = rp.get(live_server + "/userinfo").json()["consents"]
    assert set(consents) == {"pd_law_152", "pd_processing", "mailing"}
    assert all(set(entry) == DOCUMENTED_KEYS for entry in consents.values())
    assert consents["mailing"]["granted"] is False
    assert consents["pd_law_152"] == {
        "granted": True,
        "version": "2026-01",
        "at": consents["pd_law_152"]["at"],
        "channel": "web",
    }
    assert isinstance(consents["pd_law_152"]["at"], int)


def test_claims_parameter_puts_consents_in_the_id_token(app, live_server, make_account):
    account = _with_consents(app, make_account)
    _, id_token = _sign_in_and_exchange(
        live_server, account, "openid", claims=json.dumps({"id_token": {"consents": None}})
    )
    assert set(id_token["consents"]) == {"pd_law_152", "pd_processing", "mailing"}
    assert id_token["consents"]["pd_processing"]["granted"] is True


def test_discovery_advertises_the_scope_and_claim(live_server):
    meta = requests.get(live_server + "/.well-known/openid-configuration", timeout=5).json()
    assert "consents" in meta["scopes_supported"]
    assert "consents" in meta["claims_supported"]
    assert meta["claims_parameter_supported"] is True
