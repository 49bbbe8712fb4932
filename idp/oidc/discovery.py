"""The discovery document, built once per process."""

from __future__ import annotations

import json

from idp.oidc.claims import CLAIMS_SUPPORTED, SCOPES_SUPPORTED
from idp.oidc.clients import AUTH_METHODS, CONFIDENTIAL_AUTH_METHODS
from idp.sessions.sso_session import ACR_LEVELS
from idp.web.locale import PUBLISHED as UI_LOCALES


def discovery_document(issuer: str) -> dict:
    base = issuer.rstrip("/")
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{base}/authorize",
        "token_endpoint": f"{base}/token",
        "userinfo_endpoint": f"{base}/userinfo",
        "jwks_uri": f"{base}/jwks.json",
        "revocation_endpoint": f"{base}/revoke",
        "introspection_endpoint": f"{base}/introspect",
        "end_session_endpoint": f"{base}/logout",
        "scopes_supported": SCOPES_SUPPORTED,
        "claims_supported": CLAIMS_SUPPORTED,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": AUTH_METHODS,
        "revocation_endpoint_auth_methods_supported": AUTH_METHODS,
        "introspection_endpoint_auth_methods_supported": CONFIDENTIAL_AUTH_METHODS,
        "code_challenge_methods_supported": ["S256"],
        "acr_values_supported": ACR_LEVELS,
        "prompt_values_supported": ["none", "login"],
        "claims_parameter_supported": True,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "authorization_response_iss_parameter_supported": True,
        "ui_locales_supported": list(UI_LOCALES),
        "claims_locales_supported": ["ru-RU"],
        "backchannel_logout_supported": True,
        "backchannel_logout_session_supported": True,
        "frontchannel_logout_supported": False,
    }


def discovery_body(issuer: str) -> bytes:
    return json.dumps(discovery_document(issuer), ensure_ascii=False, separators=(",", ":")).encode()
