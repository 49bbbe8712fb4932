"""The Flask app behind gunicorn's ASGI worker answers as it does under WSGI.

These drive idp.serving.asgi_bridge.FlaskOnAsgi with ASGI messages in this process;
tests/ops/test_gunicorn.py runs it under a real gunicorn.
"""

from __future__ import annotations

import pytest

from idp.serving.asgi_bridge import BODY_LIMIT, FlaskOnAsgi, wsgi_environ
from tests.support.asgi import call as _call
from tests.support.asgi import exchange as _exchange
from tests.support.asgi import scope as _scope


@pytest.fixture(scope="module")
def bridge(app):
    return FlaskOnAsgi(app, threads=2)


def test_environ_follows_pep_3333():
    scope = _scope(
        "POST",
        "/путь",
        headers=[
            ("content-type", "application/x-www-form-urlencoded"),
            ("content-length", "3"),
            ("x-forwarded-for", "198.51.100.1"),
            ("x-forwarded-for", "198.51.100.2"),
            ("cookie", "a=1"),
            ("cookie", "b=2"),
        ],
        query=b"x=%D0%B9",
    )
    environ = wsgi_environ(scope, b"a=b")
    assert environ["PATH_INFO"] == "/путь".encode().decode("latin-1")  # bytes as latin-1 characters
    assert environ["QUERY_STRING"] == "x=%D0%B9"
    assert (environ["CONTENT_TYPE"], environ["CONTENT_LENGTH"]) == ("application/x-www-form-urlencoded", "3")
    assert "HTTP_CONTENT_TYPE" not in environ
    assert environ["HTTP_X_FORWARDED_FOR"] == "198.51.100.1,198.51.100.2"
    assert environ["HTTP_COOKIE"] == "a=1; b=2"
    assert (environ["REMOTE_ADDR"], environ["wsgi.url_scheme"]) == ("203.0.113.7", "https")
    assert environ["wsgi.input"].read() == b"a=b"


def test_published_documents_are_answered_with_validators(bridge, client):
    client.get("/jwks.json")  # the key ring is read once by Flask, then served in front of it
    for path in ("/.well-known/openid-configuration", "/jwks.json"):
        status, headers, body = _call(bridge, _scope("GET", path))
        assert status == 200
        assert body == client.get(path).data
        assert headers["content-length"] == str(len(body))
        assert headers["cache-control"].startswith("public, max-age=")

        status, head_headers, head_body = _call(bridge, _scope("HEAD", path))
        assert (status, head_body, head_headers["content-length"]) == (200, b"", str(len(body)))

        status, _, body = _call(bridge, _scope("GET", path, headers=[("if-none-match", headers["etag"])]))
        assert (status, body) == (304, b"")


def test_pages_and_redirects_come_from_flask(bridge):
    status, headers, body = _call(bridge, _scope("GET", "/login"))
    assert status == 200
    assert "Войти" in body.decode()
    assert headers["content-type"].startswith("text/html")

    status, _, body = _call(bridge, _scope("GET", "/нет-такой-страницы"))
    assert status == 404
    assert "Страница не найдена." in body.decode()


def test_a_form_arriving_in_pieces_is_read_whole(bridge):
    form = b"grant_type=authorization_code&code=nope&redirect_uri=https%3A%2F%2Fexample.org%2Fcb"
    scope = _scope(
        "POST",
        "/token",
        headers=[
            ("content-type", "application/x-www-form-urlencoded"),
            ("authorization", "Basic cnA6d3Jvbmc="),
        ],
    )
    status, headers, body = _call(bridge, scope, chunks=(form[:10], form[10:40], form[40:]))
    assert status == 401
    assert b'"invalid_client"' in body  # Authlib read the whole form and judged the client


def test_a_body_over_the_limit_is_refused_with_a_page(bridge):
    scope = _scope("POST", "/login", headers=[("content-type", "application/x-www-form-urlencoded")])
    chunk = b"x" * (256 * 1024)
    status, _, body = _call(bridge, scope, chunks=(chunk,) * (BODY_LIMIT // len(chunk) + 1))
    assert status == 413
    assert "Слишком большой запрос." in body.decode()


def test_a_failure_outside_flask_is_a_plain_500(app, caplog):
    bridge = FlaskOnAsgi(app, threads=1)
    bridge.flask_app = _BrokenIterable()
    status, _, body = _call(bridge, _scope("GET", "/login"))
    assert (status, body) == (500, b"Internal Server Error")
    assert "failed outside its own error handling" in caplog.text


class _BrokenIterable:
    def __call__(self, environ, start_response):
        start_response("200 OK", [])
        return self

    def __iter__(self):
        raise RuntimeError("boom")


def test_a_client_gone_mid_body_reaches_no_view(bridge, monkeypatch):
    called = []
    monkeypatch.setattr(bridge, "flask_app", lambda environ, start_response: called.append(environ))
    incoming = [
        {"type": "http.request", "body": b"grant_type=refresh_to", "more_body": True},
        {"type": "http.disconnect"},
    ]
    assert _exchange(bridge, _scope("POST", "/token"), incoming) == []
    assert called == []
