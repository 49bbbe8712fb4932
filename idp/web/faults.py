"""A back end out of reach — the short-lived store or the database — answered honestly.

People get the Russian page, relying parties `temporarily_unavailable`, both 503
with Retry-After; whatever the request had begun to write is rolled back, and the
next request tries again (the pools reconnect by themselves), so an outage ends
without a restart.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable

from flask import Flask, render_template
from sqlalchemy import exc

from idp.db import db
from idp.store import StoreUnavailable
from idp.web.messages import message

log = logging.getLogger("idp")
RETRY_AFTER = "5"

# The database did not answer, or dropped the connection: OperationalError (refused,
# reset, timed out, the server shutting down) and InterfaceError (a connection already
# closed). Errors in a statement itself (IntegrityError, ProgrammingError) stay 500s.
DATABASE_UNAVAILABLE = (exc.OperationalError, exc.InterfaceError, exc.DisconnectionError)


def register(app: Flask, answers_a_relying_party: Callable[[], bool]) -> None:
    def unavailable(what: str):
        log.error("%s unavailable", what)
        with contextlib.suppress(*DATABASE_UNAVAILABLE):
            db.session.rollback()
        headers = {"Retry-After": RETRY_AFTER, "Cache-Control": "no-store"}
        if answers_a_relying_party():
            body = {"error": "temporarily_unavailable", "error_description": "Try again shortly."}
            return body, 503, headers
        return render_template("error.html", message=message("store_unavailable")), 503, headers

    @app.errorhandler(StoreUnavailable)
    def store_down(error):
        return unavailable("short-lived store")

    for kind in DATABASE_UNAVAILABLE:
        app.register_error_handler(kind, lambda error: unavailable("database"))
