"""Userinfo answers from the store's copy of the account, and that copy is never behind
a committed change: a relying party sees a new name, or a closed cabinet, at once."""

from __future__ import annotations

from idp.clock import utcnow
from idp.db import db
from idp.models import Account


def _tokens(flow) -> dict:
    response = flow.exchange(flow.code())
    assert response.status_code == 200
    return response.json()


def test_a_changed_name_is_in_the_next_userinfo(flow, app):
    access_token = _tokens(flow)["access_token"]
    assert flow.userinfo(access_token).json()["given_name"] == "Мария"  # now in the store
    with app.app_context():
        db.session.get(Account, flow.account["id"]).given_name = "Анна"
        db.session.commit()
    assert flow.userinfo(access_token).json()["given_name"] == "Анна"


def test_a_closed_cabinet_gets_no_userinfo_and_no_refresh(flow, app):
    tokens = _tokens(flow)
    assert flow.userinfo(tokens["access_token"]).status_code == 200
    with app.app_context():
        db.session.get(Account, flow.account["id"]).closed_at = utcnow()
        db.session.commit()
    refused = flow.userinfo(tokens["access_token"])
    assert refused.status_code == 401
    assert 'error="invalid_token"' in refused.headers["WWW-Authenticate"]
    assert flow.refresh(tokens["refresh_token"]).json()["error"] == "invalid_grant"
