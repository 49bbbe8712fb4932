"""Introspection (RFC 7662) for confidential clients; cookie and password storage facts."""

from __future__ import annotations

import requests

from idp.models import Account
from tests.support.config import CONFIDENTIAL, PUBLIC


def introspect(flow, token, auth=(CONFIDENTIAL["client_id"], CONFIDENTIAL["client_secret"]), **extra):
    return requests.post(flow.base + "/introspect", data={"token": token, **extra}, auth=auth, timeout=10)


def test_active_access_and_refresh_tokens(flow):
    tokens = flow.exchange(flow.code()).json()
    access = introspect(flow, tokens["access_token"]).json()
    assert access["active"] is True
    assert access["sub"] == flow.account["sub"]
    assert access["client_id"] == CONFIDENTIAL["client_id"]
    assert set(access["scope"].split()) == {"openid", "profile", "email", "phone"}
    refresh = introspect(flow, tokens["refresh_token"], token_type_hint="refresh_token").json()
    assert refresh["active"] is True


def test_revoked_and_unknown_tokens_are_inactive(flow):
    tokens = flow.exchange(flow.code()).json()
    revoked = requests.post(
        flow.base + "/revoke",
        data={"token": tokens["refresh_token"], "token_type_hint": "refresh_token"},
        auth=(CONFIDENTIAL["client_id"], CONFIDENTIAL["client_secret"]),
        timeout=10,
    )
    assert revoked.status_code == 200
    assert introspect(flow, tokens["refresh_token"]).json() == {"active": False}
    assert introspect(flow, tokens["access_token"]).json() == {"active": False}
    assert introspect(flow, "garbage").json() == {"active": False}


def test_public_clients_cannot_introspect(flow):
    response = requests.post(
        flow.base + "/introspect", data={"token": "x", "client_id": PUBLIC["client_id"]}, timeout=10
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_session_cookie_flags_and_argon2id(flow, app):
    flow.code()
    cookie = next(c for c in flow.person.http.cookies if c.name == "lk_session")
    assert cookie.has_nonstandard_attr("HttpOnly")
    with app.app_context():
        stored = Account.query.filter_by(sub=flow.account["sub"]).one().password_hash
    assert stored.startswith("$argon2id$")
