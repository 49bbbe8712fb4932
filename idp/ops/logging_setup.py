"""One logging setup: JSON lines on stderr, a request id on every record, one access record per request.

What a record may carry is decided here, not at each call site: the access
record names the route (the url_rule, never the raw path or its query string),
the status, the duration and the relying party; it never carries form fields,
headers or query strings, so passwords, SMS codes, tokens, activation links and
personal data cannot reach the logs through it.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
from contextvars import ContextVar
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
# A caller's id is kept only when it is a plain token: anything else could smuggle
# text (or personal data) into every log line of the request.
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")
_SANE_CLIENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$")
# Probes and scrapes arrive every few seconds; logging each buries what matters.
QUIET_ENDPOINTS = frozenset({"ops.healthz", "ops.readyz", "ops.metrics"})

access_log = logging.getLogger("idp.access")
# The request id of a request answered outside Flask (the protocol lane, idp/serving/).
current_request_id: ContextVar[str | None] = ContextVar("idp_request_id", default=None)

_STANDARD_ATTRS = frozenset(
    vars(logging.LogRecord("x", logging.INFO, "x", 0, "x", None, None)).keys() | {"message", "asctime"}
)


class JsonFormatter(logging.Formatter):
    """One JSON object per line; extra={...} fields become keys."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class RequestIdFilter(logging.Filter):
    """Stamp the current request's id on every record logged while serving it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            lane_request_id = current_request_id.get()
            if lane_request_id is not None:
                record.request_id = lane_request_id
            elif has_request_context():
                record.request_id = g.get("request_id")
        return True


class _Handler(logging.StreamHandler):
    """Marks the handler this module installed, so configuring twice replaces it."""


def configure(level: str = "INFO") -> None:
    """Install the JSON handler on the root logger (idempotent)."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _Handler)]:
        root.removeHandler(handler)
    handler = _Handler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root.addHandler(handler)
    root.setLevel(level.upper())
    # werkzeug's own request line carries the full URL, query string included;
    # the access record below replaces it.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


def request_id_from(header: str | None) -> str:
    if header and _SANE_REQUEST_ID.match(header):
        return header
    return os.urandom(16).hex()  # as random as uuid4().hex, the same length, a fifth of its cost


def _over_the_limit() -> bool:
    """A body the app refused (413): reading its form again would raise while logging."""
    limit = request.max_content_length
    return limit is not None and (request.content_length or 0) > limit


def note_client(client_id: str | None) -> None:
    """Name the relying party of a request that does not carry it (a resumed authorization)."""
    g.access_client_id = client_id


def sane_client_id(candidates) -> str | None:
    """The relying party, when the request names one (never its secret): the first
    candidate that is a plain identifier."""
    for value in candidates:
        if value and _SANE_CLIENT_ID.match(value):
            return value
    return None


def _client_id() -> str | None:
    candidates = [g.get("access_client_id"), request.args.get("client_id")]
    if request.mimetype == "application/x-www-form-urlencoded" and not _over_the_limit():
        candidates.append(request.form.get("client_id"))
    try:
        auth = request.authorization
    except ValueError:  # werkzeug's Basic parsing, on credentials that are not ASCII base64
        auth = None
    if auth is not None and auth.type == "basic":
        candidates.append(auth.username)
    return sane_client_id(candidates)


def access_record(request_id: str, method: str, route: str | None, status: int, started, client_id) -> None:
    """The one access record of a request; `client_id` is called only when the record is written."""
    if not access_log.isEnabledFor(logging.INFO):
        return  # the record's fields cost more than some whole requests
    access_log.info(
        "request",
        extra={
            "request_id": request_id,
            "method": method,
            "route": route,
            "status": status,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
            "client_id": client_id(),
        },
    )


def init_app(app: Flask, log_probes: bool = False) -> None:
    """Request ids and the access record for every request of this app."""

    @app.before_request
    def _start():
        g.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        g.request_started = time.perf_counter()

    @app.after_request
    def _finish(response):
        request_id = g.get("request_id") or request_id_from(None)
        response.headers[REQUEST_ID_HEADER] = request_id
        if request.endpoint in QUIET_ENDPOINTS and not log_probes:
            return response
        route = request.url_rule.rule if request.url_rule else None
        access_record(
            request_id, request.method, route, response.status_code, g.get("request_started"), _client_id
        )
        return response
