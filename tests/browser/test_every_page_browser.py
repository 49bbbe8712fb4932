"""Every page a person can meet, walked in Debian's chromium at a phone's and a desktop's width,
in Russian and in English: forms filled by their visible labels, axe-core's WCAG 2.1 AA rules,
nothing wider than the screen, and a full-page screenshot of each in tests/artifacts/screens/.

The walk is the procedure itself, from a relying party (the development demo on loopback)
through registration, the SMS step, «Изменить пароль», activation and back, then the pages
around it: the account, consents, recovery, step-up, sign-out, the end and error pages.
"""

from __future__ import annotations

from contextlib import contextmanager
from urllib.parse import urlencode

import pyotp
import pytest

from flows import activation_link
from flows.office import staff_auth
from flows.office.models import SUPERVISOR
from idp.clock import clock
from idp.db import db
from idp.models import Account
from idp.sessions.sso_session import ACR_MFA
from tests.support.config import CONFIDENTIAL
from tests.support.outbox import Outbox
from tests.support.pagecheck import PageCheck

pytestmark = pytest.mark.browser

EMAIL = "walker@example.ru"
PHONE = "+79163334455"
NEW_PASSWORD = "Тёплый-Вечер-на-Пресне-9"
STAFF_PASSWORD = "Клиентский-офис-2026"
LAW_152 = (
    "Ознакомлен(а) с положениями Федерального закона от 27.07.2006 № 152-ФЗ "
    "«О персональных данных» (обязательно)"
)
PD_PROCESSING = "Даю согласие на передачу и обработку персональных данных (обязательно)"


def _authorize(live_server: str, **extra) -> str:
    params = {
        "client_id": CONFIDENTIAL["client_id"],
        "response_type": "code",
        "scope": "openid profile email phone",
        "redirect_uri": live_server + "/demo/callback",
        "state": "walk",
        "nonce": "walk",
        **extra,
    }
    return live_server + "/authorize?" + urlencode(params)


def _refused(walk: PageCheck, button: str, name: str) -> None:
    """Press `button` on a form it refuses: the error summary takes the focus; the page is checked."""
    walk.button(button).click()
    walk.summary_has_focus()
    walk.check(name)


def _fill_person(
    walk: PageCheck, surname: str, given: str, patronymic: str | None, phone: str, email: str
) -> None:
    """The registration form's fields (the public page's and the office's) and its two mandatory
    consents; no patronymic ticks «Нет отчества»."""
    walk.label("Фамилия").fill(surname)
    walk.label("Имя").fill(given)
    if patronymic:
        walk.label("Отчество").fill(patronymic)
    else:
        walk.label("Нет отчества").check()
    walk.label("Мобильный телефон").fill(phone)
    walk.label("E-mail").fill(email)
    walk.label(LAW_152, exact=False).check()
    walk.label(PD_PROCESSING, exact=False).check()


def _sign_in(walk: PageCheck, login: str, password: str) -> None:
    walk.label("Логин (e-mail или телефон)").fill(login)
    walk.label("Пароль").fill(password)
    walk.button("Войти").click()


@contextmanager
def _in_tab(walk: PageCheck, tab):
    """The walk checks pages in another tab (the e-mailed link, the printed paper), then goes
    back to its own; the tab is closed."""
    own, walk.page = walk.page, tab
    try:
        yield tab
    finally:
        walk.page = own
        tab.close()


def _expired_activation_link(app, make_account) -> str:
    """The link of a cabinet whose 24 hours have passed (it is deleted)."""
    person = make_account(email_verified_at=None, activation_deadline=clock.now())
    with app.app_context():
        return "/activate/" + activation_link.make_token(db.session.get(Account, person["id"]))


