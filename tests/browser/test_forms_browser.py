"""A failed submit takes the person to what went wrong: the summary has the focus, each error
links to its field, and the field says it is invalid — all without script."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_after_a_failed_submit_the_error_summary_has_the_focus(page, live_server):
    page.goto(live_server + "/login")
    page.get_by_role("button", name="Войти", exact=True).click()
    expect(page.locator("#error-summary-title")).to_be_focused()
    page.get_by_role("link", name="Введите пароль.").click()
    password = page.get_by_label("Пароль", exact=True)
    expect(password).to_be_focused()
    expect(password).to_have_attribute("aria-invalid", "true")
    assert "password-error" in password.get_attribute("aria-describedby")
