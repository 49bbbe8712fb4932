"""Append-only consent records; the current state is derived from them.

Every grant and every withdrawal is one row with its evidence: which text (by
version and SHA-256), when, through which channel, and from where (IP address
and browser for the web, the employee for the client office). A row is never
changed or deleted by the application: the ORM refuses it. The single exception
is `anonymise`, used when a closed account's personal data is erased: the row
stays as proof that a consent existed, but no longer says whose it was. The
database does the same whenever an account row is deleted by any other path
(a trigger, see the migration "consent: anonymise records when an account is
deleted").
"""

from __future__ import annotations

import contextvars

from sqlalchemy import update

from consent import catalogue
from idp.clock import utcnow
from idp.db import UTCDateTime, db
from idp.db.append_only import refuse_changes

CHANNELS = ("web", "office", "account")
USER_AGENT_MAX = 300


class ConsentRecordImmutable(RuntimeError):
    """Someone tried to change or delete a consent record."""


class MissingEvidence(ValueError):
    """A record without the evidence its channel requires."""


class ConsentRecord(db.Model):
    __tablename__ = "consent_record"

    id = db.Column(db.Integer, primary_key=True)
    account_id = db.Column(
        db.Integer, db.ForeignKey("account.id", ondelete="SET NULL"), nullable=True, index=True
    )
    kind = db.Column(db.String(40), nullable=False)
    version = db.Column(db.String(40), nullable=False)
    text_hash = db.Column(db.String(64), nullable=False, default="")
    granted = db.Column(db.Boolean, nullable=False)
    at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    channel = db.Column(db.String(20), nullable=False, default="web")
    ip_address = db.Column(db.String(64), nullable=True)
    user_agent = db.Column(db.String(300), nullable=True)
    operator = db.Column(db.String(100), nullable=True)

    def evidence(self) -> dict:
        """The row as a regulator would read it."""
        return {
            "kind": self.kind,
            "version": self.version,
            "text_sha256": self.text_hash,
            "granted": self.granted,
            "at": self.at.isoformat(),
            "channel": self.channel,
            "ip_address": self.ip_address,
            "user_agent": self.user_agent,
            "operator": self.operator,
        }


def record(
    account_id: int,
    kind: str,
    version: str,
    granted: bool,
    *,
    channel: str = "web",
    ip_address: str | None = None,
    user_agent: str | None = None,
    operator: str | None = None,
    text_hash: str | None = None,
) -> ConsentRecord:
    """Append one grant or withdrawal to the caller's transaction (the caller commits).

    The text's hash comes from the catalogue; a hash passed in must match it.
    Raises catalogue.UnknownConsent for a kind or version not published, and
    MissingEvidence when the channel's evidence is absent.
    """
    published = catalogue.version(kind, version)
    if text_hash is not None and text_hash != published.sha256:
        raise MissingEvidence(f"{kind} version {version}: text hash does not match the published text")
    if channel not in CHANNELS:
        raise MissingEvidence(f"unknown channel {channel!r}")
    if channel == "office" and not operator:
        raise MissingEvidence("a consent taken at the office names the operator")
    if channel in ("web", "account") and not ip_address:
        raise MissingEvidence("a consent given on the web carries the IP address")
    entry = ConsentRecord(
        account_id=account_id,
        kind=kind,
        version=version,
        text_hash=published.sha256,
        granted=bool(granted),
        at=utcnow(),
        channel=channel,
        ip_address=ip_address if channel != "office" else None,
        user_agent=(user_agent or "")[:USER_AGENT_MAX] if channel != "office" else None,
        operator=operator if channel == "office" else None,
    )
    db.session.add(entry)
    return entry


def history(account_id: int) -> list[ConsentRecord]:
    """Every record of one account, oldest first."""
    return ConsentRecord.query.filter_by(account_id=account_id).order_by(ConsentRecord.id).all()


def current_state(account_id: int) -> dict[str, ConsentRecord]:
    """The latest record per kind for one account."""
    latest: dict[str, ConsentRecord] = {}
    for row in history(account_id):
        latest[row.kind] = row
    return latest


def is_granted(account_id: int, kind: str) -> bool:
    row = current_state(account_id).get(kind)
    return row is not None and row.granted


_anonymising = contextvars.ContextVar("consent_anonymising", default=False)


def anonymise(account_id: int) -> int:
    """Detach an account's records from it before its personal data is erased.

    The only change a record may undergo: the account, IP address and browser
    are cleared; the kind, version, text hash, time, channel and operator stay.
    Returns how many records were anonymised. The caller commits.
    """
    token = _anonymising.set(True)
    try:
        result = db.session.execute(
            update(ConsentRecord)
            .where(ConsentRecord.account_id == account_id)
            .values(account_id=None, ip_address=None, user_agent=None)
            .execution_options(synchronize_session="fetch")
        )
    finally:
        _anonymising.reset(token)
    return result.rowcount


# The ORM refuses every other change; anonymise's bulk update is the one allowed.
refuse_changes(ConsentRecord, ConsentRecordImmutable, "consent records are append-only", _anonymising.get)
