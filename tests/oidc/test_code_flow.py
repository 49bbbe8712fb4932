"""The whole code flow over real HTTP, with Authlib's OAuth client as the relying party."""

from __future__ import annotations

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.core.util import create_half_hash
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.support.browserless import Person, redirect_params
from tests.support.config import CONFIDENTIAL, RP_CALLBACK, RP_LOGOUT


@pytest.fixture
def rp(live_server):
    meta = requests.get(live_server + "/.well-known/openid-configuration", timeout=5).json()
    session = OAuth2Session(
        CONFIDENTIAL["client_id"],
        CONFIDENTIAL["client_secret"],
        scope="openid profile email phone",
        redirect_uri=RP_CALLBACK,
        token_endpoint_auth_method="client_secret_basic",
    )
    return meta, session


def verify_id_token(meta, id_token, nonce, access_token):
    keys = KeySet.import_key_set(requests.get(meta["jwks_uri"], timeout=5).json())
    decoded = jwt.decode(id_token, keys, algorithms=["RS256"])
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": meta["issuer"]},
        aud={"essential": True, "value": CONFIDENTIAL["client_id"]},
        nonce={"essential": True, "value": nonce},
        exp={"essential": True},
        auth_time={"essential": True},
    ).validate(decoded.claims)
    assert decoded.claims["at_hash"] == create_half_hash(access_token, "RS256").decode()
    return decoded.claims


def test_code_flow_end_to_end(live_server, rp, make_account):
    meta, session = rp
    account = make_account()
    person = Person(live_server)
    state, nonce, verifier = generate_token(16), generate_token(16), generate_token(48)
    url, _ = session.create_authorization_url(
        meta["authorization_endpoint"],
        state=state,
        nonce=nonce,
        code_challenge=create_s256_code_challenge(verifier),
        code_challenge_method="S256",
    )

    back = person.sign_in(url, account["email"], account["password"], RP_CALLBACK)
    params = redirect_params(back)
    assert params["state"] == state
    assert params["iss"] == meta["issuer"]

    token = session.fetch_token(meta["token_endpoint"], code=params["code"], code_verifier=verifier)
    claims = verify_id_token(meta, token["id_token"], nonce, token["access_token"])
    assert claims["sub"] == account["sub"]
    assert claims["email"] == account["email"]
    assert claims["amr"] == ["pwd"]
    assert claims["sid"]

    userinfo = session.get(meta["userinfo_endpoint"]).json()
    assert userinfo["sub"] == account["sub"]
    assert userinfo["family_name"] == "Иванова"
    assert userinfo["middle_name"] == "Петровна"
    assert userinfo["phone_number"] == account["phone"]
    assert userinfo["phone_number_verified"] is True

    refreshed = session.refresh_token(meta["token_endpoint"], refresh_token=token["refresh_token"])
    assert refreshed["refresh_token"] != token["refresh_token"]
    refreshed_claims = jwt.decode(
        refreshed["id_token"], KeySet.import_key_set(requests.get(meta["jwks_uri"], timeout=5).json())
    ).claims
    assert refreshed_claims["auth_time"] == claims["auth_time"]

    session.revoke_token(meta["revocation_endpoint"], refreshed["access_token"])
    assert session.get(meta["userinfo_endpoint"]).status_code == 401

    logout = person.get(
        meta["end_session_endpoint"],
        params={"id_token_hint": token["id_token"], "post_logout_redirect_uri": RP_LOGOUT, "state": "bye"},
    )
    assert logout.status_code == 302
    assert logout.headers["Location"] == RP_LOGOUT + "?state=bye"
    again = person.get(url)
    assert again.status_code == 302 and "/login" in again.headers["Location"]
