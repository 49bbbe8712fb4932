"""What a person is told at each step: where the SMS went and when it can come again, until when
the cabinet can be activated, what to do when it was deleted, and all of it in English when the
site asks for it."""

from __future__ import annotations

import re

import pytest

from flows import activation_link
from idp.clock import clock
from idp.db import db
from idp.models import Account
from idp.sessions.sso_session import ACR_MFA
from idp.web.formats import moscow_time
from idp.web.messages import MESSAGES, message
from tests.support.oidc import start_authorization
from tests.support.pages import post_form, text
from tests.support.registration import NEW_PASSWORD, PERSON, PHONE_E164

LOGIN = PERSON["email"]
IMPORTANT = (
    "Если Вы не активировали Личный кабинет в течение 24 часов с момента получения ссылки на "
    "предоставленный Вами адрес электронной почты, зарегистрируйтесь самостоятельно в соответствии с "
    "настоящим порядком, либо направьте обращение в ПАО «Россети Московский регион» о необходимости "
    "повторного создания Личного кабинета."
)


def _deadline(app) -> str:
    with app.app_context():
        return moscow_time(Account.query.filter_by(email=LOGIN).one().activation_deadline)


def _change_password(client):
    data = {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}
    return post_form(client, "/password/change", "/password/change", data)


def test_sms_page_shows_the_masked_number_tries_and_seconds_until_resend(client, register):
    page = text(client.get(register().headers["Location"]))
    assert "Подтверждение номера телефона" in page
    assert "+7 *** ***-45-67" in page and PHONE_E164 not in page
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page
    assert 'id="password" name="password" type="text"' in page
    assert "Осталось попыток ввода: 5." in page
    assert "станет доступно через 60 с" in page
    assert re.search(r'<button[^>]*id="resend"[^>]*disabled', page)  # the server says it cannot work yet
    clock.advance(61)
    later = text(client.get("/login?step=sms"))
    assert "станет доступно" not in later
    assert not re.search(r'<button[^>]*id="resend"[^>]*disabled', later)


def test_sms_page_counts_wrong_tries_and_names_the_sms_password(client, register, outbox):
    register()
    wrong = "000000" if outbox.sms_code() != "000000" else "111111"
    response = post_form(client, "/login?step=sms", "/login/sms", {"password": wrong})
    assert response.status_code == 401
    assert message("sms_wrong", tries_left=4) in text(response)
    page = text(response)
    assert 'aria-invalid="true"' in page and 'aria-describedby="password-hint password-error"' in page


def test_sms_page_signs_in_and_leads_to_password_change(client, register, outbox):
    register()
    response = post_form(client, "/login?step=sms", "/login/sms", {"password": outbox.sms_code()})
    assert response.headers["Location"].startswith("/password/change")


def test_password_change_page_and_the_page_after_state_the_deadline_in_moscow_time(
    app, client, register, sign_in, outbox
):
    register()
    sign_in(LOGIN, outbox.sms_code())
    form = text(client.get("/password/change"))
    deadline = _deadline(app)
    assert "Ссылка для активации Личного кабинета направлена на Ваш e-mail an***@example.ru" in form
    assert f"Активация доступна до {deadline} (время московское)" in form
    after = text(client.get(_change_password(client).headers["Location"]))
    assert MESSAGES["password_changed"] in after
    assert f"до {deadline} (время московское)" in after
    refused = text(sign_in(LOGIN, NEW_PASSWORD))
    assert MESSAGES["not_activated"] in refused
    assert message("activation_until", deadline=deadline) in refused
    assert "Отправить ссылку для активации ещё раз" in refused


