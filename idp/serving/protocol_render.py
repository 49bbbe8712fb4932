"""The protocol lane's response rendering: what Authlib decided, as bytes for ASGI or WSGI.

Authlib's server answers (status, body, headers); its OAuth2Errors carry their own
status, JSON body, `Cache-Control: no-store` and, for RFC 6750 bearer errors,
`WWW-Authenticate`. They are sent as they are, the body as compact UTF-8 JSON,
with the request id every answer of this provider carries.
"""

from __future__ import annotations

from http import HTTPStatus

import orjson
from authlib.consts import default_json_headers

from idp.oidc.published import Answer
from idp.ops.logging_setup import REQUEST_ID_HEADER

# Where the request could not be judged at all: the store is down, or a fault.
UNAVAILABLE = (
    503,
    {"error": "temporarily_unavailable", "error_description": "Try again shortly."},
    [*default_json_headers, ("Retry-After", "5")],
)
SERVER_ERROR = (500, {"error": "server_error"}, default_json_headers)
NOT_ALLOWED = (
    405,
    {"error": "invalid_request", "error_description": "This method is not allowed here."},
    default_json_headers,
)
TOO_LARGE = (
    413,
    {"error": "invalid_request", "error_description": "The request body is too large."},
    default_json_headers,
)


def too_many(retry_after: int) -> tuple:
    """A rate limit met (the answer the pages' factory gives relying parties, idp/app.py)."""
    body = {"error": "temporarily_unavailable", "error_description": "Too many requests; retry later."}
    return 429, body, [*default_json_headers, ("Retry-After", str(retry_after))]


_STATUS_LINES = {status.value: f"{status.value} {status.phrase}" for status in HTTPStatus}


def render(status: int, body, headers: list[tuple[str, str]], request_id: str) -> Answer:
    """One answer of the lane: a dict body as JSON, a str or bytes body as it is."""
    if isinstance(body, dict):
        payload = orjson.dumps(body)  # compact UTF-8, as json.dumps(ensure_ascii=False)
    elif isinstance(body, str):
        payload = body.encode()
    else:
        payload = body or b""
    return Answer(
        _STATUS_LINES.get(status, f"{status} UNKNOWN"),
        [*headers, ("Content-Length", str(len(payload))), (REQUEST_ID_HEADER, request_id)],
        payload,
    )
