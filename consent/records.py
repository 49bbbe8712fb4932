"""Append-only consent records; the current state is derived from them."""

from __future__ import annotations

from idp.clock import utcnow
from idp.db import UTCDateTime, db


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


def record(account_id: int, kind: str, version: str, granted: bool, **evidence) -> ConsentRecord:
    """Append one grant or withdrawal to the caller's transaction."""
    entry = ConsentRecord(account_id=account_id, kind=kind, version=version, granted=granted, **evidence)
    db.session.add(entry)
    return entry


def current_state(account_id: int) -> dict[str, ConsentRecord]:
    """The latest record per kind for one account."""
    latest: dict[str, ConsentRecord] = {}
    rows = ConsentRecord.query.filter_by(account_id=account_id).order_by(ConsentRecord.id).all()
    for row in rows:
        latest[row.kind] = row
    return latest
