"""Relying parties: declared in a clients file, managed from the command line."""

from __future__ import annotations

import secrets
import tomllib
from pathlib import Path
from urllib.parse import urlparse

from idp.db import db
from idp.models import Client, hash_client_secret
from idp.services import services

# How a client may authenticate at the token and revocation endpoints; introspection is for
# confidential clients only. The one list that discovery, the server and the clients file use.
AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]
CONFIDENTIAL_AUTH_METHODS = [method for method in AUTH_METHODS if method != "none"]
DEFAULT_GRANTS = ["authorization_code", "refresh_token"]
BACKCHANNEL_URI_LENGTH = 320  # it is the outbox row's recipient
GRANT_TYPES = {"authorization_code", "refresh_token", "client_credentials"}


class ClientFileError(ValueError):
    pass


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def validate_entry(entry: dict, where: str) -> dict:
    client_id = entry.get("client_id")
    if not client_id or not isinstance(client_id, str):
        raise ClientFileError(f"{where}: client_id is required")
    method = entry.get("token_endpoint_auth_method", "client_secret_basic")
    if method not in AUTH_METHODS:
        raise ClientFileError(f"{where}: token_endpoint_auth_method must be one of {AUTH_METHODS}")
    grant_types = entry.get("grant_types", DEFAULT_GRANTS)
    if not grant_types or not set(grant_types) <= GRANT_TYPES:
        raise ClientFileError(f"{where}: grant_types must be some of {sorted(GRANT_TYPES)}")
    if "client_credentials" in grant_types and method == "none":
        raise ClientFileError(f"{where}: client_credentials needs a confidential client")
    uris = entry.get("redirect_uris") or []
    if not uris and "authorization_code" in grant_types:
        raise ClientFileError(f"{where}: at least one redirect_uri is required")
    backchannel = [entry["backchannel_logout_uri"]] if entry.get("backchannel_logout_uri") else []
    if any(len(uri) > BACKCHANNEL_URI_LENGTH for uri in backchannel):
        raise ClientFileError(f"{where}: backchannel_logout_uri is longer than {BACKCHANNEL_URI_LENGTH}")
    for uri in [*uris, *entry.get("post_logout_redirect_uris", []), *backchannel]:
        parsed = urlparse(uri)
        if parsed.scheme not in {"https", "http"} or not parsed.netloc or parsed.fragment:
            raise ClientFileError(f"{where}: {uri!r} is not an absolute http(s) URI without fragment")
    if method != "none" and not (entry.get("client_secret") or entry.get("client_secret_hash")):
        raise ClientFileError(f"{where}: a confidential client needs client_secret or client_secret_hash")
    return entry


def load_file(path: str | Path) -> list[dict]:
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ClientFileError(f"IDP_CLIENTS_FILE: cannot read {path}: {exc}") from None
    entries = data.get("client", [])
    return [validate_entry(entry, f"{path} client #{n + 1}") for n, entry in enumerate(entries)]


def upsert(entry: dict) -> Client:
    client = Client.query.filter_by(client_id=entry["client_id"]).first() or Client(
        client_id=entry["client_id"]
    )
    client.name = entry.get("name", entry["client_id"])
    client.redirect_uris = list(entry.get("redirect_uris", []))
    client.post_logout_redirect_uris = list(entry.get("post_logout_redirect_uris", []))
    client.backchannel_logout_uri = entry.get("backchannel_logout_uri")
    client.scope = entry.get("scope", "openid profile email phone consents")
    client.grant_types = list(entry.get("grant_types", DEFAULT_GRANTS))
    client.token_endpoint_auth_method = entry.get("token_endpoint_auth_method", "client_secret_basic")
    if entry.get("client_secret_hash"):
        client.client_secret_hash = entry["client_secret_hash"]
    elif entry.get("client_secret"):
        client.client_secret_hash = hash_client_secret(entry["client_secret"])
    else:
        client.client_secret_hash = None
    db.session.add(client)
    services().clients.invalidate(client.client_id)
    return client


def load_into_db(path: str | Path) -> list[Client]:
    clients = [upsert(entry) for entry in load_file(path)]
    db.session.commit()
    return clients


def rotate_secret(client_id: str) -> str:
    client = Client.query.filter_by(client_id=client_id).first()
    if client is None:
        raise ClientFileError(f"no client {client_id!r}")
    if client.is_public:
        raise ClientFileError(f"{client_id!r} is a public client and has no secret")
    secret = new_secret()
    client.client_secret_hash = hash_client_secret(secret)
    db.session.commit()
    services().clients.invalidate(client_id)
    return secret


def remove(client_id: str) -> bool:
    removed = Client.query.filter_by(client_id=client_id).delete()
    db.session.commit()
    services().clients.invalidate(client_id)
    return bool(removed)
