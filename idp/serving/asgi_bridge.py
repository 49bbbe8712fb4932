"""The Flask app served by gunicorn's ASGI worker.

gunicorn's gthread worker spends ~115 µs of Python per request on its own
connection handling, more than a userinfo request spends in Redis. Its ASGI
worker (an asyncio loop, uvloop and the C HTTP parser when installed) spends
about a third of that. This bridge lets the unchanged WSGI app run there:
discovery, JWKS and the protocol lane are answered on the loop, everything else
is one hop to a thread of a fixed pool, where Flask runs exactly as under gthread.

Each request body is read whole before Flask sees it, up to BODY_LIMIT (beyond
it Flask is told the size and answers 413, as it does under gthread through
MAX_CONTENT_LENGTH), and each response is collected whole before it is sent;
every answer of this provider is small, and a slow client never holds a thread.
Measured in docs/BENCHMARKS.md ("Worker models tried").
"""

from __future__ import annotations

import io
import logging
import sys

from idp.oidc.published import PATHS
from idp.serving import proxies
from idp.serving.protocol_request import ProtocolRequest
from idp.serving.protocol_routes import PATHS as LANE_PATHS
from idp.serving.thread_hop import ThreadHop

log = logging.getLogger(__name__)

# Forms, token requests and JSON calls are a few KiB; nothing here uploads files.
BODY_LIMIT = 1024 * 1024

# A failure outside Flask's own error handling (which answers everything it can).
_FAILED = (500, [(b"content-type", b"text/plain; charset=utf-8")], b"Internal Server Error")


class ClientGone(Exception):
    """The client disconnected before its request body was complete."""


def wsgi_environ(scope: dict, body: bytes) -> dict:
    """The WSGI environ (PEP 3333) of an ASGI HTTP scope and its whole body."""
    server = scope.get("server") or ("localhost", 80)
    client = scope.get("client") or ("", 0)
    environ = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": scope.get("root_path", ""),
        # WSGI carries the path's bytes as latin-1 characters (PEP 3333 "native strings").
        "PATH_INFO": scope["path"].encode("utf-8").decode("latin-1"),
        "QUERY_STRING": scope.get("query_string", b"").decode("latin-1"),
        "SERVER_NAME": str(server[0]),
        "SERVER_PORT": str(server[1] or ""),
        "REMOTE_ADDR": client[0],
        "REMOTE_PORT": str(client[1]),
        "SERVER_PROTOCOL": "HTTP/" + scope.get("http_version", "1.1"),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": io.BytesIO(body),
        "wsgi.input_terminated": True,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for raw_name, raw_value in scope.get("headers", ()):
        name = raw_name.decode("latin-1").upper().replace("-", "_")
        value = raw_value.decode("latin-1")
        if name not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            name = "HTTP_" + name
        if name in environ:
            value = environ[name] + ("; " if name == "HTTP_COOKIE" else ",") + value
        environ[name] = value
    return environ


def run_wsgi(wsgi_app, environ: dict) -> tuple[int, list, bytes]:
    """Call a WSGI app and collect its whole answer: status code, headers as bytes, body."""
    started: list = []

    def start_response(status, headers, exc_info=None):
        started[:] = [status, headers]

    result = wsgi_app(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    status, headers = started
    return int(status[:3]), [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers], body


async def read_body(receive, limit: int = BODY_LIMIT) -> tuple[bytes, int]:
    """The whole request body and its size; past `limit`, no body and the size read so far."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone  # half a form is not a request: Flask never sees it
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return b"", size
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    return b"".join(chunks), size


class FlaskOnAsgi:
    """An ASGI application running a Flask app of idp.app.create_app in a thread pool."""

    def __init__(self, flask_app, threads: int | None = None) -> None:
        self.flask_app = flask_app
        self.published = flask_app.extensions["idp.published"]
        self.lane = flask_app.extensions["idp.lane"]
        settings = flask_app.extensions["idp"].settings
        self.trusted_proxies = proxies.networks(settings.trusted_proxies)
        self.pool = ThreadHop(threads or settings.request_threads, "flask")

    def shutdown(self) -> None:
        """Let the threads finish their calls in hand, then stop."""
        self.pool.shutdown()

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return  # no lifespan events or websockets here (gunicorn.conf.py turns lifespan off)
        answer = await self.answer(scope, receive)
        if answer is None:
            return
        status, headers, body = answer
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    @staticmethod
    def answers_directly(path: str) -> bool:
        """Whether this path's answers are this provider's own, headers and all (for
        idp/serving/direct_protocol.py): the published documents and the protocol lane."""
        return path in PATHS or path in LANE_PATHS

    async def answer(self, scope, receive) -> tuple[int, list, bytes] | None:
        """The whole answer to an HTTP request; None when the client went away first."""
        answer = self.published_answer(scope["path"], scope["method"], scope["headers"])
        if answer is not None:
            return answer
        try:
            if scope["path"] in LANE_PATHS:
                return await self._from_lane(scope, receive)
            return await self._from_flask(scope, receive)
        except ClientGone:
            return None

    def published_answer(self, path: str, method: str, headers) -> tuple[int, list, bytes] | None:
        """A published document's answer, from the request's ASGI headers; None for any other
        path, or when Flask must answer it."""
        if path not in PATHS:
            return None  # most requests: no header scan
        if_none_match = next((v.decode("latin-1") for k, v in headers if k == b"if-none-match"), "")
        answer = self.published.answer(path, method, if_none_match)
        return None if answer is None else (answer.status_code, answer.asgi_headers, answer.body)

    async def _from_lane(self, scope, receive) -> tuple[int, list, bytes]:
        body, size = await read_body(receive)
        request = ProtocolRequest.from_scope(scope, body, (scope.get("client") or ("", 0))[0])
        request.client_address, request.scheme, request.host = proxies.forwarded(
            request.client_address, request.scheme, request.host, request.headers, self.trusted_proxies
        )
        oversized = size > len(body)
        answer = None if oversized else await self.lane.answer_on_loop(request)
        if answer is None:
            # Refusals, and on SQLite whatever needs the database, are answered here on the loop's
            # thread: SQLite's statements take tens of µs and its WAL checkpoints have a thread of
            # their own (idp/db/wal_checkpoints.py), while a hop to a thread and back cost a code
            # exchange 710-750 µs of CPU against 530-580 here (docs/BENCHMARKS.md, ninth session).
            # Turns (idp/serving/turns.py) keep the requests in the order they came.
            answer = self.lane.answer(request, oversized)
        return answer.status_code, answer.asgi_headers, answer.body

    async def _from_flask(self, scope, receive) -> tuple[int, list, bytes]:
        body, size = await read_body(receive)
        environ = wsgi_environ(scope, body)
        if size > len(body):
            environ["CONTENT_LENGTH"] = str(size)  # above MAX_CONTENT_LENGTH: Flask answers 413
        try:
            return await self.pool.run(run_wsgi, self.flask_app, environ)
        except Exception:
            # Flask answers its own errors; this is a failure outside it (a broken iterable).
            log.exception("the WSGI app failed outside its own error handling")
            return _FAILED
