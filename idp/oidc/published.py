"""Discovery and JWKS answered in front of Flask.

Every relying party fetches these two documents, and they are the same bytes
for everyone, so building a Flask request for them costs more than the answer.
This shortcut serves the prepared bodies with ETag, Cache-Control and CORS,
and still counts them in the request metrics; it runs as WSGI middleware, and
under the ASGI worker (idp/asgi_bridge.py) on the event loop, before the hop to
a thread. Anything else, and a key ring due for its periodic re-read (which
needs the database), goes to Flask.
"""

from __future__ import annotations

import functools
import hashlib
import time
from dataclasses import dataclass, field
from typing import NamedTuple

from idp.ops import metrics

DISCOVERY = "/.well-known/openid-configuration"
JWKS = "/jwks.json"
PATHS = frozenset({DISCOVERY, JWKS})


@dataclass(frozen=True)
class Answer:
    """One prepared answer, with its headers for WSGI (str) and for ASGI (bytes)."""

    status: str
    headers: list[tuple[str, str]]
    body: bytes
    status_code: int = field(init=False, compare=False)  # derived from status and headers
    asgi_headers: list[tuple[bytes, bytes]] = field(init=False, repr=False, compare=False)

    # Plain attributes made once: functools.cached_property takes a lock on every first read,
    # and the protocol lane makes a new answer per request.
    def __post_init__(self) -> None:
        object.__setattr__(self, "status_code", int(self.status[:3]))
        encoded = [(_encoded_name(name), value.encode("latin-1")) for name, value in self.headers]
        object.__setattr__(self, "asgi_headers", encoded)


@functools.lru_cache(maxsize=256)  # by name only: a lane answer's request id is new every time
def _encoded_name(name: str) -> bytes:
    return name.lower().encode("latin-1")


class Prepared(NamedTuple):
    etag: str
    full: Answer
    head: Answer  # the full answer's headers, no body
    not_modified: Answer


def prepare(body: bytes, max_age: int) -> Prepared:
    """A document's ETag and its three answers: full, to HEAD, and 304."""
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    validators = [
        ("ETag", etag),
        ("Cache-Control", f"public, max-age={max_age}"),
        ("Access-Control-Allow-Origin", "*"),
    ]
    full = [
        *validators,
        ("Content-Type", "application/json"),
        ("Content-Length", str(len(body))),
        ("X-Content-Type-Options", "nosniff"),  # as on every other answer (idp/web/headers.py)
    ]
    return Prepared(
        etag,
        Answer("200 OK", full, body),
        Answer("200 OK", full, b""),
        Answer("304 NOT MODIFIED", validators, b""),
    )


class PublishedDocuments:
    def __init__(self, flask_app, next_app) -> None:
        self.services = flask_app.extensions["idp"]
        self.next_app = next_app
        self._prepared: dict[bytes, Prepared] = {}

    def _document(self, path: str) -> tuple[str, bytes | None, int]:
        if path == DISCOVERY:
            return "oidc.discovery", self.services.discovery_body, 3600
        return "oidc.jwks", self.services.keyring.jwks_body_if_fresh(), 300

    def _prepare(self, body: bytes, max_age: int) -> Prepared:
        prepared = self._prepared.get(body)
        if prepared is None:
            if len(self._prepared) > 16:  # key rotations leave old bodies behind
                self._prepared.clear()
            prepared = self._prepared[body] = prepare(body, max_age)
        return prepared

    def answer(self, path: str, method: str, if_none_match: str) -> Answer | None:
        """The answer for a published document, or None when Flask must answer."""
        if path not in PATHS or method not in ("GET", "HEAD"):
            return None
        started = time.perf_counter()
        endpoint, body, max_age = self._document(path)
        if body is None:
            return None
        prepared = self._prepare(body, max_age)
        if prepared.etag in if_none_match:
            answer = prepared.not_modified
        else:
            answer = prepared.head if method == "HEAD" else prepared.full
        metrics.TALLY.note(endpoint, method, answer.status_code, time.perf_counter() - started)
        return answer

    def __call__(self, environ, start_response):
        answer = self.answer(
            environ.get("PATH_INFO", ""),
            environ.get("REQUEST_METHOD", ""),
            environ.get("HTTP_IF_NONE_MATCH", ""),
        )
        if answer is None:
            return self.next_app(environ, start_response)
        start_response(answer.status, answer.headers)
        return [answer.body]
