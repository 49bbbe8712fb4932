"""A relying party's view of the provider over plain HTTP, and the authorization request it starts."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from authlib.common.security import generate_token
from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from tests.support.browserless import Person, redirect_params
from tests.support.config import CONFIDENTIAL, RP_CALLBACK


class Flow:
    """One relying party's view of the provider, speaking plain HTTP."""

    def __init__(self, base: str, account: dict) -> None:
        self.base = base
        self.account = account
        self.person = Person(base)
        self.verifier = generate_token(48)

    def authorize_url(self, client_id=CONFIDENTIAL["client_id"], **params) -> str:
        query = {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": RP_CALLBACK,
            "scope": "openid profile email phone",
            "state": "st-" + generate_token(8),
            "nonce": generate_token(12),
            "code_challenge": create_s256_code_challenge(self.verifier),
            "code_challenge_method": "S256",
        }
        query.update(params)
        return add_params_to_uri(self.base + "/authorize", {k: v for k, v in query.items() if v is not None})

    def code(self, **params) -> str:
        back = self.person.sign_in(
            self.authorize_url(**params), self.account["email"], self.account["password"], RP_CALLBACK
        )
        return redirect_params(back)["code"]

    def exchange(self, code: str, secret=CONFIDENTIAL["client_secret"], verifier=None, **extra):
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": RP_CALLBACK,
            "code_verifier": verifier or self.verifier,
            **extra,
        }
        return self.person.http.post(
            self.base + "/token", data=data, auth=(CONFIDENTIAL["client_id"], secret), timeout=10
        )

    def refresh(self, refresh_token: str):
        return self.person.http.post(
            self.base + "/token",
            data={"grant_type": "refresh_token", "refresh_token": refresh_token},
            auth=(CONFIDENTIAL["client_id"], CONFIDENTIAL["client_secret"]),
            timeout=10,
        )

    def userinfo(self, access_token: str):
        return self.person.http.get(
            self.base + "/userinfo", headers={"Authorization": f"Bearer {access_token}"}, timeout=10
        )


def code_flow(base: str, account: dict) -> dict:
    """Sign in through the authorization endpoint and exchange the code: the token response."""
    flow = Flow(base, account)
    response = flow.exchange(flow.code())
    assert response.status_code == 200, response.text
    return response.json()


def start_authorization(client, **extra) -> str:
    """A relying party sends the person here; returns the paused request's ia."""
    query = {
        "client_id": CONFIDENTIAL["client_id"],
        "response_type": "code",
        "scope": "openid email",
        "redirect_uri": RP_CALLBACK,
        "state": "s1",
        "nonce": "n1",
        **extra,
    }
    response = client.get("/authorize", query_string=query)
    assert response.status_code == 302
    return parse_qs(urlparse(response.headers["Location"]).query)["ia"][0]
