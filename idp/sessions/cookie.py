"""Flask's signed-cookie session, with its serializer built once per app, not per request.

Flask builds the itsdangerous serializer (key derivation included) on every
request that opens or saves a session, which is every request; on userinfo that
was a tenth of the time. The serializer holds nothing per request, so one serves
all threads.
"""

from __future__ import annotations

from flask.sessions import SecureCookieSessionInterface


class SessionCookies(SecureCookieSessionInterface):
    def get_signing_serializer(self, app):
        cached = app.extensions.get("idp.session_serializer")
        if cached is None:
            cached = super().get_signing_serializer(app)
            app.extensions["idp.session_serializer"] = cached
        return cached
