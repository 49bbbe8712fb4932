"""The outbox: a message is a row written in the same transaction as its cause."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import Index, delete, or_

from idp.clock import utcnow
from idp.db import UTCDateTime, db
from idp.ops import metrics


class OutboxMessage(db.Model):
    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_message_pending", "sent_at", "dead_at", "next_attempt_at"),)

    id = db.Column(db.Integer, primary_key=True)
    channel = db.Column(db.String(10), nullable=False)  # sms | email | logout
    recipient = db.Column(db.String(320), nullable=False)  # logout: the backchannel_logout_uri
    subject = db.Column(db.String(300), nullable=True)  # logout: the client_id
    body_text = db.Column(db.Text, nullable=False)
    body_html = db.Column(db.Text, nullable=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    next_attempt_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    attempts = db.Column(db.Integer, nullable=False, default=0)
    claimed_until = db.Column(UTCDateTime, nullable=True)
    sent_at = db.Column(UTCDateTime, nullable=True)
    dead_at = db.Column(UTCDateTime, nullable=True)
    last_error = db.Column(db.String(300), nullable=True)


def enqueue_sms(to: str, text: str) -> OutboxMessage:
    """Queue an SMS in the caller's transaction; the caller commits."""
    message = OutboxMessage(channel="sms", recipient=to, body_text=text)
    db.session.add(message)
    metrics.count("messages", channel="sms", outcome="queued")
    return message


def enqueue_email(to: str, subject: str, text: str, html: str | None = None) -> OutboxMessage:
    """Queue an e-mail in the caller's transaction; the caller commits."""
    message = OutboxMessage(channel="email", recipient=to, subject=subject, body_text=text, body_html=html)
    db.session.add(message)
    metrics.count("messages", channel="email", outcome="queued")
    return message


def purge_finished(retention: float, now: datetime | None = None) -> int:
    """Delete messages sent or given up on more than `retention` seconds ago; commits.

    A sent SMS password or activation link is of no use after its own lifetime,
    and the row holds a phone number or an address, a name and a code: it is
    kept only long enough for support to answer "did it go out?".
    """
    cutoff = (now or utcnow()) - timedelta(seconds=retention)
    m = OutboxMessage
    result = db.session.execute(delete(m).where(or_(m.sent_at < cutoff, m.dead_at < cutoff)))
    db.session.commit()
    return result.rowcount


def forget(recipients: Iterable[str]) -> int:
    """Delete every message to these phones / addresses, in the caller's transaction.

    For erasing a person's data (an expired cabinet): pending messages to them go too.
    """
    wanted = [r for r in recipients if r]
    if not wanted:
        return 0
    result = db.session.execute(delete(OutboxMessage).where(OutboxMessage.recipient.in_(wanted)))
    return result.rowcount
