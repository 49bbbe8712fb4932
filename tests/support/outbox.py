"""What the delivery worker would send, read from the outbox table."""

from __future__ import annotations

import re

from flows.delivery.outbox import OutboxMessage
from tests.support.pages import path_of
from tests.support.registration import PERSON, PHONE_E164


class Outbox:
    def __init__(self, app) -> None:
        self.app = app

    def messages(self, channel: str, recipient: str) -> list[dict]:
        with self.app.app_context():
            rows = (
                OutboxMessage.query.filter_by(channel=channel, recipient=recipient)
                .order_by(OutboxMessage.id)
                .all()
            )
            return [{"subject": r.subject, "text": r.body_text, "html": r.body_html} for r in rows]

    def sms_code(self, phone: str = PHONE_E164) -> str:
        sms = self.messages("sms", phone)
        assert sms, f"no SMS to {phone}"
        return re.search(r"\b(\d{4,10})\b", sms[-1]["text"]).group(1)

    def activation_path(self, email: str = PERSON["email"]) -> str:
        mails = [m for m in self.messages("email", email) if "/activate/" in m["text"]]
        assert mails, f"no activation e-mail to {email}"
        return path_of(re.search(r"(https?://\S+/activate/\S+)", mails[-1]["text"]).group(1))
