"""The procedure with real delivery: the SMS password through the HTTP gateway, the link by SMTP.

The gateway is down when the person registers: the registration still goes
through, and the SMS arrives once the gateway is back.
"""

from __future__ import annotations

import re

from idp.clock import clock
from idp.web.messages import EMAIL_SUBJECTS, MESSAGES
from tests.support.pages import csrf_token, path_of, post_form, text
from tests.support.registration import PERSON, PHONE_E164

BASE = 10.0  # delivery_backoff_seconds of delivery_app


def test_sms_password_and_activation_link_arrive_despite_a_gateway_outage(
    delivery_app, deliver, sms_endpoint, smtp_server
):
    browser = delivery_app.test_client()
    sms_endpoint.fail_with(500)

    assert post_form(browser, "/register", "/register", PERSON).status_code == 302
    assert deliver() == 0 and len(sms_endpoint.requests) == 1

    sms_endpoint.recover()
    clock.advance(BASE)
    assert deliver() == 1
    [sms] = sms_endpoint.texts_to(PHONE_E164)
    code = re.search(r"\b(\d{6})\b", sms).group(1)

    signed_in = post_form(browser, "/login", "/login", {"login": PERSON["email"], "password": code})
    assert signed_in.headers["Location"].startswith("/password/change")
    assert deliver() == 1

    [mail] = smtp_server.messages
    assert mail["To"] == PERSON["email"]
    assert mail["Subject"] == EMAIL_SUBJECTS["activation"]
    link = re.search(r"https?://\S+/activate/\S+", mail.get_body(("plain",)).get_content()).group(0)
    assert link in mail.get_body(("html",)).get_content()
    activated = browser.post(path_of(link), data={"csrf_token": csrf_token(browser, "/login")})
    assert MESSAGES["activation_done"] in text(activated)
    assert sms_endpoint.texts_to(PHONE_E164) == [sms]  # still exactly one SMS
