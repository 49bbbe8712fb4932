"""A relying party's sign-in and code exchange through the Flask test client."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from urllib.parse import parse_qs, urlparse

from tests.conftest import CONFIDENTIAL, RP_CALLBACK


def csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(client, login: str, password: str, ia: str | None = None):
    page = client.get("/login", query_string={"ia": ia} if ia else None)
    form = {"csrf_token": csrf_token(page.get_data(as_text=True)), "login": login, "password": password}
    if ia:
        form["ia"] = ia
    return client.post("/login", data=form)


def code_flow(client, account) -> dict:
    """Authorize, sign in with the password, exchange the code; returns the token response."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    start = client.get(
        "/authorize",
        query_string={
            "response_type": "code",
            "client_id": CONFIDENTIAL["client_id"],
            "redirect_uri": RP_CALLBACK,
            "scope": "openid email",
            "state": "st-" + secrets.token_hex(4),
            "nonce": "nn-" + secrets.token_hex(4),
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    )
    assert start.status_code == 302, start.get_data(as_text=True)
    ia = parse_qs(urlparse(start.location).query)["ia"][0]
    signed_in = sign_in(client, account["email"], account["password"], ia)
    assert signed_in.status_code == 302
    resumed = client.get(signed_in.location)
    assert resumed.status_code == 302 and resumed.location.startswith(RP_CALLBACK), resumed.location
    code = parse_qs(urlparse(resumed.location).query)["code"][0]
    token = client.post(
        "/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": RP_CALLBACK,
            "code_verifier": verifier,
        },
        auth=(CONFIDENTIAL["client_id"], CONFIDENTIAL["client_secret"]),
    )
    assert token.status_code == 200, token.get_data(as_text=True)
    return token.json
