"""The signed-in person's pages open only for a live cabinet; too many attempts get one answer."""

from __future__ import annotations

import pytest

from idp.clock import utcnow
from idp.db import db
from idp.models import Account
from idp.store.ratelimit import RateLimited
from tests.support.pages import post_form, text

PAGES = ["/account", "/password/change", "/stepup", "/consents/update", "/account/close?kind=pd_processing"]


def close_cabinet(app, account_id: int) -> None:
    with app.app_context():
        db.session.get(Account, account_id).closed_at = utcnow()
        db.session.commit()


@pytest.mark.parametrize("page", PAGES)
def test_a_closed_cabinet_with_a_live_session_is_sent_away(app, client, make_account, sign_in, page):
    person = make_account()
    assert sign_in(person["email"], person["password"]).status_code == 302
    assert client.get("/account").status_code == 200  # the session is live
    close_cabinet(app, person["id"])
    response = client.get(page)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_an_expired_cabinet_with_a_live_session_is_sent_away_from_the_account_page(
    app, client, register, sign_in, outbox
):
    register()
    assert sign_in("anna@example.ru", outbox.sms_code()).status_code == 302
    assert client.get("/account").status_code == 200
    with app.app_context():
        account = Account.query.filter_by(email="anna@example.ru").one()
        account.activation_deadline = utcnow()
        db.session.commit()
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_too_many_attempts_say_when_to_try_again(app, client):
    limit = app.extensions["idp"].settings.login_attempts_per_window
    for _ in range(limit):
        post_form(client, "/login", "/login", {"login": "nobody@example.ru", "password": "wrong"})
    response = post_form(client, "/login", "/login", {"login": "nobody@example.ru", "password": "wrong"})
    assert response.status_code == 429
    window = app.extensions["idp"].settings.login_attempt_window
    assert 0 < int(response.headers["Retry-After"]) <= window
    assert "Слишком много попыток. Повторите через" in text(response)


def test_a_protocol_endpoint_answers_too_many_attempts_with_the_oauth_error(app):
    with app.test_request_context("/token", method="POST"):
        response = app.make_response(app.handle_user_exception(RateLimited(42)))
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "42"
    assert response.get_json()["error"] == "temporarily_unavailable"
