"""What a person calls the device of a sign-in: "Chrome, Android", not its User-Agent string.

The cabinet lists where the person is signed in so that they can end a session they
do not recognise, on a phone as often as not: a browser and a system name are what
they can check against the devices in their hands. Browsers name others they are
built on ("Chrome/… Safari/…" in Edge, Opera and Yandex Browser alike), so the first
marker found in the order below names the browser.
"""

from __future__ import annotations

from flask_babel import gettext

from idp.web.messages import N_

_BROWSERS = (
    ("YaBrowser/", N_("Яндекс Браузер")),
    ("Edg/", "Edge"),
    ("EdgA/", "Edge"),
    ("EdgiOS/", "Edge"),
    ("OPR/", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Macintosh", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def _first(user_agent: str, markers: tuple) -> str | None:
    return next((name for marker, name in markers if marker in user_agent), None)


def describe(user_agent: str) -> str | None:
    """ "Browser, system", or whichever of the two is known; None when neither is."""
    browser, system = _first(user_agent, _BROWSERS), _first(user_agent, _SYSTEMS)
    named = [gettext(browser) if browser else None, system]
    return ", ".join(name for name in named if name) or None
