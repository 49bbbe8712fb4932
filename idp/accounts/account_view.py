"""An account as the protocol's hot paths read it: from the short-lived store, else one SELECT.

Token and userinfo requests read the account on every call (claims, lifecycle
state) and it changes rarely, so it is kept in the store: a GET costs a fifth of
the cheapest SELECT through SQLAlchemy. Freshness is kept by invalidation, not
by a short lifetime: every commit that changed an account writes a stale mark
over its entry, and a reader fills an entry only where nothing is stored (SET NX),
so a reader that loaded the row before the change cannot put the old row back
while the mark lives. The entry's lifetime only bounds the damage of a commit that
could not reach the store. Statements that change accounts in bulk (Core UPDATE or
DELETE, which the ORM's flush does not see) must call `changed()` themselves.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from dataclasses import astuple, dataclass, field
from datetime import UTC, datetime
from itertools import chain

from sqlalchemy import bindparam, event, select
from sqlalchemy.orm import Session

from idp.db import db
from idp.models import Account
from idp.services import blocking, orm_session, store
from idp.store import StoreUnavailable
from idp.store.base import UNREAD

STORE_PREFIX = "acct:"
ENTRY_TTL = 300
STALE_TTL = 30  # longer than any gap between a reader's SELECT and its fill
STALE = "stale"
DECODED_KEPT = 1024  # decoded entries remembered (a few MB at most)
_PENDING = "idp_changed_accounts"
log = logging.getLogger(__name__)

_COLUMNS = (
    "id",
    "sub",
    "family_name",
    "given_name",
    "middle_name",
    "email",
    "phone",
    "locale",
    "phone_verified_at",
    "email_verified_at",
    "password_changed_at",
    "activation_deadline",
    "closed_at",
)
_TIMES = frozenset(name for name in _COLUMNS if name.endswith(("_at", "_deadline")))
_TIME_POSITIONS = tuple(i for i, name in enumerate(_COLUMNS) if name in _TIMES)
_SELECT_BY_ID = select(*(getattr(Account, name) for name in _COLUMNS)).where(Account.id == bindparam("id"))


@dataclass(frozen=True, slots=True)
class AccountView:
    id: int
    sub: str
    family_name: str
    given_name: str
    middle_name: str | None
    email: str
    phone: str
    locale: str
    phone_verified_at: datetime | None
    email_verified_at: datetime | None
    password_changed_at: datetime | None
    activation_deadline: datetime | None
    closed_at: datetime | None
    extras: dict = field(default_factory=dict)  # values other packages add (register_extra)

    @property
    def name(self) -> str:
        return Account.name.fget(self)


_EXTRAS: dict[str, Callable[[int], object]] = {}
_DEPENDENTS: dict[type, Callable[[object], int | None]] = {}


def register_extra(name: str, compute: Callable[[int], object], changed_by: type) -> None:
    """Keep `compute(account_id)` in the view as `extras[name]`, recomputed after any commit
    that adds, changes or deletes a `changed_by` row (which has an `account_id`).

    How another package puts a per-account value on the hot path (the consents claim)
    without idp importing it: handed in by the app factory."""
    _EXTRAS[name] = compute
    _DEPENDENTS[changed_by] = lambda row: row.account_id


def entry_key(account_id: int) -> str:
    return f"{STORE_PREFIX}{account_id}"


def _encode(view: AccountView) -> str:
    values = [v.timestamp() if isinstance(v, datetime) else v for v in astuple(view)[:-1]]
    values.append(view.extras)
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"))


# Userinfo decodes an entry per request, and most are the same few accounts' entries again.
# A view is frozen and made from its entry alone, so equal entries share one; an account's
# change writes a new entry, which is a new key here.
@functools.lru_cache(maxsize=DECODED_KEPT)
def _decode(raw: str) -> AccountView:
    values = json.loads(raw)  # the columns, then the extras
    if len(values) != len(_COLUMNS) + 1:
        raise ValueError(f"an account entry of {len(values)} values, not {len(_COLUMNS) + 1}")
    for i in _TIME_POSITIONS:  # userinfo decodes one per request: no generator, no name tests
        if values[i] is not None:
            values[i] = datetime.fromtimestamp(values[i], UTC)
    return AccountView(*values)


def select_view(account_id: int) -> AccountView | None:
    """The account straight from the database."""
    row = db.session.execute(_SELECT_BY_ID, {"id": account_id}).first()
    if row is None:
        return None
    return AccountView(*row, {name: compute(account_id) for name, compute in _EXTRAS.items()})


def load(account_id: int, stored: str | None | object = UNREAD) -> AccountView | None:
    """The account; `stored` is its store entry when the caller already read it (None: absent)."""
    key = entry_key(account_id)
    raw = store().get(key) if stored is UNREAD else stored
    if raw is not None and raw != STALE:
        return _decode(raw)
    view = blocking(_selected, account_id)
    if view is not None and raw is None:
        store().set(key, _encode(view), ENTRY_TTL, only_if_absent=True)
    return view


def _selected(account_id: int) -> AccountView | None:
    with orm_session():
        return select_view(account_id)


def changed(session: Session, account_id: int) -> None:
    """Mark an account changed by a bulk statement; its entry is marked stale at commit."""
    session.info.setdefault(_PENDING, set()).add(account_id)


@event.listens_for(Session, "after_flush")
def _collect_changed(session: Session, flush_context) -> None:
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Account):
            if obj.id is not None and obj not in session.new:
                changed(session, obj.id)
            continue
        account_of = _DEPENDENTS.get(type(obj))
        if account_of is not None and account_of(obj) is not None:
            changed(session, account_of(obj))


@event.listens_for(Session, "after_commit")
def _mark_stale(session: Session) -> None:
    account_ids = session.info.pop(_PENDING, None)
    if not account_ids:
        return
    try:
        for account_id in account_ids:
            store().set(entry_key(account_id), STALE, STALE_TTL)
    except StoreUnavailable:
        # The change is committed; its cached copy expires within ENTRY_TTL.
        log.warning("account cache: could not mark %d account(s) stale", len(account_ids))


@event.listens_for(Session, "after_rollback")
def _forget_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)
