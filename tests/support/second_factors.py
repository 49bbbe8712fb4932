"""Enrolling an authenticator app the way a person does: the account page, the QR code's
secret typed into an app (pyotp here), a code from it and the password."""

from __future__ import annotations

import re

import pyotp

from idp.clock import clock

SECRET = re.compile(r'<code id="secret">([A-Z2-7 ]+)</code>')
RECOVERY = re.compile(r"<li><code>([a-z0-9-]+)</code></li>")


def app_code(secret: str, steps_ahead: int = 0) -> str:
    totp = pyotp.TOTP(secret)
    return totp.at(clock.time() + steps_ahead * totp.interval)


def enrol(person, password: str) -> tuple[str, list[str]]:
    """The app's secret and the recovery codes shown once."""
    page = person.get("/account/authenticator")
    assert page.status_code == 200, page.text[:300]
    secret = SECRET.search(page.text).group(1).replace(" ", "")
    done = person.submit(page, "/account/authenticator", {"code": app_code(secret), "password": password})
    assert done.status_code == 200, done.text[:500]
    return secret, RECOVERY.findall(done.text)
