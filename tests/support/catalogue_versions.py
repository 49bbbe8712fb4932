"""A newer published consent text, for the consent tests and the browser walk (a fixture plugin)."""

from __future__ import annotations

import shutil
from datetime import UTC, timedelta

import pytest

from consent import catalogue
from idp.clock import utcnow


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
