"""Discovery and JWKS answered in front of Flask.

Every relying party fetches these two documents, and they are the same bytes
for everyone, so building a Flask request for them costs more than the answer.
This WSGI shortcut serves the prepared bodies with ETag, Cache-Control and CORS,
and still counts them in the request metrics. Anything else, and a key ring due
for its periodic re-read (which needs the database), goes to Flask.
"""

from __future__ import annotations

import hashlib
import time

from idp import metrics

DISCOVERY = "/.well-known/openid-configuration"
JWKS = "/jwks.json"


class PublishedDocuments:
    def __init__(self, flask_app, next_app) -> None:
        self.services = flask_app.extensions["idp"]
        self.next_app = next_app
        self._etags: dict[bytes, str] = {}

    def _document(self, path: str) -> tuple[str, bytes | None, int]:
        if path == DISCOVERY:
            return "oidc.discovery", self.services.discovery_body, 3600
        return "oidc.jwks", self.services.keyring.jwks_body_if_fresh(), 300

    def _etag(self, body: bytes) -> str:
        etag = self._etags.get(body)
        if etag is None:
            if len(self._etags) > 16:
                self._etags.clear()
            etag = self._etags[body] = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        return etag

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO")
        method = environ.get("REQUEST_METHOD")
        if path not in (DISCOVERY, JWKS) or method not in ("GET", "HEAD"):
            return self.next_app(environ, start_response)
        started = time.perf_counter()
        endpoint, body, max_age = self._document(path)
        if body is None:
            return self.next_app(environ, start_response)
        etag = self._etag(body)
        headers = [
            ("ETag", etag),
            ("Cache-Control", f"public, max-age={max_age}"),
            ("Access-Control-Allow-Origin", "*"),
        ]
        if etag in environ.get("HTTP_IF_NONE_MATCH", ""):
            status, payload = "304 NOT MODIFIED", b""
        else:
            status, payload = "200 OK", body
            headers += [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        start_response(status, headers)
        labels = (endpoint, method, status[:3])
        metrics.REQUESTS.labels(*labels).inc()
        metrics.LATENCY.labels(*labels).observe(time.perf_counter() - started)
        return [b"" if method == "HEAD" else payload]
