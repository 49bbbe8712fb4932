"""Back-channel logout through the outbox (OIDC Back-Channel Logout 1.0).

When a session ends, each relying party that took part and registered a
backchannel_logout_uri gets one outbox row, written in the same transaction as
anything else the ending wrote. The worker signs the logout_token when it sends
(so a retry is never stale) and POSTs it as a form to that address; before each
try it checks the address is still the client's registered one, so nothing goes
to an address the clients file no longer names. In development only loopback
addresses are called: the example clients' real hosts (rossetimr.ru, …) are
shown on /dev/outbox instead.
"""

from __future__ import annotations

import ipaddress
import json
from urllib.parse import urlparse

import requests

from flows.delivery.errors import DeliveryFailed, DeliveryRefused
from flows.delivery.outbox import OutboxMessage
from idp.db import db
from idp.models import Account
from idp.oidc import logout_token
from idp.ops import metrics
from idp.services import services
from idp.sessions.records import SsoSession

CHANNEL = "logout"
LOOPBACK_NAMES = {"localhost"}


def queue_logout_tokens(ended: SsoSession, grants: list[str]) -> None:
    """Listener of session ends (handed to idp.sessions at start-up); commits."""
    account = db.session.get(Account, ended.account_id)
    if account is None:
        return
    for client_id in ended.clients:
        client = services().clients.get(client_id)
        if client is None or not client.backchannel_logout_uri:
            continue
        facts = json.dumps({"sub": account.sub, "sid": ended.sid})
        db.session.add(
            OutboxMessage(
                channel=CHANNEL, recipient=client.backchannel_logout_uri, subject=client_id, body_text=facts
            )
        )
        metrics.count("messages", channel=CHANNEL, outcome="queued")
    db.session.commit()


def is_loopback(uri: str) -> bool:
    host = urlparse(uri).hostname or ""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class BackchannelLogout:
    def __init__(self, timeout: float, only_loopback: bool) -> None:
        self.timeout = timeout
        self.only_loopback = only_loopback

    def send(self, message: OutboxMessage) -> None:
        client = services().clients.get(message.subject or "")
        if client is None or client.backchannel_logout_uri != message.recipient:
            raise DeliveryRefused("not the client's registered backchannel_logout_uri")
        if self.only_loopback and not is_loopback(message.recipient):
            return  # development: the row on /dev/outbox is the delivery
        facts = json.loads(message.body_text)
        token = logout_token.build(services(), client.client_id, facts["sub"], facts["sid"])
        try:
            response = requests.post(
                message.recipient,
                data={"logout_token": token},
                timeout=self.timeout,
                allow_redirects=False,  # §2.5: no redirects; a redirect is not a logout
            )
        except requests.Timeout:
            raise DeliveryFailed("logout endpoint timeout") from None
        except requests.RequestException as exc:
            raise DeliveryFailed(f"logout endpoint unreachable ({type(exc).__name__})") from None
        if 200 <= response.status_code < 300:
            return
        reason = f"logout endpoint answered {response.status_code}"
        if 400 <= response.status_code < 500 and response.status_code not in (408, 429):
            raise DeliveryRefused(
                reason
            )  # §2.8: the relying party could not use it; the same token won't help
        raise DeliveryFailed(reason)
