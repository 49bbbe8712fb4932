"""The protocol lane: where each endpoint is answered under the ASGI worker, and that the answer
is the one the WSGI side gives (idp/serving/protocol_routes.py)."""

from __future__ import annotations

import asyncio
import base64
import json
from urllib.parse import urlencode

import pytest

from idp.serving.asgi_bridge import FlaskOnAsgi
from idp.serving.thread_hop import ThreadHop
from idp.store.redis_direct import DirectCommands
from tests.support import loop
from tests.support.asgi import call as _call
from tests.support.asgi import call_on_loop
from tests.support.asgi import scope as _scope
from tests.support.config import CONFIDENTIAL, RP_CALLBACK

BASIC = (
    "Basic "
    + base64.b64encode(f"{CONFIDENTIAL['client_id']}:{CONFIDENTIAL['client_secret']}".encode()).decode()
)
FORM = ("content-type", "application/x-www-form-urlencoded")


class CountingPool(ThreadHop):
    """The bridge's threads, counting what is handed to them."""

    def __init__(self) -> None:
        super().__init__(2, "counted")
        self.handed = 0

    def run(self, *args):
        self.handed += 1
        return super().run(*args)


@pytest.fixture
def bridge(app):
    bridge = FlaskOnAsgi(app, threads=1)
    bridge.shutdown()
    bridge.pool = CountingPool()
    yield bridge
    bridge.shutdown()


def _token_scope():
    return _scope("POST", "/token", headers=[FORM, ("authorization", BASIC)])


def _token(bridge, **form):
    status, _, body = _call(bridge, _token_scope(), [urlencode(form).encode()])
    return status, json.loads(body)


def _userinfo(bridge, token: str):
    return _call(bridge, _scope("GET", "/userinfo", headers=[("authorization", f"Bearer {token}")]))


def _introspect(bridge, token: str, **extra):
    body = urlencode({"token": token, **extra}).encode()
    return _call(bridge, _scope("POST", "/introspect", headers=[FORM, ("authorization", BASIC)]), [body])


def test_userinfo_and_an_access_tokens_introspection_are_answered_on_the_loop(flow, bridge):
    tokens = flow.exchange(flow.code()).json()
    flow.userinfo(tokens["access_token"])  # the account's store entry is filled
    status, headers, body = _userinfo(bridge, tokens["access_token"])
    assert status == 200 and flow.account["sub"] in body.decode()
    assert headers["cache-control"] == "no-store"
    status, _, body = _introspect(bridge, tokens["access_token"])
    assert status == 200 and b'"active":true' in body
    assert bridge.pool.handed == 0


def test_what_needs_the_database_is_answered_on_the_loops_thread_or_on_postgresql_in_a_greenlet(
    flow, bridge, app
):
    tokens = flow.exchange(flow.code()).json()
    app.extensions["idp"].store.delete(f"acct:{flow.account['id']}")  # a cold account entry: SQL
    status, _, body = _userinfo(bridge, tokens["access_token"])
    assert status == 200 and flow.account["sub"] in body.decode()
    status, _, body = _introspect(bridge, tokens["refresh_token"], token_type_hint="refresh_token")
    assert status == 200 and b'"active":true' in body
    assert bridge.pool.handed == 0


def test_a_bad_bearer_token_is_refused_as_rfc_6750_says_on_both_sides(flow, bridge, client):
    on_loop = _userinfo(bridge, "f" * 32 + ".nonsense")
    under_wsgi = client.get("/userinfo", headers={"Authorization": "Bearer " + "f" * 32 + ".nonsense"})
    assert on_loop[0] == under_wsgi.status_code == 401
    assert on_loop[1]["www-authenticate"] == under_wsgi.headers["WWW-Authenticate"]
    assert 'error="invalid_token"' in under_wsgi.headers["WWW-Authenticate"]
    assert on_loop[2] == under_wsgi.get_data()
    assert on_loop[1]["cache-control"] == under_wsgi.headers["Cache-Control"] == "no-store"


def test_a_failed_client_authentication_is_counted(flow, bridge, app):
    tokens = flow.exchange(flow.code()).json()
    wrong = "Basic " + base64.b64encode(f"{CONFIDENTIAL['client_id']}:wrong".encode()).decode()
    body = urlencode({"token": tokens["access_token"]}).encode()
    failures = app.extensions["idp.oauth"].client_auth_failures()
    for counted in (1, 2):
        status, _, answer = _call(
            bridge, _scope("POST", "/introspect", headers=[FORM, ("authorization", wrong)]), [body]
        )
        assert status == 401 and b'"invalid_client"' in answer
        with app.app_context():
            assert failures.read("203.0.113.7").count == counted
    # the increment is a write: on PostgreSQL made in a greenlet on the loop, else in place there
    assert bridge.pool.handed == 0


