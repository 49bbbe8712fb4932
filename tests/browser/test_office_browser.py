"""The office path in a real browser: an operator registers an applicant and prints the paper it
signs; the applicant then does their own part and reaches a relying party.

SMS passwords arrive at the test's HTTP SMS endpoint, mail at its aiosmtpd server; the worker that
sends them is the project's own, run between the steps.
"""

from __future__ import annotations

import io

import pyotp
import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from flows.office import staff_auth
from idp.clock import clock

pytestmark = pytest.mark.browser

PHONE = "+79163334455"
EMAIL = "kuznetsova@example.ru"
STAFF_PASSWORD = "Клиентский-офис-2026"
NEW_PASSWORD = "Тихий-Вечер-на-Оке-9"
A4_POINTS = (595.3, 841.9)  # 210 × 297 mm; Chromium rounds A4 to 8.27 × 11.7 in
ACKNOWLEDGED = (
    "Подтверждаю, что с порядком доступа к Личному кабинету, включая получение первоначального доступа "
    "к Личному кабинету, регистрации и авторизации потребителя, ознакомлен."
)


def flat(text: str) -> str:
    return " ".join(text.split())


def test_operator_registers_prints_and_the_applicant_reaches_a_relying_party(
    app, browser, page, live_server, delivery_app, deliver, loopback_rp, applicant_part
):
    with app.app_context():
        staff_auth.create("sokolova", "Соколова Ирина", "operator", STAFF_PASSWORD)

    office = browser.new_context(locale="ru-RU")
    console = office.new_page()
    console.set_default_timeout(15_000)
    console.goto(live_server + "/staff/login")
    console.get_by_label("Логин сотрудника").fill("sokolova")
    console.get_by_label("Пароль").fill(STAFF_PASSWORD)
    console.get_by_role("button", name="Войти").click()
    # First sign-in: the authenticator is enrolled from the QR code or the key in text.
    expect(console.locator(".qr svg")).to_have_count(1)  # waits for the page the click opens
    secret = console.locator("#totp-secret").inner_text()
    console.get_by_label("Код из приложения").fill(pyotp.TOTP(secret).at(int(clock.time())))
    console.get_by_role("button", name="Подтвердить").click()

    console.get_by_role("link", name="Зарегистрировать заявителя").click()
    console.get_by_label("Услуга").select_option("переоформление")
    console.get_by_label("Фамилия").fill("Кузнецова")
    console.get_by_label("Имя", exact=True).fill("Ольга")
    console.get_by_label("Отчество").fill("Викторовна")
    console.get_by_label("Мобильный телефон").fill("8 916 333-44-55")
    console.get_by_label("E-mail").fill(EMAIL)
    console.get_by_label("Ознакомлен(а) с положениями Федерального закона", exact=False).check()
    console.get_by_label("Даю согласие на передачу и обработку персональных данных", exact=False).check()
    console.get_by_role("button", name="Зарегистрировать").click()
    assert "ожидает пароль из SMS" in console.content()

    with office.expect_page() as opened:
        console.get_by_role("link", name="Порядок доступа для подписи заявителем").click()
    paper = opened.value
    paper.wait_for_load_state("load")
    pdf = PdfReader(io.BytesIO(paper.pdf(format="A4", print_background=True)))
    office.close()
    assert len(pdf.pages) == 1  # one sheet to sign
    first = pdf.pages[0].mediabox
    assert abs(float(first.width) - A4_POINTS[0]) < 2 and abs(float(first.height) - A4_POINTS[1]) < 2
    printed = flat(" ".join(page.extract_text() for page in pdf.pages))
    assert "переоформление" in printed and "Порядок доступа к Личному кабинету" in printed
    assert "Кузнецова Ольга Викторовна" in printed
    assert ACKNOWLEDGED in printed
    assert "(подпись)" in printed and "ФИО" in printed

    # The applicant, at home, with the SMS password the office's registration sent.
    rp = loopback_rp("openid consents")
    page.goto(rp.authorize_url())
    assert deliver() == 1
    params = applicant_part(page, rp, email=EMAIL, phone=PHONE, new_password=NEW_PASSWORD)
    assert params["state"] == rp.state

    consents = rp.id_token_claims(rp.tokens(params["code"])["id_token"])["consents"]
    assert {kind: entry["channel"] for kind, entry in consents.items()} == {
        "pd_law_152": "office",
        "pd_processing": "office",
        "mailing": "office",
    }
    assert consents["pd_processing"]["granted"] is True and consents["mailing"]["granted"] is False
