"""Why a send failed, in words safe to store and log.

A reason never carries the recipient, the message text or a credential: it is
written to outbox_message.last_error and to the logs, which operators read and
which outlive the personal data they would otherwise leak.
"""

from __future__ import annotations


class DeliveryFailed(Exception):
    """The gateway did not take the message; trying again later may work."""

    retryable = True

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class DeliveryRefused(DeliveryFailed):
    """The gateway refused the message for good (e.g. a mailbox that does not exist)."""

    retryable = False
