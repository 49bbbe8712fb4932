"""Absolute links for messages that leave the site (e-mails), built from the issuer.

Never from the request's Host header: a forged Host would otherwise put an
attacker's address into a genuine activation e-mail.
"""

from __future__ import annotations

from urllib.parse import urlparse

from flask import current_app

from idp.services import settings


def public_url(endpoint: str, **values) -> str:
    issuer = urlparse(settings().issuer)
    adapter = current_app.url_map.bind(
        issuer.netloc, script_name=issuer.path.rstrip("/") or "/", url_scheme=issuer.scheme
    )
    return adapter.build(endpoint, values, force_external=True)
