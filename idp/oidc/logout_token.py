"""OpenID Connect Back-Channel Logout 1.0: the logout_token a relying party receives when a
session it took part in ends (§2.4). Signed like an ID token, typed logout+jwt (§2.4, RFC
8725), never with a nonce; sent by flows/delivery/backchannel.py through the outbox."""

from __future__ import annotations

import secrets

from idp.clock import clock
from idp.oidc.keys import sign
from idp.services import Services

EVENT = "http://schemas.openid.net/event/backchannel-logout"
LIFETIME = 120  # seconds: it is signed when it is sent, each try anew


def build(services: Services, client_id: str, sub: str, sid: str) -> str:
    now = int(clock.time())
    claims = {
        "iss": services.settings.issuer,
        "aud": client_id,
        "iat": now,
        "exp": now + LIFETIME,
        "jti": secrets.token_urlsafe(16),
        "sub": sub,
        "sid": sid,
        "events": {EVENT: {}},
    }
    return sign(services.keyring, claims, typ="logout+jwt")
