"""The delivery worker: claim what is due, send it, record the outcome.

A message is claimed by a conditional UPDATE (claimed_until in the past or
empty) committed before anything is sent, so any number of workers — threads in
the web processes, `lk-idp worker` pods — can run against the same database and
each message goes out once. A worker that dies mid-send leaves a claim that
expires after the lease, and the message is tried again.
"""

from __future__ import annotations

import logging
import random
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import or_, select, update

from flows.delivery.backchannel import CHANNEL as LOGOUT
from flows.delivery.backchannel import BackchannelLogout
from flows.delivery.errors import DeliveryFailed
from flows.delivery.mail import Mailer, mailer
from flows.delivery.outbox import OutboxMessage, purge_finished
from flows.delivery.sms import SmsGateway, sms_gateway
from idp.clock import utcnow
from idp.db import db
from idp.ops import metrics
from idp.services import settings as current_settings
from idp.sessions import sso_session
from idp.settings import Settings
from idp.store import StoreUnavailable

log = logging.getLogger("idp.delivery")
BATCH = 50
ERROR_LENGTH = 300  # outbox_message.last_error


@dataclass
class Senders:
    sms: SmsGateway
    mail: Mailer
    logout: BackchannelLogout

    @classmethod
    def from_settings(cls, settings: Settings) -> Senders:
        logout = BackchannelLogout(settings.backchannel_logout_timeout, only_loopback=settings.development)
        return cls(sms=sms_gateway(settings), mail=mailer(settings), logout=logout)

    def send(self, message: OutboxMessage) -> None:
        if message.channel == "sms":
            self.sms.send(message.recipient, message.body_text)
        elif message.channel == "email":
            self.mail.send(message.recipient, message.subject or "", message.body_text, message.body_html)
        elif message.channel == LOGOUT:
            self.logout.send(message)
        else:
            raise DeliveryFailed(f"unknown channel {message.channel!r}")


def backoff_delay(failures: int, base: float, cap: float, rand=random.random) -> float:
    """Seconds before the next try after `failures` failed ones: base·2^(failures-1), capped.

    Jitter takes off up to a quarter, so that messages that failed together
    (a gateway outage) do not all come back in the same second, and the cap stays a cap.
    """
    delay = min(base * 2 ** max(failures - 1, 0), cap)
    return delay * (0.75 + 0.25 * rand())


def lease_seconds(settings: Settings) -> float:
    """How long a claim holds: well beyond the slowest send a timeout allows."""
    return 3 * max(settings.sms_http_timeout, settings.smtp_timeout, settings.backchannel_logout_timeout) + 30


def due_ids(now: datetime, limit: int = BATCH) -> list[int]:
    m = OutboxMessage
    query = (
        select(m.id)
        .where(m.sent_at.is_(None), m.dead_at.is_(None), m.next_attempt_at <= now)
        .where(or_(m.claimed_until.is_(None), m.claimed_until < now))
        .order_by(m.next_attempt_at, m.id)
        .limit(limit)
    )
    ids = list(db.session.scalars(query))
    db.session.commit()
    return ids


