"""PostgreSQL out of reach (a cut proxy between the app and the server): a clean 503 on pages
and protocol endpoints, nothing half-written, and service again by itself once it is back."""

from __future__ import annotations

import logging
import time

import pytest
from sqlalchemy import text as sql

from flows.delivery.outbox import OutboxMessage
from idp.clock import clock
from idp.db import db
from idp.models import Account
from tests.support.config import CONFIDENTIAL
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
