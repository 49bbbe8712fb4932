"""Fixtures for the protocol tests: a relying party's flow for a fresh account."""

from __future__ import annotations

import pytest

from tests.support.oidc import Flow


@pytest.fixture
def flow(live_server, make_account):
    return Flow(live_server, make_account())
