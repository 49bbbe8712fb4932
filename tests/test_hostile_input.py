"""Random and hostile values to every form and every protocol endpoint: never a 5xx, and
rejected input changes neither the database nor the outbox (hypothesis)."""

from __future__ import annotations

import re
from urllib.parse import quote_from_bytes

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.delivery.outbox import OutboxMessage
from idp.db import db
from idp.models import Account
from tests.support.config import CONFIDENTIAL

HOSTILE = [
    "",
    " ",
    "\x00",
    "\r\nSet-Cookie: x=1",
    "{{7*7}}",
    "{% raw %}",
    "${jndi:ldap://x}",
    "' OR '1'='1' --",
    '"; DROP TABLE account; --',
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "%00%ff",
    "аdmin@example.ru",  # a Cyrillic а in a Latin word
    "+7 (916) 123-45-67" * 50,
    "x" * 20_000,
    "\u202etxt.exe",
    "\ud7ff\ufeff\u200b",
    "null",
    "[]",
    "{}",
]
NAMES = [
    "login",
    "password",
    "code",
    "email",
    "phone",
    "family_name",
    "given_name",
    "middle_name",
    "no_middle_name",
    "consent_pd_law_152",
    "consent_pd_processing",
    "consent_mailing",
    "new_password",
    "confirm_password",
    "current_password",
    "ia",
    "confirm",
    "client_id",
    "response_type",
    "scope",
    "redirect_uri",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
    "prompt",
    "max_age",
    "acr_values",
    "claims",
    "login_hint",
    "id_token_hint",
    "post_logout_redirect_uri",
    "grant_type",
    "refresh_token",
    "code_verifier",
    "token",
    "token_type_hint",
    "client_secret",
    "access_token",
]
AUTHORIZATION = [
    None,
    "",
    "Basic ",
    "Basic",
    "Basic ====",
    "Basic //46eA==",  # not UTF-8
    "Basic bm9jb2xvbg==",  # no colon
    "Basic " + "QQ==" * 3000,
    "Bearer ",
    "Bearer",
    "Bearer \x01",
    "Bearer a b c",
    "Digest x",
    "Basic cnAtY29uZmlkZW50aWFsOg==",  # rp-confidential with an empty secret
]
CONTENT_TYPES = [
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=koi8-r",
    "application/json",
    "multipart/form-data; boundary=x",
    "text/plain",
    "application/x-www-form-urlencoded; charset=utf-16",
]

values = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=50),
)
raw_bytes = st.binary(max_size=200)
pairs = st.lists(st.tuples(st.sampled_from(NAMES) | st.text(max_size=20), values), max_size=12)


def _encode(items: list[tuple[str, str]], broken: bytes) -> bytes:
    """Form encoding of the pairs (repeats kept), with a raw, possibly malformed chunk appended."""
    encoded = "&".join(
        quote_from_bytes(k.encode("utf-8", "surrogatepass"))
        + "="
        + quote_from_bytes(v.encode("utf-8", "surrogatepass"))
        for k, v in items
    ).encode()
    return encoded + (b"&" + broken if broken else b"")


def _routes(app) -> list[tuple[str, str]]:
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.rule.startswith("/demo"):
            continue
        path = re.sub(r"<(?:[^:>]+:)?[^>]+>", "hostile-value", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((method, path))
    return sorted(set(routes))


def _facts(app) -> tuple[int, ...]:
    with app.app_context():
        return (
            Account.query.count(),
            OutboxMessage.query.count(),
            db.session.execute(db.text("SELECT 1")).scalar(),
        )


def _csrf(client) -> str:
    page = client.get("/login").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_every_route_is_covered(app):
    methods = {method for method, _ in _routes(app)}
    assert {"GET", "POST"} <= methods and len(_routes(app)) > 20


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=False,
)
@given(data=st.data())
def test_hostile_requests_never_reach_a_5xx_nor_change_anything(app, data):
    client = app.test_client()
    before = _facts(app)
    method, path = data.draw(st.sampled_from(_routes(app)), label="route")
    items = data.draw(pairs, label="parameters")
    if method == "POST" and data.draw(st.booleans(), label="with a valid CSRF token"):
        items = [("csrf_token", _csrf(client)), *items]
    broken = data.draw(raw_bytes, label="raw bytes")
    headers = {}
    authorization = data.draw(st.sampled_from(AUTHORIZATION), label="Authorization")
    if authorization is not None:
        headers["Authorization"] = authorization
    address = data.draw(st.ip_addresses().map(str), label="address")
    body = _encode(items, broken)
    if method == "GET":
        response = client.get(
            path, query_string=body.decode("latin-1"), headers=headers, environ_base={"REMOTE_ADDR": address}
        )
    else:
        response = client.open(
            path,
            method=method,
            query_string=_encode(data.draw(pairs, label="query"), b"").decode("latin-1"),
            data=body,
            content_type=data.draw(st.sampled_from(CONTENT_TYPES), label="content type"),
            headers=headers,
            environ_base={"REMOTE_ADDR": address},
        )
    assert response.status_code < 500, (method, path, response.get_data(as_text=True)[:300])
    if response.status_code >= 400:
        assert _facts(app) == before


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    authorization=st.sampled_from(AUTHORIZATION)
    | st.text(st.characters(exclude_characters="\r\n"), max_size=80).map(lambda t: "Basic " + t)
)
def test_malformed_client_credentials_are_invalid_client(app, authorization):
    client = app.test_client()
    for path in ("/token", "/revoke", "/introspect"):
        headers = {"Authorization": authorization} if authorization is not None else {}
        response = client.post(path, data={"grant_type": "refresh_token", "token": "x"}, headers=headers)
        assert response.status_code in {400, 401}, (path, authorization)
        assert response.json["error"] in {"invalid_client", "invalid_request", "unsupported_grant_type"}


@pytest.mark.parametrize("value", ["%D0%B0", "%00", "%0D%0A", "%FF", "code%20%D0%B0"])
def test_a_non_ascii_response_type_is_a_4xx(client, value):
    for query in (f"response_type={value}", f"client_id={CONFIDENTIAL['client_id']}&response_type={value}"):
        assert client.get(f"/authorize?{query}").status_code == 400
