"""Debian's chromium driven by Playwright (never a downloaded browser), and axe-core from npm.

Without chromium the browser tests are skipped with one line naming the command that installs
it; `make test` installs it first where it can (the Makefile's browser-deps).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.support.applicant_steps import confirm_activate_and_return, sms_code
from tests.support.config import CONFIDENTIAL
from tests.support.relying_party import RelyingParty

# IDP_TEST_CHROMIUM points elsewhere (a path that does not exist shows the skip).
CHROMIUM = os.environ.get("IDP_TEST_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


SKIP_NOTE = "browser tests skipped: Debian's chromium is not installed (apt-get install chromium)"


def pytest_collection_modifyitems(config, items):
    """Without chromium the browser tests are left out, and the summary says so in one line."""
    if Path(CHROMIUM).exists():
        return
    left_out = [item for item in items if item.get_closest_marker("browser")]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if not item.get_closest_marker("browser")]
        config.stash[_LEFT_OUT] = len(left_out)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if config.stash.get(_LEFT_OUT, 0):
        terminalreporter.write_line(f"{config.stash[_LEFT_OUT]} {SKIP_NOTE}")


_LEFT_OUT = pytest.StashKey[int]()


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.exists():
        pytest.skip("axe-core is not installed: npm ci")
    return AXE.read_text()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="ru-RU")
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    yield opened
    context.close()


@pytest.fixture
def loopback_rp(live_server):
    """The confidential test client as a relying party asking for `scope`, its redirect URI on
    loopback (the development demo's callback): the browser never leaves the machine."""

    def make(scope: str) -> RelyingParty:
        client_id, secret = CONFIDENTIAL["client_id"], CONFIDENTIAL["client_secret"]
        return RelyingParty(live_server, client_id, secret, live_server + "/demo/callback", scope)

    return make


@pytest.fixture
def applicant_part(deliver, sms_endpoint, smtp_server):
    """The applicant's own part of the procedure (tests.support.applicant_steps) with this test's
    SMS gateway and mail server: from the page with «Пароль» to `rp`'s callback; its query."""

    def run(page, rp, *, email: str, phone: str, new_password: str) -> dict:
        return confirm_activate_and_return(
            page,
            page.context,
            email=email,
            code=sms_code(sms_endpoint, phone),
            new_password=new_password,
            deliver=deliver,
            smtp_server=smtp_server,
            callback=rp.callback,
        )

    return run