@pytest.mark.parametrize("width", [360, 1280])
@pytest.mark.parametrize("language", ["ru", "en"])
def test_every_page(browser, axe_source, app, live_server, make_account, publish_version, language, width):
    context = browser.new_context(
        locale="ru-RU" if language == "ru" else "en-GB", viewport={"width": width, "height": 800}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    walk = PageCheck(page, axe_source, language, width)
    outbox = Outbox(app)
    try:
        _procedure(walk, live_server, outbox, language)
        _around_the_account(walk, live_server, outbox)
        _office(walk, live_server, app)
        _ends_and_errors(walk, live_server, app, make_account, publish_version)
    finally:
        context.close()


def _procedure(walk: PageCheck, live_server: str, outbox: Outbox, language: str) -> None:
    page = walk.page
    # The relying party asks in English through ui_locales; the Russian person's browser says ru.
    page.goto(live_server + "/demo" + ("?ui_locales=en" if language == "en" else ""))
    walk.check("demo")
    page.get_by_role("link", name=walk.t("Ваш личный кабинет")).click()
    page.wait_for_url("**/login?ia=*")
    walk.check("login")
    _refused(walk, "Войти", "login-errors")

    walk.link("Зарегистрируйтесь").click()
    walk.check("register")
    _refused(walk, "Продолжить регистрацию", "register-errors")
    _fill_person(walk, "Ходокова", "Вера", "Павловна", "8 916 333-44-55", EMAIL)
    walk.button("Продолжить регистрацию").click()

    page.wait_for_url("**step=sms*")
    assert "+7 *** ***-44-55" in page.content()
    walk.check("sms-step")
    code = outbox.sms_code(PHONE)
    walk.label("Пароль").fill("000000" if code != "000000" else "111111")
    _refused(walk, "Войти", "sms-step-wrong")
    walk.label("Пароль").fill(code)
    walk.button("Войти").click()

    page.wait_for_url("**/password/change*")
    walk.check("password-change")
    walk.label("Новый пароль").fill("короткий")
    walk.label("Подтверждение пароля").fill("другой")
    _refused(walk, "Изменить пароль", "password-change-errors")
    walk.label("Новый пароль").fill(NEW_PASSWORD)
    walk.label("Подтверждение пароля").fill(NEW_PASSWORD)
    walk.button("Изменить пароль").click()

    page.wait_for_url("**/login?*notice=password_changed*")
    walk.check("after-password-change")
    walk.label("Пароль").fill(NEW_PASSWORD)
    walk.button("Войти").click()
    walk.check("not-activated")

    with _in_tab(walk, page.context.new_page()) as mail_tab:
        mail_tab.goto(live_server + outbox.activation_path(EMAIL))
        walk.check("activate")
        walk.button("Активировать Личный кабинет").click()
        walk.check("activated")

    _sign_in(walk, EMAIL, NEW_PASSWORD)
    page.wait_for_url("**/demo/callback*")
    walk.check("demo-signed-in")


def _around_the_account(walk: PageCheck, live_server: str, outbox: Outbox) -> None:
    page = walk.page
    page.goto(live_server + "/account")
    walk.check("account")
    page.get_by_role("link", name="2026-01").first.click()
    walk.check("consent-text")
    page.goto(live_server + "/account/close?kind=pd_processing")
    walk.check("consent-close")

    page.goto(_authorize(live_server, acr_values=ACR_MFA))
    page.wait_for_url("**/stepup*")
    walk.check("stepup")
    walk.label("Код из SMS").fill("x")
    _refused(walk, "Подтвердить", "stepup-wrong")

    page.goto(live_server + "/account/authenticator")
    walk.check("authenticator-enrol")
    _refused(walk, "Подключить", "authenticator-enrol-errors")
    secret = page.locator("#secret").inner_text().replace(" ", "")
    walk.label("Код из приложения").fill(pyotp.TOTP(secret).at(int(clock.time())))
    walk.label("Пароль").fill(NEW_PASSWORD)
    walk.button("Подключить").click()
    walk.check("recovery-codes")
    page.goto(live_server + "/account")
    walk.check("account-with-authenticator")
    page.goto(_authorize(live_server, acr_values=ACR_MFA))
    page.wait_for_url("**/stepup*")
    if page.get_by_role("link", name=walk.t("Ввести код из приложения")).count():
        walk.link("Ввести код из приложения").click()
    walk.check("stepup-app")
    walk.label("Код из приложения").fill("000000")
    _refused(walk, "Подтвердить", "stepup-app-wrong")

    page.goto(live_server + "/password/forgot")
    walk.check("forgot")
    walk.button("Получить код").click()
    walk.check("forgot-errors")
    walk.label("Логин (e-mail или телефон)").fill(EMAIL)
    walk.button("Получить код").click()
    walk.check("forgot-code")
    walk.label("Код из SMS").fill("000000")
    walk.button("Продолжить").click()
    walk.check("forgot-code-wrong")

    page.goto(live_server + "/logout")
    walk.check("logout-confirm")
    page.goto(live_server + "/dev/outbox")
    walk.check("dev-outbox")


def _ends_and_errors(walk: PageCheck, live_server: str, app, make_account, publish_version) -> None:
    page = walk.page
    publish_version("pd_processing", "2027-01", "Согласие, редакция 2.\n\nДобавлен сайт utp.rossetimr.ru.\n")
    page.goto(_authorize(live_server))
    page.wait_for_url("**/consents/update*")
    walk.check("consent-update")
    _refused(walk, "Продолжить", "consent-update-errors")
    walk.button("Не согласен(на)").click()
    walk.check("consent-declined")

    page.goto(live_server + "/account/close?kind=pd_processing")
    walk.button("Отозвать согласие и закрыть Личный кабинет").click()
    walk.check("consent-closed")

    page.goto(live_server + _expired_activation_link(app, make_account))
    walk.check("activation-expired")
    page.goto(live_server + "/no-such-page")
    walk.check("not-found")
    page.goto(live_server + "/authorize?client_id=nobody&response_type=code")
    walk.check("authorize-error")

    page.goto(live_server + "/login")
    for _ in range(11):
        _sign_in(walk, "someone@example.ru", "не-тот-пароль")
        page.wait_for_load_state("load")
    walk.check("too-many-attempts")


def _office(walk: PageCheck, live_server: str, app) -> None:
    """The client office's console: an operator signs in with a password and TOTP, registers an
    applicant and prints the paper it signs (the seed's words, in Russian on every page)."""
    page = walk.page
    with app.app_context():
        staff_auth.create("walker", "Ходокова Анна", SUPERVISOR, STAFF_PASSWORD)
    page.goto(live_server + "/staff/login")
    walk.check("staff-login")
    _refused(walk, "Войти", "staff-login-errors")
    walk.label("Логин сотрудника").fill("walker")
    walk.label("Пароль").fill(STAFF_PASSWORD)
    walk.button("Войти").click()
    page.wait_for_url("**/staff/login/code*")
    walk.check("staff-code-enrolment")
    secret = page.locator("#totp-secret").inner_text()
    walk.label("Код из приложения").fill(pyotp.TOTP(secret).at(int(clock.time())))
    walk.button("Подтвердить").click()
    page.wait_for_url("**/staff/applicants*")
    walk.check("office-search")
    walk.label("Телефон или e-mail").fill("nobody@example.ru")
    walk.button("Найти").click()
    walk.check("office-search-nothing")

    walk.link("Зарегистрировать заявителя").click()
    walk.check("office-new")
    _refused(walk, "Зарегистрировать", "office-new-errors")
    walk.label("Услуга").select_option("переоформление")
    _fill_person(walk, "Заявкина", "Ольга", None, "+7 916 444-55-66", "zayavkina@example.ru")
    walk.button("Зарегистрировать").click()
    walk.check("office-applicant")
    with page.context.expect_page() as opened:
        walk.link("Порядок доступа для подписи заявителем").click()
    with _in_tab(walk, opened.value):
        walk.check("office-acknowledgement", page_language="ru")
    page.goto(live_server + "/staff/audit")
    walk.check("office-audit")
