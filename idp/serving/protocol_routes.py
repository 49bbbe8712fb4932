"""The protocol lane's routing: which path is which Authlib endpoint, and one place that answers it.

Relying parties call the token, userinfo, introspection and revocation endpoints
on every page view; Flask's request cycle around Authlib cost more than Authlib
itself (docs/BENCHMARKS.md). Here they are answered from a `ProtocolRequest`
(idp/serving/protocol_request.py) by Authlib's framework-agnostic server, with
the same grants and hooks the pages' server uses, and rendered by
idp/serving/protocol_render.py. Every worker class serves them through this one
`ProtocolLane`: the ASGI bridge calls it on the event loop
(idp/serving/asgi_bridge.py), the WSGI app (gthread, the test server) through
`ProtocolLane.wsgi`. Each answer is counted and logged as Flask's are.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749.util import extract_basic_authorization

from idp import services
from idp.oidc.published import Answer
from idp.ops import logging_setup, metrics
from idp.serving import on_loop
from idp.serving.loop_services import LoopServices
from idp.serving.protocol_render import NOT_ALLOWED, SERVER_ERROR, TOO_LARGE, UNAVAILABLE, render, too_many
from idp.serving.protocol_request import ProtocolRequest
from idp.store import StoreUnavailable
from idp.store.base import WouldBlock
from idp.store.prefetched import Prefetched
from idp.store.ratelimit import RateLimited
from idp.web import faults

log = logging.getLogger("idp")


@dataclass(frozen=True)
class Route:
    endpoint: str  # the metrics and access-record name, as Flask's endpoint names
    methods: tuple[str, ...]
    authlib_endpoint: str | None  # None: the token endpoint (Authlib's grants)


ROUTES = {
    "/token": Route("oidc.token", ("POST",), None),
    "/userinfo": Route("oidc.userinfo", ("GET", "POST"), "userinfo"),
    "/introspect": Route("oidc.introspect", ("POST",), "introspection"),
    "/revoke": Route("oidc.revoke", ("POST",), "revocation"),
}
PATHS = frozenset(ROUTES)


class _NoIO:
    """The database of a request judged on the event loop: touching it means a thread."""

    def __getattr__(self, name):
        raise WouldBlock("database")

    def __call__(self, *args):
        raise WouldBlock("database")


_NO_IO = _NoIO()


class ProtocolLane:
    def __init__(self, server, body_limit: int, security_headers: list[tuple[str, str]]) -> None:
        self.server = server
        self.body_limit = body_limit
        self.security_headers = security_headers  # what Flask's answers of JSON carry (idp/web/headers.py)
        # on PostgreSQL, what the loop can do without a thread (answer_on_loop)
        self.waiting = LoopServices(server.services) if LoopServices.possible(server.services) else None

    def answer(self, request: ProtocolRequest, oversized: bool = False) -> Answer:
        """Judge and render one request, its round trips made as it goes (they block: on SQLite
        the bridge calls this on the loop's thread, the WSGI side on its request's)."""
        started = time.perf_counter()
        route = ROUTES[request.path]
        if request.method not in route.methods:
            decided = NOT_ALLOWED
        elif oversized:
            decided = TOO_LARGE
        else:
            oauth_request, decided = _authlib_request(request)
            if oauth_request is not None:
                decided = self._judge(route, request, oauth_request, self.server.services)
        return self._finish(route, request, decided, started)

    async def answer_on_loop(self, request: ProtocolRequest) -> Answer | None:
        """Judge and render one request on the event loop. When the store is all it reads
        (userinfo, an access token's introspection) its reads are made ahead, in one round
        trip; otherwise, on PostgreSQL, it is judged in a greenlet whose round trips the loop
        awaits (idp/serving/loop_services.py). None: it is answered by `answer`."""
        started = time.perf_counter()
        route = ROUTES[request.path]
        if request.method not in route.methods:
            return None
        if route.authlib_endpoint is None and self.waiting is None:
            return None  # the token endpoint off PostgreSQL: nothing to read ahead, all in `answer`
        oauth_request, refused = _authlib_request(request)
        if oauth_request is None:
            return self._finish(route, request, refused, started)
        if route.authlib_endpoint is not None:
            answer = await self._read_ahead(route, request, oauth_request, started)
            if answer is not None or self.waiting is None:
                return answer
            oauth_request, _ = _authlib_request(request)  # afresh: the first try may have changed it
        decided = await on_loop.run(self._judge, route, request, oauth_request, self.waiting.current())
        return self._finish(route, request, decided, started)

    async def _read_ahead(self, route: Route, request: ProtocolRequest, oauth_request, started: float):
        reads = self.server.reads_ahead(route.authlib_endpoint, oauth_request)
        if reads is None:
            return None
        try:
            results = await self.server.services.store.read_ahead(reads)
        except StoreUnavailable:
            log.error("short-lived store unavailable")
            return self._finish(route, request, UNAVAILABLE, started)
        prefetched = Prefetched(reads, results)
        chosen = self.server.services.but(
            store=prefetched, engine=_NO_IO, app_context=_NO_IO, run_blocking=_NO_IO
        )
        try:
            decided = self._judge(route, request, oauth_request, chosen)
        except WouldBlock:
            return None
        return self._finish(route, request, decided, started)

    def _judge(self, route: Route, request: ProtocolRequest, oauth_request, chosen: services.Services):
        """What Authlib answers, with `chosen` as the request's services."""
        request.request_id = logging_setup.request_id_from(
            request.headers.get(logging_setup.REQUEST_ID_HEADER)
        )
        bound = logging_setup.current_request_id.set(request.request_id)
        try:
            with services.bound_to(chosen):
                if route.authlib_endpoint is None:
                    decided = self.server.create_token_response(oauth_request)
                else:
                    decided = self.server.create_endpoint_response(route.authlib_endpoint, oauth_request)
            return decided.status, decided.body, decided.headers
        except WouldBlock:
            raise
        except StoreUnavailable:
            log.error("short-lived store unavailable")
            return UNAVAILABLE
        except faults.DATABASE_UNAVAILABLE:
            log.error("database unavailable")
            return UNAVAILABLE
        except RateLimited as limited:
            return too_many(limited.retry_after)
        except Exception:
            log.exception("unhandled error")
            return SERVER_ERROR
        finally:
            logging_setup.current_request_id.reset(bound)

    def _finish(self, route: Route, request: ProtocolRequest, decided, started: float) -> Answer:
        if not request.request_id:
            request.request_id = logging_setup.request_id_from(
                request.headers.get(logging_setup.REQUEST_ID_HEADER)
            )
        status, body, headers = decided
        answer = render(status, body, [*headers, *self.security_headers], request.request_id)
        self._record(route, request, answer.status_code, started)
        return answer

    def _record(self, route: Route, request: ProtocolRequest, status: int, started: float) -> None:
        method = request.method if request.method in metrics.KNOWN_METHODS else "other"
        metrics.TALLY.note(route.endpoint, method, status, time.perf_counter() - started)
        logging_setup.access_record(
            request.request_id, request.method, request.path, status, started, lambda: _client_id(request)
        )

    def wsgi(self, next_app):
        """WSGI middleware answering the lane's paths before Flask (gthread, the test server)."""

        def app(environ, start_response):
            if environ.get("PATH_INFO") not in PATHS:
                return next_app(environ, start_response)
            body, oversized = _wsgi_body(environ, self.body_limit)
            answer = self.answer(ProtocolRequest.from_environ(environ, body), oversized)
            start_response(answer.status, answer.headers)
            return [answer.body]

        return app


def _authlib_request(request: ProtocolRequest):
    """(the request as Authlib's server reads it, None), or (None, Authlib's answer) where its
    constructor refuses the request (InsecureTransportError: plain http to a public host)."""
    try:
        return request.oauth2_request(), None
    except OAuth2Error as refused:
        return None, refused()


def _client_id(request: ProtocolRequest) -> str | None:
    try:
        basic_username, _ = extract_basic_authorization(request.headers)
    except ValueError:  # "Basic " with nothing after it, credentials that are not UTF-8
        basic_username = None
    named = [dict(request.query_pairs).get("client_id"), dict(request.form_pairs).get("client_id")]
    return logging_setup.sane_client_id([*named, basic_username])


def _wsgi_body(environ: dict, limit: int) -> tuple[bytes, bool]:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        return b"", True
    return (environ["wsgi.input"].read(length) if length > 0 else b""), False
