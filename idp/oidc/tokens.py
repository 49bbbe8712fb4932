"""Access tokens in the short-lived store, refresh tokens in SQL, families for revocation.

A family is everything issued from one authorization code. An access token
carries its family id in clear ("<family>.<random>") so that a lookup and the
family's revocation mark are read in one round trip.

A family belongs to the SSO session it was issued in and is revoked when that
session ends (a listener of idp.sessions), unless the relying party asked for
offline_access: only such refresh tokens outlive the session.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

import orjson
from sqlalchemy import String, bindparam, func, insert, select, update

from idp.accounts import account_view
from idp.clock import clock, utcnow
from idp.db.prepared import Prepared
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


def _family_of(token: str) -> str | None:
    """The family of a token of the access-token form; None for any other (a refresh token
    has two dots)."""
    family, sep, rest = token.partition(".")
    return family if sep and len(family) == 32 and "." not in rest else None


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
    record = AccessTokenRecord(token, orjson.loads(raw), account)
    return None if record.is_expired() else record


def revoke_access_token(token: str) -> None:
    store().delete(f"at:{digest(token)}")


# A refresh token names its family and generation and carries a random part with a MAC over
# all three: "<family>.<generation>.<base64url(nonce ‖ mac)>". The family's row holds the hash
# of its current token only; an earlier token presented again is known genuine by its MAC
# (reuse: the family is revoked), where a made-up one, whose family may be read off an access
# token, is not, so a stranger cannot revoke someone's sign-in by guessing.
_NONCE_BYTES = _MAC_BYTES = 16
_PROOF_CHARS = 43  # base64url of nonce ‖ mac, unpadded


@lru_cache(maxsize=1)
def _mac_key(secret_key: str) -> bytes:
    return hashlib.sha256(b"lk-idp refresh tokens\0" + secret_key.encode()).digest()


def _mac(family: str, generation: int, nonce: bytes) -> bytes:
    message = f"{family}.{generation}.".encode() + nonce
    return hmac.new(_mac_key(settings().secret_key), message, hashlib.sha256).digest()[:_MAC_BYTES]


def refresh_token_for(family: str, generation: int) -> str:
    nonce = secrets.token_bytes(_NONCE_BYTES)
    proof = base64.urlsafe_b64encode(nonce + _mac(family, generation, nonce)).rstrip(b"=").decode()
    return f"{family}.{generation}.{proof}"


@dataclass(frozen=True)
class _Presented:
    family: str
    generation: int
    proof: bytes  # nonce ‖ mac


def _presented(token: str) -> _Presented | None:
    """The parts of a token of the refresh form, unchecked; None for anything else."""
    parts = token.split(".")
    if len(parts) != 3 or len(parts[0]) != 32 or len(parts[2]) != _PROOF_CHARS:
        return None
    family, generation, proof = parts
    if not (generation.isascii() and generation.isdecimal() and len(generation) < 10):
        return None
    try:
        return _Presented(family, int(generation), base64.b64decode(proof + "=", b"-_", validate=True))
    except ValueError:
        return None


def _genuine(presented: _Presented) -> bool:
    nonce, mac = presented.proof[:_NONCE_BYTES], presented.proof[_NONCE_BYTES:]
    return hmac.compare_digest(mac, _mac(presented.family, presented.generation, nonce))


_REFRESH = RefreshToken.__table__
_NEW_ROW = (
    "family_id",
    "token_hash",
    "generation",
    "client_id",
    "account_id",
    "scope",
    "grant",
    "issued_at",
    "expires_at",
)
_INSERT_REFRESH = Prepared(insert(_REFRESH).values({name: bindparam(name) for name in _NEW_ROW}))
_FIND_REFRESH = Prepared(select(_REFRESH).where(_REFRESH.c.family_id == bindparam("family")))
# A rotation is one statement on one row that changes no indexed column: the current token's
# hash is replaced by its successor's. Of two racing requests exactly one matches the row (the other
# waits on the row lock, then finds another hash).
_ROTATE = Prepared(
    update(_REFRESH)
    .where(
        _REFRESH.c.family_id == bindparam("family"),
        _REFRESH.c.token_hash == bindparam("hash"),
        _REFRESH.c.client_id == bindparam("client"),
        _REFRESH.c.revoked_at.is_(None),
        _REFRESH.c.expires_at > bindparam("now"),
    )
    .values(
        token_hash=bindparam("new_hash"),
        generation=bindparam("generation"),
        scope=func.coalesce(bindparam("scope", type_=String), _REFRESH.c.scope),
        issued_at=bindparam("now"),
        expires_at=bindparam("expires"),
    )
    .returning(*_REFRESH.c)
)
_REVOKE_FAMILY = Prepared(
    update(_REFRESH)
    .where(_REFRESH.c.family_id == bindparam("family"), _REFRESH.c.revoked_at.is_(None))
    .values(revoked_at=bindparam("now"))
)


@dataclass(frozen=True)
class RefreshTokenRow:
    """A family's row as read by one statement, for the token presented (`current`: the
    family's live one, or an earlier one of it); authlib reads it through these getters."""

    id: int
    family_id: str
    token_hash: str
    generation: int
    client_id: str
    account_id: int
    scope: str
    grant: dict
    issued_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    current: bool = True

    def check_client(self, client) -> bool:
        return self.client_id == client.client_id

    def get_scope(self) -> str:
        return self.scope

    def is_expired(self) -> bool:
        return self.expires_at <= utcnow()

    def is_revoked(self) -> bool:
        return self.revoked_at is not None or not self.current


