"""A failed submit takes the person to what went wrong: the summary has the focus, each error
links to its field, and the field says it is invalid — all without script."""

import pytest

pytestmark = pytest.mark.browser


def test_after_a_failed_submit_the_error_summary_has_the_focus(page, live_server):
    page.goto(live_server + "/login")
    page.get_by_role("button", name="Войти", exact=True).click()
    page.wait_for_load_state("load")
    assert page.evaluate("document.activeElement.id") == "error-summary-title"
    page.get_by_role("link", name="Введите пароль.").click()
    assert page.evaluate("document.activeElement.id") == "password"
    password = page.get_by_label("Пароль", exact=True)
    assert password.get_attribute("aria-invalid") == "true"
    assert "password-error" in password.get_attribute("aria-describedby")
