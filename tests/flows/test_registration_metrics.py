"""Each stage of a registration is counted on /metrics."""

from __future__ import annotations

from tests.flows.conftest import PERSON
from tests.flows.test_password_and_activation import activate, change_password
from tests.ops.test_metrics import scrape, value


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
