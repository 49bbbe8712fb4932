"""The whole published procedure in a real browser, from a relying party and back.

SMS passwords arrive at a real HTTP endpoint the test runs as the SMS gateway,
activation mail at a real SMTP server (aiosmtpd); the worker that sends them
is the project's own, run between the person's steps.
"""

from __future__ import annotations

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.support.applicant_steps import confirm_activate_and_return, sms_code
from tests.support.config import CONFIDENTIAL

pytestmark = pytest.mark.browser

PHONE = "+79161112233"
EMAIL = "applicant@example.ru"
NEW_PASSWORD = "Светлый-Дом-на-Пресне-7"


def test_register_confirm_activate_and_return_to_the_relying_party(
    browser, live_server, delivery_app, deliver, sms_endpoint, smtp_server
):
    # A redirect URI on loopback registered for this client: the browser never leaves the machine.
    callback = live_server + "/demo/callback"
    rp = OAuth2Session(
        CONFIDENTIAL["client_id"],
        CONFIDENTIAL["client_secret"],
        scope="openid profile email phone",
        redirect_uri=callback,
    )
    state, nonce, verifier = generate_token(16), generate_token(16), generate_token(48)
    url, _ = rp.create_authorization_url(
        live_server + "/authorize",
        state=state,
        nonce=nonce,
        code_challenge=create_s256_code_challenge(verifier),
        code_challenge_method="S256",
    )
    context = browser.new_context(locale="ru-RU")
    page = context.new_page()
    page.set_default_timeout(15_000)

    page.goto(url)
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
    params = confirm_activate_and_return(
        page,
        context,
        email=EMAIL,
        code=sms_code(sms_endpoint, PHONE),
        new_password=NEW_PASSWORD,
        deliver=deliver,
        smtp_server=smtp_server,
        callback=callback,
    )
    context.close()
    assert params["state"] == state and params["iss"] == live_server

    token = rp.fetch_token(live_server + "/token", code=params["code"], code_verifier=verifier, timeout=10)
    keys = KeySet.import_key_set(requests.get(live_server + "/jwks.json", timeout=5).json())
    claims = jwt.decode(token["id_token"], keys).claims
    assert claims["nonce"] == nonce
    assert claims["email"] == EMAIL and claims["email_verified"] is True
    assert claims["phone_number"] == PHONE and claims["phone_number_verified"] is True
    assert claims["family_name"] == "Смирнова" and claims["middle_name"] == "Сергеевна"
