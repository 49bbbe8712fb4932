"""Security headers on every page, lean ones on the protocol endpoints, the cookie and CSRF rules."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.pages import csrf_token, post_form

PAGE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def _get_routes(app) -> list[str]:
    """Every GET route of the app, its path parameters filled with a made-up value."""
    paths = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        paths.append(re.sub(r"<(?:[^:>]+:)?[^>]+>", "made-up-value", rule.rule))
    return sorted(set(paths))


def _assert_page_headers(response, path):
    for name, value in PAGE_HEADERS.items():
        assert response.headers.get(name) == value, (path, name)
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy, path
    assert "default-src 'none'" in policy and "unsafe-inline" not in policy, path


def test_every_page_route_carries_the_page_headers(app, client):
    html_routes = 0
    for path in _get_routes(app):
        if path in {"/demo/login", "/demo/callback"}:
            continue  # the demo relying party calls us over HTTP; its own pages are checked below
        response = client.get(path)
        assert response.status_code < 500, path
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
        if response.mimetype == "text/html":
            html_routes += 1
            _assert_page_headers(response, path)
    assert html_routes >= 10


def test_error_pages_and_redirects_carry_them_too(client):
    _assert_page_headers(client.get("/no-such-page"), "404")
    _assert_page_headers(client.get("/demo/callback"), "/demo/callback")
    assert client.get("/stepup").status_code == 302
    _assert_page_headers(client.get("/stepup"), "/stepup")


def test_no_template_has_inline_script_or_style(app):
    templates = Path(app.template_folder)
    for page in templates.rglob("*.html"):
        if page.parent.name == "email":
            continue  # mail clients, not browsers on our origin
        source = page.read_text()
        assert "<script" not in source and "<style" not in source and "style=" not in source, page
        assert not re.search(r"\son[a-z]+=", source), page


def test_protocol_endpoints_stay_lean(client):
    response = client.post("/token", data={"grant_type": "authorization_code"})
    assert response.status_code in {400, 401}
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" not in response.headers
    assert "Strict-Transport-Security" not in response.headers  # development


def test_production_adds_hsts_and_the_host_prefixed_cookie(production_app):
    client = production_app.test_client()
    page = client.get("/login", base_url="https://lk.example.ru")
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    cookie = page.headers["Set-Cookie"]
    assert cookie.startswith("__Host-lk_session=")
    assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie
    token = client.post("/token", base_url="https://lk.example.ru", data={})
    assert token.headers["Strict-Transport-Security"].startswith("max-age=")


@pytest.mark.parametrize("path", ["/login", "/register", "/password/forgot"])
def test_pages_cannot_be_framed(client, path):
    assert "frame-ancestors 'none'" in client.get(path).headers["Content-Security-Policy"]


def test_csrf_token_is_rotated_at_sign_in(client, make_account):
    account = make_account()
    before = csrf_token(client, "/login")
    response = client.post(
        "/login", data={"csrf_token": before, "login": account["email"], "password": account["password"]}
    )
    assert response.status_code == 302
    after = csrf_token(client, "/account")
    assert after != before
    # the token read before sign-in no longer passes
    stale = client.post("/logout", data={"csrf_token": before, "confirm": "1"})
    assert "/login" not in stale.headers.get("Location", "")
    assert post_form(client, "/account", "/logout", {"confirm": "1"}).status_code == 302