def test_a_wrong_method_is_a_json_error(client):
    response = client.get("/token")
    assert response.status_code == 405
    assert response.json["error"] == "invalid_request"


@pytest.mark.parametrize("host", ["idp.example", "203.0.113.9", "idp.example:8080"])
def test_plain_http_to_a_public_host_is_refused_as_authlib_says_on_both_sides(flow, bridge, client, host):
    """Authlib's transport rule: OAuth over plain http only to a loopback host, judged the same
    on the loop, on a thread and under WSGI, each time (a refused origin is not remembered)."""
    tokens = flow.exchange(flow.code()).json()
    bearer = ("authorization", f"Bearer {tokens['access_token']}")
    insecure = {**_scope("GET", "/userinfo", headers=[bearer, ("host", host)]), "scheme": "http"}
    for _ in range(2):
        status, headers, body = _call(bridge, insecure)
        assert (status, json.loads(body)["error"]) == (400, "insecure_transport")
        assert headers["cache-control"] == "no-store"
    token_request = {**_scope("POST", "/token", headers=[FORM, ("authorization", BASIC), ("host", host)])}
    status, _, body = _call(bridge, {**token_request, "scheme": "http"}, [b"grant_type=client_credentials"])
    assert (status, json.loads(body)["error"]) == (400, "insecure_transport")
    under_wsgi = client.get("/userinfo", base_url=f"http://{host}", headers=dict([bearer]))
    assert (under_wsgi.status_code, under_wsgi.json["error"]) == (400, "insecure_transport")
    status, _, _ = _userinfo(bridge, tokens["access_token"])  # https to the same host: served
    assert status == 200


@pytest.mark.services
def test_on_postgresql_the_token_endpoint_waits_on_the_loop_not_on_a_thread(flow, bridge, monkeypatch):
    """Code exchange, refresh, reuse detection: each round trip awaited by the loop (its Redis
    connection, its PostgreSQL connections), none made by a thread or a blocking client."""
    code = flow.code()
    blocking = []
    direct = DirectCommands.__call__
    monkeypatch.setattr(
        DirectCommands, "__call__", lambda self, *args: blocking.append(args[0]) or direct(self, *args)
    )
    redemption = {"code": code, "redirect_uri": RP_CALLBACK, "code_verifier": flow.verifier}
    status, issued = _token(bridge, grant_type="authorization_code", **redemption)
    assert status == 200 and {"access_token", "refresh_token", "id_token"} <= issued.keys()
    status, rotated = _token(bridge, grant_type="refresh_token", refresh_token=issued["refresh_token"])
    assert status == 200 and rotated["refresh_token"] != issued["refresh_token"]
    assert _userinfo(bridge, rotated["access_token"])[0] == 200
    status, again = _token(bridge, grant_type="authorization_code", **redemption)
    assert (status, again["error"]) == (400, "invalid_grant")
    assert _userinfo(bridge, rotated["access_token"])[0] == 401  # a reused code revokes its family
    assert bridge.pool.handed == 0
    assert blocking == []


def test_code_exchange_and_refresh_never_wait_for_flasks_threads(flow, bridge):
    """On SQLite they are answered on the loop's thread; on PostgreSQL in a greenlet there."""
    judged_on_the_loop = []
    judge = bridge.lane._judge

    def recording(*args):
        judged_on_the_loop.append(asyncio._get_running_loop() is not None)
        return judge(*args)

    bridge.lane._judge = recording
    code = flow.code()
    redemption = {"code": code, "redirect_uri": RP_CALLBACK, "code_verifier": flow.verifier}
    status, issued = _token(bridge, grant_type="authorization_code", **redemption)
    assert status == 200 and {"access_token", "refresh_token", "id_token"} <= issued.keys()
    status, rotated = _token(bridge, grant_type="refresh_token", refresh_token=issued["refresh_token"])
    assert status == 200 and rotated["refresh_token"] != issued["refresh_token"]
    status, again = _token(bridge, grant_type="refresh_token", refresh_token=issued["refresh_token"])
    assert (status, again["error"]) == (400, "invalid_grant")
    assert bridge.pool.handed == 0
    assert judged_on_the_loop == [True, True, True]


@pytest.mark.services
def test_two_refreshes_of_one_token_at_once_on_one_loop_rotate_it_once(flow, bridge):
    issued = flow.exchange(flow.code()).json()
    body = urlencode({"grant_type": "refresh_token", "refresh_token": issued["refresh_token"]}).encode()

    async def both():
        return await asyncio.gather(*(call_on_loop(bridge, _token_scope(), [body]) for _ in range(2)))

    answers = sorted((status, json.loads(answer)) for status, _, answer in loop.run(both()))
    (won, rotated), (lost, refused) = answers
    assert (won, lost, refused["error"]) == (200, 400, "invalid_grant")
    assert "refresh_token" in rotated
