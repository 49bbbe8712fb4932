"""A relying party as its developer writes one: Authlib's OAuth client over HTTP, ID tokens
verified against the provider's JWKS."""

from __future__ import annotations

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.jwk import KeySet

from idp.clock import clock
from tests.support.browserless import Person, redirect_params


class RelyingParty:
    def __init__(self, base: str, client_id: str, secret: str, callback: str, scope="openid profile") -> None:
        self.meta = requests.get(base + "/.well-known/openid-configuration", timeout=5).json()
        self.client_id = client_id
        self.secret = secret
        self.callback = callback
        self.session = OAuth2Session(
            client_id,
            secret,
            scope=scope,
            redirect_uri=callback,
            token_endpoint_auth_method="client_secret_basic",
        )
        self.verifier = generate_token(48)
        self.nonce = None
        self.state = None

    def authorize_url(self, **params) -> str:
        """A new authorization request (fresh state and nonce, PKCE S256 on this party's verifier)."""
        self.nonce, self.state = generate_token(16), generate_token(12)
        url, _ = self.session.create_authorization_url(
            self.meta["authorization_endpoint"],
            state=self.state,
            nonce=self.nonce,
            code_challenge=create_s256_code_challenge(self.verifier),
            code_challenge_method="S256",
            **params,
        )
        return url

    def sign_in(self, person: Person, account: dict, **params) -> dict:
        """The redirect back's parameters after the person signs in (if asked to)."""
        back = person.sign_in(
            self.authorize_url(**params), account["email"], account["password"], self.callback
        )
        return redirect_params(back)

    def tokens(self, code: str) -> dict:
        return self.session.fetch_token(
            self.meta["token_endpoint"], code=code, code_verifier=self.verifier, timeout=10
        )

    def refresh(self, refresh_token: str) -> requests.Response:
        """The raw answer, so that a test can read a refusal as well as new tokens."""
        return requests.post(
            self.meta["token_endpoint"],
            data={"grant_type": "refresh_token", "refresh_token": refresh_token},
            auth=(self.client_id, self.secret),
            timeout=10,
        )

    def keys(self) -> KeySet:
        return KeySet.import_key_set(requests.get(self.meta["jwks_uri"], timeout=5).json())

    def id_token_claims(self, id_token: str) -> dict:
        """Verified: signature against the JWKS, iss, aud, nonce, exp."""
        decoded = jwt.decode(id_token, self.keys(), algorithms=["RS256"])
        jwt.JWTClaimsRegistry(
            now=lambda: int(clock.time()),  # the provider's clock, which tests move
            iss={"essential": True, "value": self.meta["issuer"]},
            aud={"essential": True, "value": self.client_id},
            nonce={"essential": True, "value": self.nonce},
            exp={"essential": True},
        ).validate(decoded.claims)
        return decoded.claims
