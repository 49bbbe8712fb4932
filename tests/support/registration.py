"""The standard applicant of the flow tests, and the procedure's steps after the SMS password."""

from __future__ import annotations

from tests.support.pages import csrf_token, post_form

PERSON = {
    "family_name": "Салтыкова-Щедрина",
    "given_name": "Анна",
    "middle_name": "Сергеевна",
    "phone": "+7 916 123-45-67",
    "email": "anna@example.ru",
    "consent_pd_law_152": "1",
    "consent_pd_processing": "1",
}
PHONE_E164 = "+79161234567"
NEW_PASSWORD = "Лето-на-даче-2026"


def change_password(client, new=NEW_PASSWORD, confirm=None, ia=None):
    """«Изменить пароль» with the new password twice (or a different confirmation)."""
    data = {"new_password": new, "confirm_password": new if confirm is None else confirm}
    if ia:
        data["ia"] = ia
    return post_form(client, "/password/change", "/password/change", data)


def activate(client, path):
    """Press «Активировать Личный кабинет» (the CSRF token belongs to the browser session)."""
    return client.post(path, data={"csrf_token": csrf_token(client, "/login")})
