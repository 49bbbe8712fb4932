"""The consent tests' browser: a known User-Agent (it is kept as evidence), sign-in, the code flow."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlencode, urlparse

from idp.clock import clock
from tests.support import pages
from tests.support.config import CONFIDENTIAL, RP_CALLBACK

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"
csrf_of = pages.csrf_of


def post_form(client, page_url: str, action_url: str, data: dict, **kwargs):
    """Submit a form the way a browser does, with the browser's User-Agent."""
    return pages.post_form(client, page_url, action_url, data, headers={"User-Agent": BROWSER}, **kwargs)


def sign_in(client, account, ia: str | None = None):
    data = {"login": account["email"], "password": account["password"]}
    if ia:
        data["ia"] = ia
    response = post_form(client, "/login", "/login", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def authorize_url(scope="openid consents", **extra) -> str:
    params = {
        "client_id": CONFIDENTIAL["client_id"],
        "response_type": "code",
        "scope": scope,
        "redirect_uri": RP_CALLBACK,
        "state": "st-1",
        "nonce": "n-1",
        **extra,
    }
    return "/authorize?" + urlencode(params)


def follow_to_callback(client, response, limit=10):
    """Follow the provider's redirects until it answers the relying party; the callback's query."""
    for _ in range(limit):
        assert response.status_code in (302, 303), response.get_data(as_text=True)
        location = response.headers["Location"]
        if location.startswith(RP_CALLBACK):
            return {k: v[0] for k, v in parse_qs(urlparse(location).query).items()}
        response = client.get(location, headers={"User-Agent": BROWSER})
    raise AssertionError("no answer to the relying party")


def exchange_code(client, code: str) -> dict:
    basic = base64.b64encode(f"{CONFIDENTIAL['client_id']}:{CONFIDENTIAL['client_secret']}".encode()).decode()
    response = client.post(
        "/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": RP_CALLBACK},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def at(seconds_from_now: float = 0) -> datetime:
    return datetime.fromtimestamp(clock.time() + seconds_from_now, tz=UTC)
