"""SMS gateways behind one interface, chosen by IDP_SMS_BACKEND.

`console` is for development: it sends nothing, the message is marked sent and
read on /dev/outbox. `http` POSTs JSON {"to", "text"} to the configured URL, so
any SMS aggregator can sit behind a small hook of its own.
"""

from __future__ import annotations

import json
from typing import Protocol

import requests

from flows.delivery.errors import DeliveryFailed
from idp.settings import Settings


class SmsGateway(Protocol):
    def send(self, to: str, text: str) -> None:
        """Hand one SMS over; raise DeliveryFailed if the gateway did not take it."""


class ConsoleSms:
    """Development: the outbox row itself is the delivered message (see /dev/outbox)."""

    def send(self, to: str, text: str) -> None:
        return None


class HttpSms:
    def __init__(self, url: str, token: str = "", timeout: float = 5.0) -> None:
        self.url = url
        self.timeout = timeout
        self.headers = {"Content-Type": "application/json; charset=utf-8"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    def send(self, to: str, text: str) -> None:
        # UTF-8 on the wire rather than \u escapes: aggregators' logs stay readable.
        body = json.dumps({"to": to, "text": text}, ensure_ascii=False).encode()
        try:
            # No redirects: requests would turn the POST into a GET and call that "sent".
            response = requests.post(
                self.url, data=body, headers=self.headers, timeout=self.timeout, allow_redirects=False
            )
        except requests.Timeout:
            raise DeliveryFailed("sms gateway timeout") from None
        except requests.RequestException as exc:
            raise DeliveryFailed(f"sms gateway unreachable ({type(exc).__name__})") from None
        if not 200 <= response.status_code < 300:
            raise DeliveryFailed(f"sms gateway answered {response.status_code}")


def sms_gateway(settings: Settings) -> SmsGateway:
    if settings.sms_backend == "http":
        return HttpSms(settings.sms_http_url, settings.sms_http_token, settings.sms_http_timeout)
    return ConsoleSms()
