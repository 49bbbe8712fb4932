"""Redis gone: people get a Russian message, relying parties a standard error; nothing crashes."""

from __future__ import annotations

import re

import pytest

from idp.app import create_app
from tests.support.config import CONFIDENTIAL, make_settings
from tests.support.net import free_port


@pytest.fixture
def app_without_store(backend, server_port, clients_file, app):
    dead_redis = f"redis://127.0.0.1:{free_port()}/0"
    broken = create_app(make_settings(backend, server_port, clients_file, redis_url=dead_redis))
    return broken.test_client()


def test_sign_in_page_says_so_in_russian(app_without_store):
    page = app_without_store.get("/login")
    response = app_without_store.post(
        "/login", data={"login": "a@example.ru", "password": "x", "csrf_token": _csrf(page)}
    )
    assert response.status_code == 503
    assert "Сервис временно недоступен" in response.get_data(as_text=True)


def test_token_endpoint_answers_temporarily_unavailable(app_without_store):
    response = app_without_store.post(
        "/token",
        data={"grant_type": "authorization_code", "code": "x", "redirect_uri": "https://rp.example/cb"},
        auth=(CONFIDENTIAL["client_id"], CONFIDENTIAL["client_secret"]),
    )
    assert response.status_code == 503
    assert response.json["error"] == "temporarily_unavailable"


def test_userinfo_answers_temporarily_unavailable(app_without_store):
    response = app_without_store.get("/userinfo", headers={"Authorization": "Bearer " + "a" * 32 + ".b"})
    assert response.status_code == 503
    assert response.json["error"] == "temporarily_unavailable"


def _csrf(page):
    return re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