def test_expired_link_page_holds_the_important_paragraph_and_the_contact(app, client, make_account):
    person = make_account(email_verified_at=None, activation_deadline=clock.now())
    with app.app_context():
        token = activation_link.make_token(db.session.get(Account, person["id"]))
    response = client.get(f"/activate/{token}")
    page = text(response)
    assert response.status_code == 410
    assert "ВАЖНО!" in page and IMPORTANT in page
    assert (
        "Размещение документов по Вашей заявке возможно только в активированном Вами Личном кабинете." in page
    )
    assert 'href="https://rossetimr.ru/"' in page  # IDP_SUPPORT_CONTACT's default
    assert 'href="/register"' in page and 'href="/login"' in page


def test_end_pages_and_404_lead_back_to_the_paused_request(client):
    ia = start_authorization(client)
    page = text(client.get("/no-such-page"))
    assert "Страница не найдена." in page
    assert f'href="/login?ia={ia}"' in page


def _activated_within_a_minute(client, register, sign_in, outbox) -> None:
    """The whole procedure at once, well inside the registration SMS's 60 s cooldown."""
    register()
    sign_in(LOGIN, outbox.sms_code())
    _change_password(client)
    client.post(outbox.activation_path(), data={"csrf_token": _csrf(client)})


def test_step_up_right_after_registration_sends_its_own_sms(
    client, register, sign_in, outbox, delivery_app, deliver, sms_endpoint
):
    _activated_within_a_minute(client, register, sign_in, outbox)
    sign_in(LOGIN, NEW_PASSWORD)
    ia = start_authorization(client, scope="openid", acr_values=ACR_MFA)
    stepup = text(client.get(f"/stepup?ia={ia}"))
    assert "Новый код можно запросить" not in stepup
    assert "Код подтверждения направлен по SMS на номер +7 *** ***-45-67." in stepup
    deliver()
    texts = sms_endpoint.texts_to(PHONE_E164)
    assert len(texts) == 2 and "Код подтверждения входа" in texts[-1]


def test_recovery_right_after_registration_sends_its_own_sms(client, register, sign_in, outbox):
    _activated_within_a_minute(client, register, sign_in, outbox)
    sent = post_form(client, "/password/forgot", "/password/forgot", {"login": LOGIN})
    assert sent.headers["Location"].startswith("/password/forgot/code")
    texts = [m["text"] for m in outbox.messages("sms", PHONE_E164)]
    assert len(texts) == 2 and "Код для смены пароля" in texts[-1]


@pytest.mark.parametrize("how", ["ui_locales", "accept_language"])
def test_english_pages_and_e_mails(client, register, sign_in, outbox, how):
    if how == "ui_locales":
        login = text(client.get(f"/login?ia={start_authorization(client, ui_locales='en-GB ru')}"))
    else:
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en-US,en;q=0.9"  # every request of this browser
        login = text(client.get("/login"))
    assert '<html lang="en">' in login
    assert "Sign in to the Personal Account" in login and "Login (e-mail or phone)" in login
    page = text(client.get("/register"))
    assert "New user registration" in page and "Surname" in page and "Регистрация" not in page
    register()
    sms = outbox.messages("sms", PHONE_E164)[-1]["text"]
    assert sms.startswith("Password to sign in to your Rosseti MR Personal Account")
    assert "Confirming your phone number" in text(client.get("/login?step=sms"))
    sign_in(LOGIN, outbox.sms_code())
    mail = outbox.messages("email", LOGIN)[-1]
    assert mail["subject"] == "Activation of the «Rosseti Moscow Region» Personal Account"
    assert "To activate your «Rosseti Moscow Region» Personal Account, follow the link:" in mail["text"]
    assert "(Moscow time)" in mail["html"]


def test_the_language_asked_for_is_kept_for_the_session(client):
    start_authorization(client, ui_locales="en")
    assert "Forgot your password?" in text(client.get("/login"))
    assert "Забыли пароль?" in text(client.get("/login?ui_locales=ru"))
    assert "Забыли пароль?" in text(client.get("/login"))


def test_discovery_names_both_languages(client):
    assert client.get("/.well-known/openid-configuration").json["ui_locales_supported"] == ["ru-RU", "en"]


def _csrf(client) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', text(client.get("/login"))).group(1)
