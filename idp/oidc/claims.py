"""Which claims a scope or a `claims` request releases, and their values."""

from __future__ import annotations

import json

from idp.accounts.account_view import AccountView

SCOPE_CLAIMS = {
    "profile": ("family_name", "given_name", "middle_name", "name", "locale"),
    "email": ("email", "email_verified"),
    "phone": ("phone_number", "phone_number_verified"),
    "consents": ("consents",),
}
SCOPES_SUPPORTED = ["openid", *SCOPE_CLAIMS, "offline_access"]  # offline_access: idp/oidc/tokens.py
CLAIMS_SUPPORTED = sorted(
    {"sub", "auth_time", "acr", "amr", "sid", "iss", "aud", "nonce"}
    | {c for claims in SCOPE_CLAIMS.values() for c in claims}
)


def _value(account: AccountView, claim: str):
    if claim == "email_verified":
        return account.email_verified_at is not None
    if claim == "phone_number":
        return account.phone
    if claim == "phone_number_verified":
        return account.phone_verified_at is not None
    if claim == "name":
        return account.name
    if claim in account.extras:  # contributed by another package (the consents claim)
        return account.extras[claim]
    return getattr(account, claim, None)


def parse_claims_request(raw: str | None) -> dict:
    """The `claims` request parameter (OIDC Core 5.5); malformed input raises ValueError."""
    if not raw:
        return {}
    parsed = json.loads(raw)
    if not isinstance(parsed, dict):
        raise ValueError("claims must be a JSON object")
    result = {}
    for target in ("userinfo", "id_token"):
        member = parsed.get(target) or {}
        if not isinstance(member, dict):
            raise ValueError(f"claims.{target} must be an object")
        result[target] = sorted(name for name in member if isinstance(name, str))
    return result


def released_claims(scope: str, requested: list[str] | None = None) -> list[str]:
    names: list[str] = []
    for item in (scope or "").split():
        names.extend(SCOPE_CLAIMS.get(item, ()))
    for name in requested or ():
        if name in CLAIMS_SUPPORTED and name not in names:
            names.append(name)
    return names


def user_claims(account: AccountView, names: list[str]) -> dict:
    claims = {"sub": account.sub}
    for name in names:
        if name in {"auth_time", "acr", "amr", "sid", "iss", "aud", "nonce", "sub"}:
            continue
        value = _value(account, name)
        if value is not None:
            claims[name] = value
    return claims
