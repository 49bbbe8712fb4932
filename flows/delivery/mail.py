"""E-mail over SMTP: multipart/alternative (plain text + HTML), UTF-8 headers.

In development without IDP_SMTP_HOST nothing is sent: the message is marked
sent and read on /dev/outbox, so `make run` needs no mail server.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Protocol

from flows.delivery.errors import DeliveryFailed, DeliveryRefused
from idp.clock import clock
from idp.settings import Settings


class Mailer(Protocol):
    def send(self, to: str, subject: str, text: str, html: str | None) -> None:
        """Hand one e-mail over; raise DeliveryFailed if the server did not take it."""


def build_message(mail_from: str, to: str, subject: str, text: str, html: str | None) -> EmailMessage:
    """The e-mail as it goes on the wire; Russian subjects are RFC 2047-encoded by the policy."""
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(clock.time(), localtime=False)
    message["Message-ID"] = make_msgid(domain=mail_from.rpartition("@")[2] or None)
    message.set_content(text, charset="utf-8")
    if html:
        message.add_alternative(html, subtype="html", charset="utf-8")
    return message


class OutboxOnlyMailer:
    """Development without SMTP: the outbox row itself is the delivered e-mail."""

    def send(self, to: str, subject: str, text: str, html: str | None) -> None:
        return None


class SmtpMailer:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, to: str, subject: str, text: str, html: str | None) -> None:
        message = build_message(self.settings.mail_from, to, subject, text, html)
        try:
            with self._connect() as smtp:
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            raise _refused(exc) from None
        except smtplib.SMTPResponseException as exc:
            raise DeliveryFailed(f"smtp answered {exc.smtp_code}") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryFailed(f"smtp connection failed ({type(exc).__name__})") from None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout)
        try:
            if s.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if s.smtp_username:
                smtp.login(s.smtp_username, s.smtp_password)
        except BaseException:
            smtp.close()
            raise
        return smtp


def _refused(exc: smtplib.SMTPRecipientsRefused) -> DeliveryFailed:
    # Only the code is kept: the server's text usually repeats the address.
    code = min((code for code, _ in exc.recipients.values()), default=0)
    if code >= 500:
        return DeliveryRefused(f"smtp refused recipient {code}")
    return DeliveryFailed(f"smtp deferred recipient {code}")


def mailer(settings: Settings) -> Mailer:
    if not settings.smtp_host:
        return OutboxOnlyMailer()
    return SmtpMailer(settings)