def claim(message_id: int, now: datetime, lease: float) -> bool:
    """Take the message for this worker; False if another worker holds it or it is done."""
    m = OutboxMessage
    result = db.session.execute(
        update(m)
        .where(m.id == message_id, m.sent_at.is_(None), m.dead_at.is_(None))
        .where(or_(m.claimed_until.is_(None), m.claimed_until < now))
        .values(claimed_until=now + timedelta(seconds=lease))
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def _record(message_id: int, **values) -> None:
    # A plain UPDATE: the row may have been erased meanwhile (forget), which is no error.
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(claimed_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def record_sent(message: OutboxMessage, now: datetime) -> None:
    channel, message_id = message.channel, message.id
    _record(message_id, sent_at=now, last_error=None)
    metrics.count("messages", channel=channel, outcome="sent")
    log.info("delivered %s #%s", channel, message_id)


def record_failure(message: OutboxMessage, reason: str, retryable: bool, now: datetime, s: Settings) -> None:
    """Count the failure; schedule the next try with backoff, or give up (dead letter)."""
    channel, message_id, attempts = message.channel, message.id, message.attempts + 1
    reason = reason[:ERROR_LENGTH]
    metrics.count("messages", channel=channel, outcome="failed")
    if not retryable or attempts >= s.delivery_max_attempts:
        _record(message_id, attempts=attempts, last_error=reason, dead_at=now)
        log.error("gave up on %s #%s after %d attempts: %s", channel, message_id, attempts, reason)
        return
    delay = backoff_delay(attempts, s.delivery_backoff_seconds, s.delivery_backoff_max)
    _record(message_id, attempts=attempts, last_error=reason, next_attempt_at=now + timedelta(seconds=delay))
    log.warning(
        "%s #%s failed (attempt %d), retry in %.0f s: %s", channel, message_id, attempts, delay, reason
    )


def deliver_one(message_id: int, now: datetime, senders: Senders, s: Settings) -> bool:
    """Send one claimed message and record the outcome; True if it went out."""
    message = db.session.get(OutboxMessage, message_id)
    if message is None:  # removed meanwhile (an expired cabinet's data erased)
        return False
    try:
        senders.send(message)
    except DeliveryFailed as exc:
        record_failure(message, exc.reason, exc.retryable, now, s)
        return False
    except Exception as exc:
        # An unforeseen error must not stop the worker or leak the message in a traceback.
        record_failure(message, f"unexpected {type(exc).__name__}", True, now, s)
        return False
    record_sent(message, now)
    return True


def deliver_due(now: datetime | None = None) -> int:
    """Send every message due at `now` (default: the clock) that no other worker holds.

    Needs an app context. Returns how many messages went out.
    """
    s = current_settings()
    now = now or utcnow()
    senders = Senders.from_settings(s)
    lease = lease_seconds(s)
    sent = 0
    while ids := due_ids(now):
        for message_id in ids:
            if claim(message_id, now, lease):
                sent += deliver_one(message_id, now, senders, s)
    return sent


def run_pass() -> int:
    """One worker pass: end the sessions whose lifetime ran out (their relying parties'
    logout tokens are queued), deliver what is due, then drop messages past their retention."""
    try:
        sso_session.end_expired()
    except StoreUnavailable:  # the messages already queued still go
        log.warning("expired sessions not ended this pass: the short-lived store is unavailable")
    sent = deliver_due()
    purge_finished(current_settings().delivery_retention)
    return sent


def run_forever(app: Flask, interval: float, stop: threading.Event) -> None:
    """Run passes `interval` seconds apart until `stop` is set; survives a database outage."""
    while not stop.is_set():
        with app.app_context():
            try:
                run_pass()
            except Exception as exc:
                # Database errors quote their SQL parameters (addresses, texts): log the kind only.
                db.session.rollback()
                log.error("delivery pass failed: %s", type(exc).__name__)
        stop.wait(interval)


def attach_in_process(app: Flask) -> None:
    """Run the worker as a daemon thread of this web process, from its first request on.

    Not at create_app time: CLI commands (`db upgrade`, `lk-idp worker`) build the
    app too, and a thread started before gunicorn forks would not survive the fork.
    """
    lock = threading.Lock()
    state = app.extensions["idp.delivery"] = {"stop": threading.Event(), "thread": None}

    @app.before_request
    def _start_delivery_thread() -> None:
        if state["thread"] is not None:
            return
        with lock:
            if state["thread"] is None:
                interval = app.extensions["idp"].settings.delivery_poll_interval
                state["thread"] = threading.Thread(
                    target=run_forever,
                    args=(app, interval, state["stop"]),
                    name="lk-idp-delivery",
                    daemon=True,
                )
                state["thread"].start()


def stop_in_process(app: Flask, timeout: float = 5.0) -> None:
    """Stop this app's delivery thread, if it runs (tests, orderly shutdown)."""
    state = app.extensions.get("idp.delivery")
    if state is None:
        return
    state["stop"].set()
    if state["thread"] is not None:
        state["thread"].join(timeout)
