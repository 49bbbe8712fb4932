"""The whole published procedure in a real browser, from a relying party and back.

SMS passwords arrive at a real HTTP endpoint the test runs as the SMS gateway,
activation mail at a real SMTP server (aiosmtpd); the worker that sends them
is the project's own, run between the person's steps.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

PHONE = "+79161112233"
EMAIL = "applicant@example.ru"
NEW_PASSWORD = "Светлый-Дом-на-Пресне-7"


def test_register_confirm_activate_and_return_to_the_relying_party(
    page, live_server, delivery_app, deliver, loopback_rp, applicant_part
):
    rp = loopback_rp("openid profile email phone")
    page.goto(rp.authorize_url())
    page.get_by_role("link", name="Зарегистрируйтесь").click()
    page.get_by_label("Фамилия").fill("Смирнова")
    page.get_by_label("Имя", exact=True).fill("Анна")
    page.get_by_label("Отчество").fill("Сергеевна")
    page.get_by_label("Мобильный телефон").fill("8 916 111-22-33")
    page.get_by_label("E-mail").fill(EMAIL)
    page.get_by_label("№ 152-ФЗ «О персональных данных» (обязательно)").check()
    page.get_by_label("Даю согласие на передачу и обработку персональных данных (обязательно)").check()
    page.get_by_role("button", name="Продолжить регистрацию").click()

    # the SMS step: its own page, for the login just registered
    assert page.get_by_label("Логин (e-mail или телефон)").input_value() == EMAIL
    deliver()
    params = applicant_part(page, rp, email=EMAIL, phone=PHONE, new_password=NEW_PASSWORD)
    assert params["state"] == rp.state and params["iss"] == live_server

    claims = rp.id_token_claims(rp.tokens(params["code"])["id_token"])  # its nonce checked too
    assert claims["email"] == EMAIL and claims["email_verified"] is True
    assert claims["phone_number"] == PHONE and claims["phone_number_verified"] is True
    assert claims["family_name"] == "Смирнова" and claims["middle_name"] == "Сергеевна"
