"""Fixtures for consents: recorded registrations, a newer published text."""

from __future__ import annotations

import shutil
from datetime import UTC, timedelta

import pytest

from consent import catalogue
from consent.records import record
from idp.clock import utcnow
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


@pytest.fixture
def publish_version(monkeypatch, tmp_path):
    """Publish a new version of a text, effective `in_seconds` from now on the test clock."""

    def publish(kind: str, version: str, text: str, in_seconds: float = 0) -> catalogue.Version:
        directory = tmp_path / "texts"
        if not directory.exists():
            shutil.copytree(catalogue.TEXTS_DIR, directory)
        effective = (utcnow() + timedelta(seconds=in_seconds)).astimezone(UTC).replace(microsecond=0)
        (directory / kind / f"{version}.txt").write_text(text, encoding="utf-8")
        with open(directory / "catalogue.toml", "a", encoding="utf-8") as fh:
            fh.write(f'\n[[{kind}.versions]]\nid = "{version}"\neffective = {effective.isoformat()}\n')
        monkeypatch.setattr(catalogue, "CATALOGUE", catalogue.Catalogue.load(directory))
        return catalogue.version(kind, version)

    return publish
