"""A newcomer in `make run` follows the e-mailed link from /dev/outbox, in the text and the HTML part."""

import pytest

from flows.delivery.outbox import enqueue_email
from flows.delivery.worker import deliver_due
from idp.db import db

pytestmark = pytest.mark.browser


@pytest.fixture
def activation_mail(app, live_server):
    link = live_server + "/login?notice=x"
    with app.app_context():
        enqueue_email(
            "maria@example.ru",
            "Активация личного кабинета",
            f"Перейдите по ссылке: {link}",
            f'<p><a href="{link}">Активировать личный кабинет</a></p>',
        )
        db.session.commit()
        deliver_due()
    return link


def test_link_in_the_text_part_opens(page, live_server, activation_mail):
    page.goto(live_server + "/dev/outbox")
    page.locator(".body-text a").click()
    page.wait_for_url(activation_mail)
    assert page.get_by_role("button", name="Войти").is_visible()


def test_link_in_the_html_part_opens_in_the_whole_window(page, live_server, activation_mail):
    page.goto(live_server + "/dev/outbox")
    page.get_by_text("HTML-версия").click()
    page.frame_locator(".body-html").get_by_role("link", name="Активировать личный кабинет").click()
    page.wait_for_url(activation_mail)
    assert page.get_by_role("button", name="Войти").is_visible()
