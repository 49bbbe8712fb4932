"""The same code flow with a second, independent relying-party library: pyoidc (`oic`)."""

from __future__ import annotations

from oic import rndstr
from oic.oic import Client
from oic.oic.message import AccessTokenResponse, AuthorizationResponse, OpenIDSchema
from oic.utils.authn.client import CLIENT_AUTHN_METHOD

from tests.support.browserless import Person
from tests.support.config import CONFIDENTIAL, RP_CALLBACK


def test_pyoidc_relying_party(live_server, make_account):
    account = make_account()
    rp = Client(client_authn_method=CLIENT_AUTHN_METHOD)
    rp.provider_config(live_server)
    rp.store_registration_info(
        {
            "client_id": CONFIDENTIAL["client_id"],
            "client_secret": CONFIDENTIAL["client_secret"],
            "redirect_uris": [RP_CALLBACK],
        }
    )
    state, nonce = rndstr(), rndstr()
    pkce_args, verifier = rp.add_code_challenge()
    request = rp.construct_AuthorizationRequest(
        request_args={
            "client_id": CONFIDENTIAL["client_id"],
            "response_type": "code",
            "scope": ["openid", "email", "profile"],
            "nonce": nonce,
            "redirect_uri": RP_CALLBACK,
            "state": state,
            **pkce_args,
        }
    )
    url = request.request(rp.authorization_endpoint)

    back = Person(live_server).sign_in(url, account["email"], account["password"], RP_CALLBACK)
    response = rp.parse_response(
        AuthorizationResponse, info=back.headers["Location"].split("?", 1)[1], sformat="urlencoded"
    )
    assert response["state"] == state
    assert response["iss"] == live_server

    tokens = rp.do_access_token_request(
        state=state,
        request_args={"code": response["code"], "redirect_uri": RP_CALLBACK, "code_verifier": verifier},
        authn_method="client_secret_basic",
    )
    assert isinstance(tokens, AccessTokenResponse)
    id_token = tokens["id_token"]  # pyoidc verified signature, iss, aud and at_hash
    assert id_token["sub"] == account["sub"]
    assert id_token["nonce"] == nonce

    userinfo = rp.do_user_info_request(state=state)
    assert isinstance(userinfo, OpenIDSchema), userinfo.to_dict()
    assert userinfo["email"] == account["email"]
    assert userinfo["given_name"] == "Мария"
