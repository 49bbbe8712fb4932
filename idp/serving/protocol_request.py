"""The protocol lane's request adapter: an HTTP request as Authlib's framework-agnostic server reads it.

The token, userinfo, introspection and revocation endpoints are answered without
Flask's request cycle (idp/serving/protocol_lane.py). Their request arrives as an
ASGI scope and body (gunicorn's ASGI worker) or as a WSGI environ (gthread, the test
server); both become one `ProtocolRequest`, which hands Authlib an `OAuth2Request`
or a `JsonRequest` with the same method, URI, headers and parameters that Authlib's
Flask integration would have read from Flask's request.
"""

from __future__ import annotations

import functools
from urllib.parse import parse_qsl

from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload, JsonPayload, JsonRequest, OAuth2Request

FORM = "application/x-www-form-urlencoded"
ORIGINS_KEPT = 32  # judged origins remembered; the Host header is the client's to choose


@functools.lru_cache(maxsize=ORIGINS_KEPT)
def _judged_origin(origin: str) -> OAuth2Request:
    """An empty request of `origin`, made by Authlib's own constructor, which refuses an insecure
    transport (InsecureTransportError: raised, never remembered). Its rule reads the scheme and
    the host only, and parsing them cost more than the rest of a userinfo request's setup, so
    each origin is judged once and a request starts as a copy of its origin's."""
    return OAuth2Request("GET", origin + "/")


class Headers(dict):
    """Request headers by lower-cased name; `get("Authorization")` as Authlib asks."""

    def get(self, name, default=None):
        return dict.get(self, name.lower(), default)

    def __getitem__(self, name):
        return dict.__getitem__(self, name.lower())

    def __contains__(self, name):
        return dict.__contains__(self, name.lower())

    def add(self, name: str, value: str) -> None:
        known = dict.get(self, name)
        self[name] = value if known is None else f"{known},{value}"


class _Parameters(BasicOAuth2Payload):
    """Query and form parameters together, the first value of a repeated name winning
    (as werkzeug's `request.values`); `datalist` keeps every value for Authlib's
    repeated-parameter checks."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        data: dict[str, str] = {}
        datalist: dict[str, list[str]] = {}
        for name, value in pairs:
            data.setdefault(name, value)
            datalist.setdefault(name, []).append(value)
        self._data = data
        self._datalist = datalist


class _FormRequest(OAuth2Request):
    def __init__(self, request: ProtocolRequest, query: list, form: list) -> None:
        vars(self).update(vars(_judged_origin(request.origin)))  # Authlib's fields, transport judged
        self.method, self.uri, self.headers = request.method, request.uri, request.headers
        self.payload = _Parameters(query + form)
        self._form = dict(reversed(form))
        self._args = dict(reversed(query))
        self.remote_addr = request.client_address or "unknown"

    @property
    def form(self):
        return self._form

    @property
    def args(self):
        return self._args


class _NoJson(JsonPayload):
    @property
    def data(self):
        return {}


class ProtocolRequest:
    """What the lane knows of one request; built once from the scope or the environ."""

    __slots__ = (
        "method",
        "path",
        "query",
        "headers",
        "body",
        "client_address",
        "scheme",
        "host",
        "request_id",
    )

    def __init__(self, method, path, query, headers, body, client_address, scheme, host) -> None:
        self.method: str = method
        self.path: str = path
        self.query: str = query
        self.headers: Headers = headers
        self.body: bytes = body
        self.client_address: str = client_address
        self.scheme: str = scheme
        self.host: str = host
        self.request_id: str = ""

    @classmethod
    def from_scope(cls, scope: dict, body: bytes, client_address: str) -> ProtocolRequest:
        headers = Headers()
        for name, value in scope["headers"]:
            headers.add(name.decode("latin-1"), value.decode("latin-1"))
        server = scope.get("server") or ("localhost", 80)
        host = headers.get("host") or f"{server[0]}:{server[1]}"
        return cls(
            scope["method"],
            scope["path"],
            scope.get("query_string", b"").decode("latin-1"),
            headers,
            body,
            client_address,
            scope.get("scheme", "http"),
            host,
        )

    @classmethod
    def from_environ(cls, environ: dict, body: bytes) -> ProtocolRequest:
        headers = Headers()
        for key, value in environ.items():
            if key.startswith("HTTP_"):
                dict.__setitem__(headers, key[5:].replace("_", "-").lower(), value)
        if "CONTENT_TYPE" in environ:
            dict.__setitem__(headers, "content-type", environ["CONTENT_TYPE"])
        host = (
            environ.get("HTTP_HOST")
            or f"{environ.get('SERVER_NAME', 'localhost')}:{environ.get('SERVER_PORT')}"
        )
        return cls(
            environ["REQUEST_METHOD"],
            environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace"),
            environ.get("QUERY_STRING", ""),
            headers,
            body,
            environ.get("REMOTE_ADDR", ""),
            environ.get("wsgi.url_scheme", "http"),
            host,
        )

    @property
    def origin(self) -> str:
        return f"{self.scheme}://{self.host}"

    @property
    def uri(self) -> str:
        uri = f"{self.origin}{self.path}"
        return f"{uri}?{self.query}" if self.query else uri

    @property
    def query_pairs(self) -> list[tuple[str, str]]:
        return parse_qsl(self.query, keep_blank_values=True) if self.query else []

    @property
    def form_pairs(self) -> list[tuple[str, str]]:
        mimetype = (self.headers.get("content-type") or "").partition(";")[0].strip().lower()
        if mimetype != FORM or not self.body:
            return []
        return parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True)

    def oauth2_request(self) -> OAuth2Request:
        """The request as Authlib's grants and endpoints read it."""
        return _FormRequest(self, self.query_pairs, self.form_pairs)  # each parsed once

    def json_request(self) -> JsonRequest:
        """The request as Authlib's resource protector reads it (headers only, here)."""
        request = JsonRequest(self.method, self.uri, self.headers)
        request.payload = _NoJson()
        return request
