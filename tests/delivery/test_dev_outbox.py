"""/dev/outbox: what a newcomer reads in `make run` instead of a phone and a mailbox."""

from __future__ import annotations

import pytest

from flows.delivery.outbox import enqueue_email, enqueue_sms
from flows.delivery.worker import deliver_due
from idp.db import db
from idp.settings import SettingsError
from tests.support.config import make_settings

PHONE = "+79161234567"
LINK = "http://127.0.0.1:8000/activate?t=AbC123&x=1"


def _queue(app, *messages):
    with app.app_context():
        for channel, args in messages:
            (enqueue_sms if channel == "sms" else enqueue_email)(*args)
            db.session.commit()


def test_development_outbox_shows_sms_and_email_newest_first(app, client):
    _queue(
        app,
        ("sms", (PHONE, "Пароль для входа: 482915")),
        (
            "email",
            (
                "maria@example.ru",
                "Активация личного кабинета",
                f"Перейдите по ссылке: {LINK}.",
                "<p>HTML</p>",
            ),
        ),
    )
    with app.app_context():
        assert deliver_due() == 2  # console SMS, no SMTP host: marked sent, kept here

    page = client.get("/dev/outbox").get_data(as_text=True)

    assert "Пароль для входа: 482915" in page
    assert "Активация личного кабинета" in page
    assert f'<a href="{LINK.replace("&", "&amp;")}">' in page  # clickable, without the full stop
    assert page.index("Активация личного кабинета") < page.index("Пароль для входа")
    assert page.count("отправлено") == 2
    assert "srcdoc=" in page and "&lt;p&gt;HTML&lt;/p&gt;" in page


def test_outbox_filters_by_recipient_and_escapes_text(app, client):
    _queue(app, ("sms", (PHONE, "<script>alert(1)</script>")), ("sms", ("+79990000000", "Другому")))

    page = client.get("/dev/outbox", query_string={"to": PHONE}).get_data(as_text=True)

    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    assert "Другому" not in page
    assert "ожидает отправки" in page


def test_outbox_page_does_not_exist_outside_development(production_app):
    response = production_app.test_client().get("/dev/outbox")

    assert response.status_code == 404
    assert "Страница не найдена" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        (
            {"env": "production", "sms_backend": "http", "sms_http_url": "https://sms.example/send"},
            "IDP_SMTP_HOST",
        ),
        ({"sms_backend": "http", "sms_http_url": "ftp://sms.example"}, "IDP_SMS_HTTP_URL"),
        ({"delivery_backoff_seconds": 0}, "IDP_DELIVERY_BACKOFF_SECONDS"),
        ({"delivery_max_attempts": 0}, "IDP_DELIVERY_MAX_ATTEMPTS"),
        ({"smtp_username": "lk-idp"}, "IDP_SMTP_PASSWORD"),
    ],
)
def test_bad_delivery_configuration_names_the_setting(backend, server_port, clients_file, changes, named):
    with pytest.raises(SettingsError, match=named):
        make_settings(backend, server_port, clients_file, **changes)
