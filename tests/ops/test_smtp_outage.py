"""SMTP out of reach (a cut proxy before the mail server): the activation mail waits in the
outbox and is delivered once the server is back; the person's registration is not held up."""

from __future__ import annotations

import re

from flows.delivery.worker import deliver_due
from idp.clock import clock
from tests.support.delivery import delivery_overrides
from tests.support.pages import post_form
from tests.support.registration import PERSON, PHONE_E164


def test_activation_mail_is_delivered_once_smtp_returns(tcp_proxy, make_app, sms_endpoint, smtp_server):
    proxy = tcp_proxy(f"smtp://127.0.0.1:{smtp_server.port}")
    app = make_app(
        **{**delivery_overrides(sms_endpoint, smtp_server), "smtp_port": proxy.port, "smtp_timeout": 1.0}
    )
    browser = app.test_client()

    def deliver() -> int:
        with app.app_context():
            return deliver_due()

    proxy.cut()
    assert post_form(browser, "/register", "/register", PERSON).status_code == 302
    assert deliver() == 1  # the SMS password goes by the gateway, which is up
    code = re.search(r"\b(\d{6})\b", sms_endpoint.texts_to(PHONE_E164)[0]).group(1)
    signed_in = post_form(browser, "/login", "/login", {"login": PERSON["email"], "password": code})
    assert signed_in.headers["Location"].startswith("/password/change")

    assert deliver() == 0  # the activation mail: SMTP is down, the message waits
    assert smtp_server.messages == []

    proxy.restore()
    clock.advance(10.0)  # delivery_backoff_seconds of delivery_overrides
    assert deliver() == 1
    [mail] = smtp_server.messages
    assert mail["To"] == PERSON["email"] and "/activate/" in mail.get_body(("plain",)).get_content()
