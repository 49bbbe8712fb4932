"""gunicorn's ASGI protocol, with this app's own answers written without the ASGI messages.

gunicorn runs each request of its ASGI worker in a task of its own, builds its
`send` callable, and checks every response header against its grammar as the
two messages arrive. For what FlaskOnAsgi answers itself (the published
documents and the protocol lane) none of that is needed: their headers are this
provider's own, and the answer is whole before a byte is sent. Such a request is
answered in the connection's coroutine and written in one piece, after one check
that no header name or value holds a CR, LF or NUL (JWKS: 43 → 26 µs of CPU a
request, userinfo 140 → 128, docs/BENCHMARKS.md). Everything else, and every
request while gunicorn's access log or a pre/post-request hook is on, takes
gunicorn's own path unchanged.
The keep-alive decision stays gunicorn's (`_will_close`), and so does the
connection's loop: pipelining, max_requests, the keep-alive timer.
"""

from __future__ import annotations

import asyncio

from gunicorn.asgi import protocol as gunicorn_protocol
from gunicorn.workers import gasgi

from idp.serving import turns

# What this class takes from gunicorn besides its public setting names (tests/ops/test_gunicorn.py
# fails when an upgrade drops one).
LEANS_ON = (
    "_serve_http_request",
    "_build_http_scope",
    "_will_close",
    "_safe_write",
    "_send_error_response",
    "_pre_request",
    "_post_request",
    "_body_receiver",
)


class DirectProtocol(gunicorn_protocol.ASGIProtocol):
    _last_answer = 0  # this connection's latest in turns.Turns.answered()

    async def _serve_http_request(self, request, sockname, peername):
        app = self.app
        if (
            not app.answers_directly(request.path)
            or self._pre_request is not None
            or self._post_request is not None
            or self.log.access_log_enabled
        ):
            return await super()._serve_http_request(request, sockname, peername)
        ordered = None
        try:
            # a published document needs no scope: its answer is made before the request's
            answer = app.published_answer(request.path, request.method, request.headers_bytes)
            if answer is None:
                # the lane (a token request takes milliseconds): in the order of turns.py
                ordered = turns.of_running_loop()
                await ordered.wait(self._last_answer)
                scope = self._build_http_scope(request, sockname, peername)
                answer = await app.answer(scope, self._body_receiver.receive)
        except asyncio.CancelledError:
            return False  # the client went away
        except Exception:  # as gunicorn's own path answers an application's failure
            self.log.exception("Error in ASGI application")
            self._send_error_response(500, "Internal Server Error")
            return False
        if answer is None:
            return False  # it went away before its body was whole
        if ordered is not None:
            self._last_answer = ordered.answered()
        status, headers, body = answer
        close = self._will_close(request, False)
        self._safe_write(self._response(request, status, headers, body, close))  # the client may be gone
        return not close

    @staticmethod
    def _response(request, status: int, headers, body: bytes, close: bool) -> bytes:
        bodiless = request.method == "HEAD" or status in (204, 304)
        if not bodiless and not any(name == b"content-length" for name, _ in headers):
            # the lane's and the documents' answers carry it; a Flask answer might not, and
            # this response is framed by its length alone
            headers = [*headers, (b"content-length", b"%d" % len(body))]
        fields = b"".join([b"%s: %s\r\n" % field for field in headers])
        # each field ends in the one CRLF put there: a CR, LF or NUL of a name or value would show
        count = len(headers)
        if fields.count(b"\n") != count or fields.count(b"\r") != count or b"\0" in fields:
            raise ValueError("a response header would break the framing")
        return b"".join(
            (
                gunicorn_protocol._get_cached_status_line(request.version, status),
                fields,
                gunicorn_protocol._CACHED_SERVER_HEADER,
                gunicorn_protocol._get_cached_date_header(),
                b"Connection: close\r\n\r\n" if close else b"\r\n",
                b"" if bodiless else body,
            )
        )


def install() -> None:
    """Serve this worker's connections with DirectProtocol: gunicorn's ASGI worker makes each
    connection's protocol by its module's name for the class."""
    # gunicorn notes whether its C parser is there on the class asked first, but reads the answer
    # from ASGIProtocol itself: asked first through this subclass, it would parse with Python.
    gunicorn_protocol.ASGIProtocol._check_h1c_protocol_available()
    gasgi.ASGIProtocol = DirectProtocol
