"""PostgreSQL out of reach (a cut proxy between the app and the server): a clean 503 on pages
and protocol endpoints, nothing half-written, and service again by itself once it is back."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import time
from urllib.parse import urlencode

import pytest
from sqlalchemy import text as sql

from flows.delivery.outbox import OutboxMessage
from idp.clock import clock
from idp.db import db
from idp.models import Account
from idp.serving.asgi_bridge import FlaskOnAsgi
from tests.support import loop
from tests.support.asgi import call_on_loop, scope
from tests.support.config import CONFIDENTIAL
from tests.support.oidc import Flow
from tests.support.pages import csrf_token, post_form, text
from tests.support.registration import PERSON

pytestmark = pytest.mark.services


@pytest.fixture
def cut_database(backend, tcp_proxy, make_app):
    proxy = tcp_proxy(backend.database_url)
    return proxy, make_app(database_url=proxy.url(backend.database_url))


def _until(condition, timeout=20.0):
    """Poll a real server coming back (not the project clock)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_pages_and_protocol_endpoints_answer_503_and_recover(cut_database, make_account, app):
    proxy, cut_app = cut_database
    account = make_account()
    client = cut_app.test_client()
    login = {"login": account["email"], "password": account["password"]}
    assert post_form(client, "/login", "/login", login).status_code == 302

    token = csrf_token(client, "/register")
    proxy.cut()
    page = client.post("/register", data={**PERSON, "csrf_token": token})
    assert page.status_code == 503
    assert page.headers["Retry-After"]
    assert "Сервис временно недоступен" in text(page)
    refresh = client.post(
        "/token",
        data={"grant_type": "refresh_token", "refresh_token": "x" * 43},
        auth=(CONFIDENTIAL["client_id"], CONFIDENTIAL["client_secret"]),
    )
    assert refresh.status_code == 503
    assert refresh.json["error"] == "temporarily_unavailable"
    assert refresh.headers["Retry-After"]
    assert client.get("/readyz").status_code == 503
    with app.app_context():  # nothing half-written
        assert Account.query.filter_by(email=PERSON["email"]).count() == 0
        assert OutboxMessage.query.filter_by(channel="sms").count() == 0

    proxy.restore()

    def signs_in() -> bool:
        fresh = cut_app.test_client()
        return post_form(fresh, "/login", "/login", login).status_code == 302

    assert _until(signs_in)
    clock.advance(61)  # the refused registration had started its phone's cooldown
    assert post_form(client, "/register", "/register", PERSON).status_code == 302


def test_the_token_endpoint_on_the_event_loop_answers_503_and_recovers(
    cut_database, live_server, make_account
):
    """On PostgreSQL the token endpoint runs on the ASGI worker's loop, with connections of its own."""
    proxy, cut_app = cut_database
    flow = Flow(live_server, make_account())
    refresh_tokens = [flow.exchange(flow.code()).json()["refresh_token"] for _ in range(3)]
    bridge = FlaskOnAsgi(cut_app, threads=1)
    basic = base64.b64encode(f"{CONFIDENTIAL['client_id']}:{CONFIDENTIAL['client_secret']}".encode()).decode()
    form_type = ("content-type", "application/x-www-form-urlencoded")
    token_request = scope("POST", "/token", headers=[form_type, ("authorization", f"Basic {basic}")])
    form = {"grant_type": "refresh_token"}

    async def refresh(token: str) -> tuple[int, dict, dict]:
        body = urlencode({**form, "refresh_token": token}).encode()
        status, headers, answer = await call_on_loop(bridge, token_request, [body])
        return status, headers, json.loads(answer)

    async def outage():
        before = await refresh(refresh_tokens[0])  # the loop's connection is made and used
        proxy.cut()
        during = await refresh(refresh_tokens[1])
        proxy.restore()
        deadline = time.monotonic() + 20
        while (after := await refresh(refresh_tokens[2]))[0] == 503 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        return before, during, after

    try:
        before, during, after = loop.run(outage())
    finally:
        bridge.shutdown()
    assert before[0] == 200
    status, headers, answer = during
    assert (status, answer["error"]) == (503, "temporarily_unavailable")
    assert headers["retry-after"] and headers["cache-control"] == "no-store"
    assert after[0] == 200 and "refresh_token" in after[2]
    assert flow.refresh(refresh_tokens[1]).status_code == 200  # the refused rotation wrote nothing


def test_a_failed_query_is_logged_without_its_parameters(cut_database, caplog):
    _, cut_app = cut_database
    secret = "parameter-that-must-not-be-logged"

    @cut_app.get("/test-failing-query")
    def failing_query():
        db.session.execute(sql("SELECT no_such_column FROM account WHERE email = :email"), {"email": secret})

    with caplog.at_level(logging.ERROR):
        response = cut_app.test_client().get("/test-failing-query")
    assert response.status_code == 500
    assert caplog.records, "the failure is logged"
    logged = "\n".join(
        r.getMessage() + (logging.Formatter().formatException(r.exc_info) if r.exc_info else "")
        for r in caplog.records
    )
    assert "no_such_column" in logged and secret not in logged
