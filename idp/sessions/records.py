"""SSO sessions as records in the short-lived store, one per browser.

A record holds who signed in and how (each method with its time), the user agent,
every relying party that took part and the grants (token families) issued in the
session. It is keyed by the session's public id (the `sid` relying parties get),
which stays the same for the session's life; the browser proves it holds the
session with a separate secret, kept only hashed here and rotated on every new
proof. An index per account lists its sessions, for the account page and for
ending them all. Plain functions of a store: the protocol lane uses them without Flask.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import asdict, dataclass, field

from idp.store.base import UNREAD, Store

ACR_PASSWORD = "urn:rossetimr:lk:acr:pwd"
ACR_SMS = "urn:rossetimr:lk:acr:sms"
ACR_MFA = "urn:rossetimr:lk:acr:mfa"
ACR_LEVELS = [ACR_SMS, ACR_PASSWORD, ACR_MFA]  # weakest first; each includes those before it
SECOND_FACTORS = {"sms", "otp"}  # amr values proven on top of the password


@dataclass
class SsoSession:
    sid: str
    account_id: int
    auth_time: int
    amr: list[str] = field(default_factory=list)
    clients: list[str] = field(default_factory=list)  # every relying party that got this sid
    proven_at: dict[str, int] = field(default_factory=dict)  # amr value -> when it was last proven
    user_agent: str = ""
    created_at: int = 0
    expires_at: int = 0
    secret_hash: str = ""

    @property
    def amr_claim(self) -> list[str]:
        """amr as tokens state it (RFC 8176): the methods, and "mfa" once there are two factors."""
        methods = set(self.amr)
        if "pwd" in methods and methods & SECOND_FACTORS:
            methods.add("mfa")
        return sorted(methods)

    @property
    def acr(self) -> str:
        methods = set(self.amr)
        if "pwd" in methods and methods & SECOND_FACTORS:
            return ACR_MFA
        if "pwd" in methods:
            return ACR_PASSWORD
        return ACR_SMS

    def holds(self, secret: str) -> bool:
        return bool(self.secret_hash) and hmac.compare_digest(self.secret_hash, secret_hash(secret))


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


KEY_PREFIX = "sso:"  # a record's key: this and the sid
# A record is kept this long past its expiry (load() no longer returns it), so that a sweep
# can end it as a logout would (take_expired): its relying parties are told it ended.
KEPT_EXPIRED = 6 * 3600  # a worker down longer than this leaves sessions ended unannounced
EXPIRY_BUCKET = 60  # seconds: the sessions expiring in one minute are listed together
SWEPT_KEY = "sso-swept-until"  # the first minute not swept yet


def record_key(sid: str) -> str:
    return f"{KEY_PREFIX}{sid}"


def _index(account_id: int) -> str:
    return f"sso-of:{account_id}"


def _grants(sid: str) -> str:
    return f"sso-grants:{sid}"


def _expiring(minute: int) -> str:
    return f"sso-expiring:{minute}"


def _kept_for(record: SsoSession, now: float) -> int:
    """Seconds the store keeps a record's keys: its life left, and KEPT_EXPIRED after."""
    return max(1, int(record.expires_at - now)) + KEPT_EXPIRED


def load(store: Store, sid: str, now: float, stored: str | None | object = UNREAD) -> SsoSession | None:
    """The live record, or None (gone, or past its own expiry: Redis' clock is not ours);
    `stored` is the record's raw value when the caller read it already."""
    if not sid:
        return None
    raw = store.get(record_key(sid)) if stored is UNREAD else stored
    if raw is None:
        return None
    record = SsoSession(**json.loads(raw))
    return record if not record.expires_at or record.expires_at > now else None


def save(store: Store, record: SsoSession, now: float, session_ttl: int) -> None:
    kept = _kept_for(record, now)
    store.set_json(record_key(record.sid), asdict(record), kept)
    store.add_member(_expiring(int(record.expires_at) // EXPIRY_BUCKET), record.sid, kept)
    # The index outlives every session in it: none lasts longer than session_ttl.
    store.add_member(_index(record.account_id), record.sid, session_ttl)


def alive(store: Store, sid: str | None, now: float, stored: str | None | object = UNREAD) -> bool:
    return bool(sid) and load(store, sid, now, stored) is not None


def add_grant(store: Store, sid: str, grant: str, now: float) -> None:
    """A token family issued in the session: it ends with the session."""
    record = load(store, sid, now)
    if record is not None:
        store.add_member(_grants(sid), grant, _kept_for(record, now))


def of_account(store: Store, account_id: int, now: float) -> list[SsoSession]:
    """The account's live sessions, newest first."""
    found = [load(store, sid, now) for sid in store.members(_index(account_id))]
    return sorted((r for r in found if r is not None), key=lambda r: r.created_at, reverse=True)


def remove(store: Store, record: SsoSession) -> list[str]:
    """Delete the record; returns the grants issued in it."""
    store.delete(record_key(record.sid))
    return _remove_the_rest(store, record)


def _remove_the_rest(store: Store, record: SsoSession) -> list[str]:
    grants = store.members(_grants(record.sid))
    store.delete(_grants(record.sid))
    store.remove_member(_index(record.account_id), record.sid)
    return grants


def take_expired(store: Store, now: float) -> list[tuple[SsoSession, list[str]]]:
    """The sessions that expired in the minutes not swept yet, each removed with the grants
    issued in it. Any number of sweepers may run: a record goes to the one whose GETDEL
    finds it, and one a logout removed meanwhile to none."""
    until = int(now) // EXPIRY_BUCKET  # the minutes before it are wholly past
    oldest = until - KEPT_EXPIRED // EXPIRY_BUCKET  # older records are gone from the store
    swept = store.get(SWEPT_KEY)
    # No mark (a new store, or nobody swept for KEPT_EXPIRED): every minute a kept record
    # may be listed in, once (~700 commands)
    first = max(oldest, int(swept)) if swept else oldest
    taken = []
    for minute in range(first, until):
        for sid in store.members(_expiring(minute)):
            raw = store.getdel(record_key(sid))
            if raw is not None:
                record = SsoSession(**json.loads(raw))
                taken.append((record, _remove_the_rest(store, record)))
        store.delete(_expiring(minute))
    store.set(SWEPT_KEY, str(until), KEPT_EXPIRED)
    return taken
