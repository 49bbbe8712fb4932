"""Access tokens in the short-lived store, refresh tokens in SQL, families for revocation.

A family is everything issued from one authorization code. An access token
carries its family id in clear ("<family>.<random>") so that a lookup and the
family's revocation mark are read in one round trip.

A family belongs to the SSO session it was issued in and is revoked when that
session ends (a listener of idp.sessions), unless the relying party asked for
offline_access: only such refresh tokens outlive the session.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, insert, select, update

from idp.accounts import account_view
from idp.clock import clock, utcnow
from idp.db import db, direct_sql
from idp.models import RefreshToken
from idp.services import services, settings, store
from idp.sessions import records
from idp.sessions.records import SsoSession
from idp.store.base import Store

OFFLINE_ACCESS = "offline_access"


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def new_family() -> str:
    return uuid.uuid4().hex


def bind_to_session(store: Store, sign_in: dict, family: str, scope: str) -> dict:
    """The grant's facts for its code: whether it may outlive its session; a family that
    may not is registered with the session, which revokes it when it ends."""
    offline = OFFLINE_ACCESS in (scope or "").split()
    if not offline:
        records.add_grant(store, sign_in.get("sid"), family, clock.time())
    return {**sign_in, "offline": offline}


def session_ended(store: Store, grant: dict) -> bool:
    """A grant bound to a session that is gone (ended, expired): its tokens are refused."""
    return not grant.get("offline") and not records.alive(store, grant.get("sid"), clock.time())


def revoke_session_grants(ended: SsoSession, grants: list[str]) -> None:
    """Listener of session ends: every family issued in the session goes with it."""
    for family in grants:
        revoke_family(family)


def new_access_token(family: str) -> str:
    return f"{family}.{secrets.token_urlsafe(32)}"


def new_refresh_token() -> str:
    return secrets.token_urlsafe(48)


def _family_of(token: str) -> str | None:
    family, sep, _ = token.partition(".")
    return family if sep and len(family) == 32 else None


@dataclass
class AccessTokenRecord:
    token: str
    data: dict
    stored_account: str | None | object = account_view.UNREAD

    def __getattr__(self, name):
        try:
            return self.data[name]
        except KeyError:
            raise AttributeError(name) from None

    # authlib TokenMixin
    def check_client(self, client):
        return self.data["client_id"] == client.client_id

    def get_scope(self):
        return self.data["scope"]

    def get_expires_in(self):
        return max(0, int(self.data["exp"] - clock.time()))

    def is_expired(self):
        return self.data["exp"] <= clock.time()

    def is_revoked(self):
        return False

    def get_client(self):
        return services().clients.get(self.data["client_id"])

    def get_user(self):
        return account_view.load(self.data["account_id"], self.stored_account)


def save_access_token(token: str, data: dict) -> None:
    ttl = settings().access_token_ttl
    record = {**data, "iat": int(clock.time()), "exp": int(clock.time()) + ttl}
    store().set_json(f"at:{digest(token)}", record, ttl)


def find_access_token(token: str, with_account: bool = False) -> AccessTokenRecord | None:
    """One round trip: the token, its family's revocation mark and, for userinfo, the
    account's store entry (see account_view)."""
    family = _family_of(token or "")
    if family is None:
        return None
    keys = [f"at:{digest(token)}", f"revfam:{family}"]
    if with_account:
        raw, revoked, account = store().mget_following(keys, "account_id", account_view.STORE_PREFIX)
    else:
        (raw, revoked), account = store().mget(keys), account_view.UNREAD
    if raw is None or revoked is not None:
        return None
    record = AccessTokenRecord(token, json.loads(raw), account)
    return None if record.is_expired() else record


def revoke_access_token(token: str) -> None:
    store().delete(f"at:{digest(token)}")


_REFRESH = RefreshToken.__table__
_INSERT_REFRESH = insert(_REFRESH)
_FIND_REFRESH = select(_REFRESH).where(_REFRESH.c.token_hash == bindparam("hash"))
_CLAIM_REFRESH = (
    update(_REFRESH)
    .where(
        _REFRESH.c.token_hash == bindparam("hash"),
        _REFRESH.c.client_id == bindparam("client"),
        _REFRESH.c.used_at.is_(None),
        _REFRESH.c.revoked_at.is_(None),
        _REFRESH.c.expires_at > bindparam("now"),
    )
    .values(used_at=bindparam("now"))
    .returning(*_REFRESH.c)
)


@dataclass(frozen=True)
class RefreshTokenRow:
    """A refresh token row as read by one statement; authlib reads it through these getters."""

    id: int
    token_hash: str
    family_id: str
    client_id: str
    account_id: int
    scope: str
    grant: dict
    issued_at: datetime
    expires_at: datetime
    used_at: datetime | None
    revoked_at: datetime | None

    def check_client(self, client) -> bool:
        return self.client_id == client.client_id

    def get_scope(self) -> str:
        return self.scope

    def is_expired(self) -> bool:
        return self.expires_at <= utcnow()

    def is_revoked(self) -> bool:
        return self.revoked_at is not None or self.used_at is not None


def _row(found) -> RefreshTokenRow | None:
    return RefreshTokenRow(**found._mapping) if found is not None else None


def save_refresh_token(token: str, family: str, client_id: str, account_id: int, scope: str, grant: dict):
    now = utcnow()
    values = {
        "token_hash": digest(token),
        "family_id": family,
        "client_id": client_id,
        "account_id": account_id,
        "scope": scope,
        "grant": grant,
        "issued_at": now,
        "expires_at": now + timedelta(seconds=settings().refresh_token_ttl),
    }
    direct_sql.run(_INSERT_REFRESH, values)


def find_refresh_token(token: str) -> RefreshTokenRow | None:
    return _row(direct_sql.first(_FIND_REFRESH, {"hash": digest(token or "")}))


def claim_refresh_token(token: str, client_id: str) -> RefreshTokenRow | None:
    """Mark a live refresh token used and return it, in one statement: of two racing
    requests exactly one gets the row (the other waits on the row lock, then finds it used).

    The claim commits on its own, before the new tokens are written: should writing
    them fail, the client has lost its refresh token exactly as if the answer had
    been lost on the way, and signs in again."""
    params = {"hash": digest(token or ""), "client": client_id, "now": utcnow()}
    return _row(direct_sql.first(_CLAIM_REFRESH, params))


def revoke_family(family: str) -> None:
    """Revoke every token issued from one authorization code."""
    store().set(f"revfam:{family}", "1", settings().access_token_ttl + 60)
    db.session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    db.session.commit()
