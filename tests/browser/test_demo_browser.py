import pytest

pytestmark = pytest.mark.browser


def test_newcomer_signs_in_through_the_demo(page, live_server, make_account):
    account = make_account()
    page.goto(live_server + "/demo")
    page.get_by_text("Ваш личный кабинет").click()
    page.get_by_label("Логин (e-mail или телефон)").fill(account["email"])
    page.get_by_label("Пароль").fill(account["password"])
    page.get_by_role("button", name="Войти").click()
    page.wait_for_url(live_server + "/demo/callback*")
    assert account["sub"] in page.locator("#id-token-claims").inner_text()
    assert account["email"] in page.locator("#userinfo").inner_text()
