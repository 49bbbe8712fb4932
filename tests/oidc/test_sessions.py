"""Tokens belong to their session: two relying parties signed in with one password in one
browser, then the session ends. Relying parties are Authlib's client over HTTP; the
logout tokens they receive on their back-channel endpoints are checked with pyoidc."""

from __future__ import annotations

import json
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests
from joserfc import jws
from oic.oic.message import BackChannelLogoutRequest
from oic.utils.keyio import KeyJar

from idp.clock import clock, utcnow
from idp.sessions import records, sso_session
from tests.support.browserless import Person, redirect_params
from tests.support.config import PORTAL, SITE
from tests.support.relying_party import RelyingParty


@pytest.fixture
def site(live_server):
    return RelyingParty(live_server, SITE["client_id"], SITE["client_secret"], SITE["callback"])


@pytest.fixture
def portal(live_server):
    return RelyingParty(live_server, PORTAL["client_id"], PORTAL["client_secret"], PORTAL["callback"])


def sign_in_both(person, account, site, portal, **site_params):
    """The site asks for the password; the portal then gets its code without asking."""
    site_tokens = site.tokens(site.sign_in(person, account, **site_params)["code"])
    answer = person.get(portal.authorize_url())
    assert answer.headers["Location"].startswith(portal.callback), "the portal asked for a password again"
    portal_tokens = portal.tokens(redirect_params(answer)["code"])
    return site_tokens, portal_tokens


def log_out(person, rp, tokens):
    """RP-initiated logout with the id_token_hint."""
    answer = person.get(rp.meta["end_session_endpoint"], params={"id_token_hint": tokens["id_token"]})
    assert answer.status_code == 302


def test_one_password_for_both_and_one_sid(live_server, site, portal, make_account):
    person = Person(live_server)
    site_tokens, portal_tokens = sign_in_both(person, make_account(), site, portal)
    site_sid = site.id_token_claims(site_tokens["id_token"])["sid"]
    assert portal.id_token_claims(portal_tokens["id_token"])["sid"] == site_sid


def verified_logout_token(rp, form: dict) -> dict:
    """What a relying party using pyoidc checks: signature against the JWKS, iss, aud,
    the event, no nonce; and the explicit type (Back-Channel Logout 1.0 §2.4)."""
    request = BackChannelLogoutRequest(logout_token=form["logout_token"])
    keyjar = KeyJar()
    keyjar.add(rp.meta["issuer"], rp.meta["jwks_uri"])
    pyoidc_log = logging.getLogger("oic.oic.message")
    pyoidc_log.propagate = False  # it logs the verified token: the relying party's log, not ours
    try:
        assert request.verify(keyjar=keyjar, aud=rp.client_id, iss=rp.meta["issuer"])
    finally:
        pyoidc_log.propagate = True
    assert jws.extract_compact(form["logout_token"].encode()).protected["typ"] == "logout+jwt"
    return request["logout_token"].to_dict()


def test_logout_at_one_ends_the_session_at_both(
    live_server, site, portal, make_account, logout_endpoints, deliver
):
    person = Person(live_server)
    account = make_account()
    site_tokens, portal_tokens = sign_in_both(person, account, site, portal)
    sid = site.id_token_claims(site_tokens["id_token"])["sid"]
    log_out(person, site, site_tokens)
    assert deliver() == 2
    for rp, name in ((site, "site"), (portal, "portal")):
        [form] = logout_endpoints.received(name)
        claims = verified_logout_token(rp, form)
        assert (claims["sid"], claims["sub"], claims["aud"]) == (sid, account["sub"], [rp.client_id])
        assert "nonce" not in claims and claims["exp"] > claims["iat"]
        assert json.loads(claims["events"]) == {"http://schemas.openid.net/event/backchannel-logout": {}}
    assert redirect_params(person.get(portal.authorize_url(prompt="none")))["error"] == "login_required"
    for rp, tokens in ((site, site_tokens), (portal, portal_tokens)):
        assert rp.refresh(tokens["refresh_token"]).json()["error"] == "invalid_grant"
        bearer = {"Authorization": "Bearer " + tokens["access_token"]}
        assert requests.get(rp.meta["userinfo_endpoint"], headers=bearer, timeout=5).status_code == 401
    assert deliver() == 0  # each relying party is told once


