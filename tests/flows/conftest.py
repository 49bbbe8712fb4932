"""Helpers for the people-facing flows: CSRF tokens, the registration form, the outbox."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urlparse

import pytest

from flows.delivery.outbox import OutboxMessage

PERSON = {
    "family_name": "Салтыкова-Щедрина",
    "given_name": "Анна",
    "middle_name": "Сергеевна",
    "phone": "+7 916 123-45-67",
    "email": "anna@example.ru",
    "consent_pd_law_152": "1",
    "consent_pd_processing": "1",
}
PHONE_E164 = "+79161234567"
NEW_PASSWORD = "Лето-на-даче-2026"

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client, url: str) -> str:
    """Fetch a page with a form and read its CSRF token, as a browser would."""
    page = client.get(url)
    found = _CSRF.search(page.get_data(as_text=True))
    assert found, f"no csrf_token on {url}"
    return found.group(1)


def post_form(client, page_url: str, action: str, data: dict):
    return client.post(action, data={"csrf_token": csrf_token(client, page_url), **data})


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def path_of(url: str) -> str:
    parsed = urlparse(url)
    return parsed.path + (f"?{parsed.query}" if parsed.query else "")


def start_authorization(client, **extra) -> str:
    """A relying party sends the person here; returns the paused request's ia."""
    from urllib.parse import parse_qs

    from tests.conftest import CONFIDENTIAL, RP_CALLBACK

    query = {
        "client_id": CONFIDENTIAL["client_id"],
        "response_type": "code",
        "scope": "openid email",
        "redirect_uri": RP_CALLBACK,
        "state": "s1",
        "nonce": "n1",
        **extra,
    }
    response = client.get("/authorize", query_string=query)
    assert response.status_code == 302
    return parse_qs(urlparse(response.headers["Location"]).query)["ia"][0]


class Outbox:
    """What the delivery worker would send, read from the outbox table."""

    def __init__(self, app) -> None:
        self.app = app

    def messages(self, channel: str, recipient: str) -> list[dict]:
        with self.app.app_context():
            rows = (
                OutboxMessage.query.filter_by(channel=channel, recipient=recipient)
                .order_by(OutboxMessage.id)
                .all()
            )
            return [{"subject": r.subject, "text": r.body_text, "html": r.body_html} for r in rows]

    def sms_code(self, phone: str = PHONE_E164) -> str:
        sms = self.messages("sms", phone)
        assert sms, f"no SMS to {phone}"
        return re.search(r"\b(\d{4,10})\b", sms[-1]["text"]).group(1)

    def activation_path(self, email: str = PERSON["email"]) -> str:
        mails = [m for m in self.messages("email", email) if "/activate/" in m["text"]]
        assert mails, f"no activation e-mail to {email}"
        return path_of(re.search(r"(https?://\S+/activate/\S+)", mails[-1]["text"]).group(1))


@pytest.fixture
def outbox(app):
    return Outbox(app)


@pytest.fixture
def register(client):
    """Submit the registration form with the standard person, changed by keyword arguments."""

    def submit(ia=None, **changes):
        data = {**PERSON, **changes}
        data = {k: v for k, v in data.items() if v is not None}
        if ia:
            data["ia"] = ia
        return post_form(client, "/register", "/register", data)

    return submit


@pytest.fixture
def sign_in(client):
    def submit(login, password, ia=None):
        data = {"login": login, "password": password}
        if ia:
            data["ia"] = ia
        return post_form(client, "/login", "/login", data)

    return submit
