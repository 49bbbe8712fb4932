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

from sqlalchemy import String, bindparam, func, insert, select, update

from idp.accounts import account_view
from idp.clock import clock, utcnow
from idp.db import UTCDateTime
from idp.db.prepared import Prepared, transaction
from idp.models import RefreshToken
from idp.services import services, settings, store
from idp.sessions import records
from idp.sessions.records import SsoSession
from idp.store.base import UNREAD, Store, StoreRead

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


def session_ended(store: Store, grant: dict, stored_session: str | None | object = UNREAD) -> bool:
    """A grant bound to a session that is gone (ended, expired): its tokens are refused.
    `stored_session` is the session record's raw value when the caller read it already."""
    if grant.get("offline"):
        return False
    return not records.alive(store, grant.get("sid"), clock.time(), stored_session)


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
    stored_account: str | None | object = UNREAD

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


def access_token_read(token: str | None, with_account: bool = False) -> StoreRead | None:
    """The one read that finds an access token: the token, its family's revocation mark and,
    for userinfo, the account's store entry (see account_view). None: not one of ours."""
    family = _family_of(token or "")
    if family is None:
        return None
    keys = (f"at:{digest(token)}", f"revfam:{family}")
    if with_account:
        return StoreRead("mget_following", (keys, "account_id", account_view.STORE_PREFIX))
    return StoreRead("mget", (keys,))


def find_access_token(token: str, with_account: bool = False) -> AccessTokenRecord | None:
    """One round trip (`access_token_read`)."""
    read = access_token_read(token, with_account)
    if read is None:
        return None
    if with_account:
        raw, revoked, account = read.run(store())
    else:
        (raw, revoked), account = read.run(store()), UNREAD
    if raw is None or revoked is not None:
        return None
    record = AccessTokenRecord(token, json.loads(raw), account)
    return None if record.is_expired() else record


def revoke_access_token(token: str) -> None:
    store().delete(f"at:{digest(token)}")


_REFRESH = RefreshToken.__table__
_NEW_ROW = ("token_hash", "family_id", "client_id", "account_id", "scope", "grant", "issued_at", "expires_at")
_INSERT_REFRESH = Prepared(insert(_REFRESH).values({name: bindparam(name) for name in _NEW_ROW}))
_FIND_REFRESH = Prepared(select(_REFRESH).where(_REFRESH.c.token_hash == bindparam("hash")))
_CLAIM = (
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


def _successor_of(claimed):
    """The rotated token's row, from the claimed one: the same family, client, account and
    grant, the requested scope (or the old one), a new lifetime."""
    return select(
        bindparam("new_hash", type_=String),
        claimed.c.family_id,
        claimed.c.client_id,
        claimed.c.account_id,
        func.coalesce(bindparam("scope", type_=String), claimed.c.scope),
        claimed.c.grant,
        bindparam("now", type_=UTCDateTime),
        bindparam("expires", type_=UTCDateTime),
    )


_claimed = _CLAIM.cte("claimed")
# PostgreSQL: claim the old row and insert its successor in one statement (one round trip).
_ROTATE = Prepared(
    select(_claimed).add_cte(insert(_REFRESH).from_select(_NEW_ROW, _successor_of(_claimed)).cte("successor"))
)
# Elsewhere (SQLite): the claim, then the successor, in one transaction.
_CLAIM_ONLY = Prepared(_CLAIM)
_INSERT_SUCCESSOR = Prepared(
    insert(_REFRESH).from_select(
        _NEW_ROW, _successor_of(_REFRESH).where(_REFRESH.c.id == bindparam("claimed_id"))
    )
)
_REVOKE_FAMILY = Prepared(
    update(_REFRESH)
    .where(_REFRESH.c.family_id == bindparam("family"), _REFRESH.c.revoked_at.is_(None))
    .values(revoked_at=bindparam("now"))
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


def _row(found: dict | None) -> RefreshTokenRow | None:
    return RefreshTokenRow(**found) if found is not None else None


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
    _INSERT_REFRESH.run(services().engine, values)


def find_refresh_token(token: str) -> RefreshTokenRow | None:
    return _row(_FIND_REFRESH.first(services().engine, {"hash": digest(token or "")}))


def rotate_refresh_token(
    token: str, client_id: str, successor: str, scope: str | None
) -> RefreshTokenRow | None:
    """Mark a live refresh token used and write its successor; the used row, or None when the
    token is not live (unknown, used, revoked, expired, another client's). Of two racing
    requests exactly one gets the row (the other waits on the row lock, then finds it used).

    On PostgreSQL both happen in one statement; elsewhere (SQLite) in one transaction."""
    engine, now = services().engine, utcnow()
    claim = {"hash": digest(token or ""), "client": client_id, "now": now}
    successor_row = {
        "new_hash": digest(successor),
        "scope": scope,
        "now": now,
        "expires": now + timedelta(seconds=settings().refresh_token_ttl),
    }
    if engine.dialect.name == "postgresql":
        return _row(_ROTATE.first(engine, {**claim, **successor_row}))
    with transaction(engine) as one:
        claimed = _CLAIM_ONLY.first(one, claim)
        if claimed is not None:
            _INSERT_SUCCESSOR.run(one, {**successor_row, "claimed_id": claimed["id"]})
    return _row(claimed)


def revoke_family(family: str) -> None:
    """Revoke every token issued from one authorization code."""
    store().set(f"revfam:{family}", "1", settings().access_token_ttl + 60)
    _REVOKE_FAMILY.run(services().engine, {"family": family, "now": utcnow()})