def save_refresh_token(token: str, family: str, client_id: str, account_id: int, scope: str, grant: dict):
    """The family's first token (`refresh_token_for(family, 0)`), at the code exchange."""
    now = utcnow()
    values = {
        "family_id": family,
        "token_hash": digest(token),
        "generation": 0,
        "client_id": client_id,
        "account_id": account_id,
        "scope": scope,
        "grant": grant,
        "issued_at": now,
        "expires_at": now + timedelta(seconds=settings().refresh_token_ttl),
    }
    _INSERT_REFRESH.run(services().engine, values)


def find_refresh_token(token: str) -> RefreshTokenRow | None:
    """The family's row for its current token or a genuine earlier one; None for any other."""
    presented = _presented(token or "")
    if presented is None:
        return None
    found = _FIND_REFRESH.first(services().engine, {"family": presented.family})
    if found is None:
        return None
    if hmac.compare_digest(found["token_hash"], digest(token)):
        return RefreshTokenRow(**found)
    if presented.generation < found["generation"] and _genuine(presented):
        return RefreshTokenRow(**found, current=False)
    return None


def rotate_refresh_token(token: str, client_id: str, scope: str | None) -> tuple[RefreshTokenRow, str] | None:
    """Replace a live refresh token by its successor: the family's row with the requested scope
    (or its old one) and the successor, or None when the token is not live (unknown, rotated,
    revoked, expired, another client's)."""
    presented = _presented(token or "")
    if presented is None:
        return None
    now, generation = utcnow(), presented.generation + 1
    successor = refresh_token_for(presented.family, generation)
    rotated = _ROTATE.first(
        services().engine,
        {
            "family": presented.family,
            "hash": digest(token),
            "client": client_id,
            "now": now,
            "new_hash": digest(successor),
            "generation": generation,
            "scope": scope,
            "expires": now + timedelta(seconds=settings().refresh_token_ttl),
        },
    )
    return (RefreshTokenRow(**rotated), successor) if rotated is not None else None


def revoke_family(family: str) -> None:
    """Revoke every token issued from one authorization code."""
    store().set(f"revfam:{family}", "1", settings().access_token_ttl + 60)
    _REVOKE_FAMILY.run(services().engine, {"family": family, "now": utcnow()})
