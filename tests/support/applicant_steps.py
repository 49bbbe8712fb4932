"""The applicant's own part of the procedure in a browser, shared by the self and office paths:
the SMS password into «Пароль», «Изменить пароль», the e-mailed link, sign-in, back to the site."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse


def sms_code(sms_endpoint, phone: str) -> str:
    assert sms_endpoint.wait_for(1)
    return re.search(r"\b(\d{6})\b", sms_endpoint.texts_to(phone)[-1]).group(1)


def activation_link(smtp_server, email: str) -> str:
    mail = next(m for m in reversed(smtp_server.messages) if m["To"] == email)
    text = mail.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"(https?://\S+/activate/\S+)", text).group(1)


def confirm_activate_and_return(page, context, *, email, code, new_password, deliver, smtp_server, callback):
    """From the sign-in page (or the SMS step right after registration, whose login is fixed)
    with the SMS password to the relying party's callback; its query."""
    login = page.get_by_label("Логин (e-mail или телефон)")
    if login.is_editable():
        login.fill(email)
    else:
        assert login.input_value() == email
    page.get_by_label("Пароль").fill(code)
    page.get_by_role("button", name="Войти").click()

    page.get_by_label("Новый пароль").fill(new_password)
    page.get_by_label("Подтверждение пароля").fill(new_password)
    page.get_by_role("button", name="Изменить пароль").click()
    page.wait_for_url(re.compile(r".*/login.*"))

    deliver()
    mail_tab = context.new_page()
    mail_tab.goto(activation_link(smtp_server, email))
    mail_tab.get_by_role("button", name="Активировать Личный кабинет").click()
    # Let the activation answer arrive; the tab is closed with the context (closing a page
    # mid-navigation can hang Playwright).
    mail_tab.wait_for_load_state("load")
    assert "Активировать Личный кабинет" not in mail_tab.content()

    page.get_by_label("Логин (e-mail или телефон)").fill(email)
    page.get_by_label("Пароль").fill(new_password)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_url(callback + "*")
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}