def test_a_session_whose_lifetime_ran_out_ends_at_both_as_a_logout_would(
    app, live_server, site, portal, make_account, logout_endpoints, deliver
):
    person = Person(live_server)
    account = make_account()
    site_tokens, portal_tokens = sign_in_both(person, account, site, portal)
    sid = site.id_token_claims(site_tokens["id_token"])["sid"]
    with app.app_context():
        assert sso_session.end_expired() == 0  # alive
    clock.advance(app.extensions["idp"].settings.session_ttl - 5)
    with app.app_context():
        assert sso_session.end_expired() == 0  # in its last seconds
    clock.advance(5 + records.EXPIRY_BUCKET)  # its minute is wholly past
    with app.app_context():
        assert sso_session.end_expired() == 1
        assert sso_session.end_expired() == 0  # ended once
    queued_at = utcnow()
    clock.reset()  # the logout tokens are signed now: pyoidc checks their iat against its own clock
    assert deliver(queued_at) == 2
    for rp, name in ((site, "site"), (portal, "portal")):
        [form] = logout_endpoints.received(name)
        claims = verified_logout_token(rp, form)
        assert (claims["sid"], claims["sub"]) == (sid, account["sub"])
    for rp, tokens in ((site, site_tokens), (portal, portal_tokens)):
        assert rp.refresh(tokens["refresh_token"]).json()["error"] == "invalid_grant"
    assert "/login" in person.get(portal.authorize_url()).headers["Location"]


def test_a_session_logged_out_before_its_end_is_not_ended_again(
    app, live_server, site, make_account, logout_endpoints, deliver
):
    person = Person(live_server)
    tokens = site.tokens(site.sign_in(person, make_account())["code"])
    log_out(person, site, tokens)
    assert deliver() == 1
    clock.advance(app.extensions["idp"].settings.session_ttl + records.EXPIRY_BUCKET)
    with app.app_context():
        assert sso_session.end_expired() == 0
    assert deliver() == 0
    assert len(logout_endpoints.received("site")) == 1


def test_the_sweep_takes_each_expired_session_once_among_sweepers(app, live_server, site, make_account):
    for _ in range(6):
        site.sign_in(Person(live_server), make_account())
    clock.advance(app.extensions["idp"].settings.session_ttl + records.EXPIRY_BUCKET)
    store = app.extensions["idp"].store
    with ThreadPoolExecutor(4) as sweepers:
        taken = list(sweepers.map(lambda _: records.take_expired(store, clock.time()), range(4)))
    sids = [sso.sid for batch in taken for sso, _ in batch]
    assert len(sids) == len(set(sids)) == 6


def test_a_failed_logout_delivery_is_retried(live_server, site, make_account, logout_endpoints, deliver):
    person = Person(live_server)
    tokens = site.tokens(site.sign_in(person, make_account())["code"])
    logout_endpoints.status = 503
    log_out(person, site, tokens)
    assert deliver() == 0
    logout_endpoints.status = 200
    assert deliver(utcnow() + timedelta(hours=1)) == 1
    assert len(logout_endpoints.received("site")) == 2


def test_offline_access_outlives_the_session(live_server, site, portal, make_account):
    person = Person(live_server)
    site_tokens, _ = sign_in_both(person, make_account(), site, portal, scope="openid offline_access")
    assert "offline_access" in site_tokens["scope"].split()
    log_out(person, site, site_tokens)
    refreshed = site.refresh(site_tokens["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text
    assert refreshed.json()["refresh_token"]


def test_offline_access_only_for_a_client_allowed_to_ask(live_server, portal, make_account):
    person = Person(live_server)
    tokens = portal.tokens(portal.sign_in(person, make_account(), scope="openid offline_access")["code"])
    assert "offline_access" not in tokens["scope"].split()
    person.http.cookies.clear()  # the browser is gone; the session ends when it expires
    clock.advance(12 * 3600 + 1)
    assert portal.refresh(tokens["refresh_token"]).json()["error"] == "invalid_grant"


def test_a_session_record_keeps_its_facts(app, live_server, site, make_account):
    person = Person(live_server)
    account = make_account()
    site.tokens(site.sign_in(person, account)["code"])
    with app.app_context():
        [record] = records.of_account(app.extensions["idp"].store, account["id"], clock.time())
    assert record.clients == [SITE["client_id"]]
    assert record.amr == ["pwd"] and record.proven_at["pwd"] == record.auth_time
    assert record.user_agent.startswith("python-requests")
