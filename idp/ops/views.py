"""Operator endpoints: /healthz, /readyz, /metrics. Unauthenticated probes, a guarded scrape."""

from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify

from idp.ops import health, metrics
from idp.services import settings

bp = Blueprint("ops", __name__)


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/healthz")
def healthz():
    """The process answers. Touches nothing else: a database outage must not restart every pod."""
    return _no_store(jsonify(status="ok"))


@bp.get("/readyz")
def readyz():
    checks = health.readiness()
    ready = all(check.ok for check in checks)
    body = {"status": "ok" if ready else "failing", "checks": {c.name: c.as_dict() for c in checks}}
    return _no_store(jsonify(body)), 200 if ready else 503


@bp.get("/metrics")
def scrape():
    token = settings().metrics_token
    if not metrics.scrape_allowed(token):
        if token:
            return Response("bearer token required\n", 401, {"WWW-Authenticate": 'Bearer realm="metrics"'})
        abort(404)  # no token configured: served on loopback only, invisible elsewhere
    return _no_store(metrics.metrics_response())
