"""Each stage of a registration is counted on /metrics."""

from __future__ import annotations

from tests.support.metrics import scrape, value
from tests.support.registration import PERSON, activate, change_password


def test_registration_stages_are_counted(client, register, sign_in, outbox):
    before = scrape(client)
    register()
    sign_in(PERSON["email"], outbox.sms_code())
    change_password(client)
    activate(client, outbox.activation_path())
    after = scrape(client)
    for stage in ("started", "confirmed", "activated"):
        delta = value(after, "lkidp_registrations_total", stage=stage) - value(
            before, "lkidp_registrations_total", stage=stage
        )
        assert delta == 1, stage
