"""Fixtures for consents: signed-in browsers, recorded registrations, a newer published text."""

from __future__ import annotations

import base64
import re
import shutil
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest

from consent import catalogue
from idp.clock import clock, utcnow
from idp.db import db
from tests.conftest import CONFIDENTIAL, RP_CALLBACK

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    return CSRF.search(html).group(1)


def post_form(client, page_url: str, action_url: str, data: dict, **kwargs):
    """Submit a form the way a browser does: load the page, send its csrf_token back."""
    token = csrf_of(client.get(page_url, headers={"User-Agent": BROWSER}).get_data(as_text=True))
    return client.post(
        action_url, data={"csrf_token": token, **data}, headers={"User-Agent": BROWSER}, **kwargs
    )


def sign_in(client, account, ia: str | None = None):
    data = {"login": account["email"], "password": account["password"]}
    if ia:
        data["ia"] = ia
    response = post_form(client, "/login", "/login", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


@pytest.fixture
def registered(app, make_account):
    """An activated account whose registration recorded all three consents (version 2026-01, on the web)."""
    from consent.records import record

    def make(**fields):
        account = make_account(**fields)
        with app.app_context():
            for kind in ("pd_law_152", "pd_processing", "mailing"):
                record(
                    account["id"],
                    kind,
                    "2026-01",
                    True,
                    channel="web",
                    ip_address="203.0.113.7",
                    user_agent=BROWSER,
                )
            db.session.commit()
        return account

    return make


@pytest.fixture
def publish_version(monkeypatch, tmp_path):
    """Publish a new version of a text, effective `in_seconds` from now on the test clock."""

    def publish(kind: str, version: str, text: str, in_seconds: float = 0) -> catalogue.Version:
        directory = tmp_path / "texts"
        if not directory.exists():
            shutil.copytree(catalogue.TEXTS_DIR, directory)
        effective = (utcnow() + timedelta(seconds=in_seconds)).astimezone(UTC).replace(microsecond=0)
        (directory / kind / f"{version}.txt").write_text(text, encoding="utf-8")
        with open(directory / "catalogue.toml", "a", encoding="utf-8") as fh:
            fh.write(f'\n[[{kind}.versions]]\nid = "{version}"\neffective = {effective.isoformat()}\n')
        monkeypatch.setattr(catalogue, "CATALOGUE", catalogue.Catalogue.load(directory))
        return catalogue.version(kind, version)

    return publish


def authorize_url(scope="openid consents", **extra) -> str:
    from urllib.parse import urlencode

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
