"""Fixtures for consents: recorded registrations, a newer published text."""

from __future__ import annotations

import pytest

from consent.records import record
from idp.db import db
from tests.support.consent import BROWSER


@pytest.fixture
def registered(app, make_account):
    """An activated account whose registration recorded all three consents (version 2026-01, on the web)."""

    def make(**fields):
        account = make_account(**fields)
        with app.app_context():
            for kind in ("pd_law_152", "pd_processing", "mailing"):
                record(
                    account["id"],
                    kind,
                    "2026-01",
                    True,
                    channel="web",
                    ip_address="203.0.113.7",
                    user_agent=BROWSER,
                )
            db.session.commit()
        return account

    return make
