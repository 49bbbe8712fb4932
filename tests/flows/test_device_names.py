"""The cabinet names a session's device as a person would: browser and system, not the raw string."""

from __future__ import annotations

import pytest

from flows import device_names
from tests.support.browserless import Person
from tests.support.config import SITE
from tests.support.relying_party import RelyingParty

ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.6778.135 Mobile Safari/537.36"
)
ANDROID_YANDEX = (
    "Mozilla/5.0 (Linux; arm_64; Android 13; M2101K6G) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.6723.157 YaBrowser/24.12.1.77.00 SA/3 Mobile Safari/537.36"
)
IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Mobile/15E148 Safari/604.1"
)
IPHONE_CHROME = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1"
)
WINDOWS_EDGE = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0"
)
WINDOWS_FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
MAC_SAFARI = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Safari/605.1.15"
)
LINUX_OPERA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 "
    "Safari/537.36 OPR/115.0.0.0"
)


@pytest.mark.parametrize(
    ("user_agent", "named"),
    [
        (ANDROID_CHROME, "Chrome, Android"),
        (ANDROID_YANDEX, "Яндекс Браузер, Android"),
        (IPHONE_SAFARI, "Safari, iPhone"),
        (IPHONE_CHROME, "Chrome, iPhone"),
        (WINDOWS_EDGE, "Edge, Windows"),
        (WINDOWS_FIREFOX, "Firefox, Windows"),
        (MAC_SAFARI, "Safari, macOS"),
        (LINUX_OPERA, "Opera, Linux"),
        ("python-requests/2.32.3", None),
        ("", None),
    ],
)
def test_a_user_agent_is_named_by_its_browser_and_system(app, user_agent, named):
    with app.test_request_context("/account"):
        assert device_names.describe(user_agent) == named


def test_yandex_browser_is_named_in_english_on_english_pages(app):
    with app.test_request_context("/account", headers={"Accept-Language": "en"}):
        assert device_names.describe(ANDROID_YANDEX) == "Yandex Browser, Android"


def test_the_cabinet_lists_sessions_by_device(live_server, make_account):
    site = RelyingParty(live_server, SITE["client_id"], SITE["client_secret"], SITE["callback"])
    account = make_account()
    phone, robot = Person(live_server), Person(live_server)
    phone.http.headers["User-Agent"] = ANDROID_CHROME
    for browser in (phone, robot):
        site.sign_in(browser, account)
    page = phone.get("/account").text
    assert "Chrome, Android" in page and "AppleWebKit" not in page
    assert "python-requests/" in page  # a string naming neither is shown as it came
