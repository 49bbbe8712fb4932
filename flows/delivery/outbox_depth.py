"""The outbox depth as Prometheus gauges, read from the database at every scrape, so it is
right whichever process queued or sent the messages (registered by the app factory)."""

from __future__ import annotations

import logging

from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func

from flows.delivery.outbox import OutboxMessage
from idp.db import db
from idp.ops import metrics

log = logging.getLogger(__name__)


class OutboxDepth:
    """Pending and dead messages per channel, read at scrape time."""

    def collect(self):
        pending = GaugeMetricFamily(
            metrics.PREFIX + "outbox_pending", "Messages waiting to be sent, by channel.", labels=["channel"]
        )
        dead = GaugeMetricFamily(
            metrics.PREFIX + "outbox_dead",
            "Messages given up after the last retry, by channel.",
            labels=["channel"],
        )
        try:
            rows = (
                db.session.query(
                    OutboxMessage.channel,
                    OutboxMessage.dead_at.is_(None),
                    func.count(OutboxMessage.id),
                )
                .filter(OutboxMessage.sent_at.is_(None))
                .group_by(OutboxMessage.channel, OutboxMessage.dead_at.is_(None))
                .all()
            )
        except Exception:
            db.session.rollback()
            log.warning("outbox depth not available for this scrape")
            return
        counts = {(channel, alive): n for channel, alive, n in rows}
        for channel in sorted(metrics.ALLOWED["channel"]):
            pending.add_metric([channel], counts.get((channel, True), 0))
            dead.add_metric([channel], counts.get((channel, False), 0))
        yield pending
        yield dead
