"""Delivery tests: queue messages as a flow would, read back what the outbox recorded.

The SMS endpoint and SMTP server fixtures live in tests/fixtures_delivery.py
(a plugin every folder can use).
"""

from __future__ import annotations

import pytest

from flows.delivery.outbox import OutboxMessage, enqueue_email, enqueue_sms
from idp.db import db


@pytest.fixture
def queue(delivery_app):
    """Queue and commit messages as a registration would; returns their ids."""

    class Queue:
        def sms(self, to: str, text: str) -> int:
            with delivery_app.app_context():
                message = enqueue_sms(to, text)
                db.session.commit()
                return message.id

        def email(self, to: str, subject: str, text: str, html: str | None = None) -> int:
            with delivery_app.app_context():
                message = enqueue_email(to, subject, text, html)
                db.session.commit()
                return message.id

        def row(self, message_id: int) -> dict:
            with delivery_app.app_context():
                m = db.session.get(OutboxMessage, message_id)
                return {c.name: getattr(m, c.name) for c in OutboxMessage.__table__.columns}

    return Queue()
