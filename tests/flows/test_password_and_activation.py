"""After the SMS password: «Изменить пароль», the activation link, and signing in at last."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from idp.clock import clock
from idp.models import Account, AuditEvent
from idp.web.messages import MESSAGES, message
from tests.support.config import RP_CALLBACK
from tests.support.oidc import start_authorization
from tests.support.pages import csrf_token, post_form, text
from tests.support.registration import NEW_PASSWORD, PERSON, activate, change_password

LOGIN = PERSON["email"]


@pytest.fixture
def confirmed(client, register, sign_in, outbox):
    """Registered and signed in with the SMS password: on the change-password form."""

    def go(ia=None):
        assert register(ia=ia).status_code == 302
        response = sign_in(LOGIN, outbox.sms_code(), ia=ia)
        assert response.headers["Location"].startswith("/password/change")
        return response.headers["Location"]

    return go


def test_password_mismatch(client, confirmed):
    confirmed()
    response = change_password(client, confirm="Другой-пароль-2026")
    assert response.status_code == 400
    assert MESSAGES["password_mismatch"] in text(response)


@pytest.mark.parametrize(
    ("password", "key"),
    [
        ("короткий", "password_too_short"),
        ("anna@example.ru", "password_is_login"),
        ("89161234567", "password_is_login"),
        ("qwerty123456", "password_common"),
        ("Password1234!", "password_common"),
    ],
)
def test_password_rules(client, confirmed, password, key):
    confirmed()
    response = change_password(client, password)
    assert response.status_code == 400
    assert message(key, min_length=10) in text(response)


def test_form_states_the_rules(client, confirmed):
    page = text(client.get(confirmed()))
    assert "не короче 10 символов" in page


def test_password_form_needs_a_session(client):
    response = client.get("/password/change?ia=x")
    assert response.status_code == 302
    assert "notice=sign_in_first" in response.headers["Location"]


def test_password_change_signs_out_and_shows_sign_in(app, client, confirmed):
    confirmed()
    response = change_password(client)
    assert response.status_code == 302
    page = text(client.get(response.headers["Location"]))
    assert MESSAGES["password_changed"] in page
    assert f'value="{LOGIN}"' in page
    assert client.get("/account").status_code == 302  # the SMS-only session is over
    with app.app_context():
        assert Account.query.one().password_changed_at is not None


def test_sign_in_before_activation_is_refused(client, confirmed, sign_in):
    confirmed()
    change_password(client)
    response = sign_in(LOGIN, NEW_PASSWORD)
    assert response.status_code == 401
    assert MESSAGES["not_activated"] in text(response)
    assert "Отправить ссылку для активации ещё раз" in text(response)


def test_activation_link_then_sign_in(app, client, confirmed, sign_in, outbox):
    confirmed()
    change_password(client)
    path = outbox.activation_path()
    page = text(client.get(path))
    assert "Активировать Личный кабинет" in page
    with app.app_context():
        assert Account.query.one().email_verified_at is None  # a GET (mail scanner) changes nothing
    response = activate(client, path)
    assert MESSAGES["activation_done"] in text(response)
    response = sign_in(LOGIN, NEW_PASSWORD)
    assert response.status_code == 302
    assert text(client.get("/account")).count("активирован") >= 1


def test_activation_link_used_twice(client, confirmed, outbox):
    confirmed()
    path = outbox.activation_path()
    assert MESSAGES["activation_done"] in text(activate(client, path))
    again = client.get(path)
    assert MESSAGES["activation_used"] in text(again)


def test_activation_after_the_deadline(client, confirmed, outbox):
    confirmed()
    path = outbox.activation_path()
    clock.advance(24 * 3600 + 1)
    assert MESSAGES["activation_expired"] in text(client.get(path))
    response = activate(client, path)
    assert response.status_code == 410
    assert MESSAGES["activation_expired"] in text(response)


def test_tampered_activation_link(client, confirmed, outbox):
    confirmed()
    path = outbox.activation_path()
    response = client.get(path[:-3] + "xyz")
    assert MESSAGES["activation_invalid"] in text(response)


def test_activation_link_again_keeps_the_deadline(app, client, confirmed, outbox):
    confirmed()
    clock.advance(3600)
    response = post_form(client, "/login", "/activate/resend", {"login": LOGIN})
    assert MESSAGES["activation_resent"] in text(response)
    mails = [m for m in outbox.messages("email", LOGIN) if "/activate/" in m["text"]]
    assert len(mails) == 2
    assert MESSAGES["activation_done"] in text(activate(client, outbox.activation_path()))
    with app.app_context():
        account = Account.query.one()
        assert (account.activation_deadline - account.created_at).total_seconds() == 24 * 3600


def test_activation_link_again_for_unknown_login_looks_the_same(client, outbox):
    response = post_form(client, "/login", "/activate/resend", {"login": "nobody@example.ru"})
    assert MESSAGES["activation_resent"] in text(response)
    assert outbox.messages("email", "nobody@example.ru") == []


def test_activation_email_uses_the_issuer_not_the_host_header(app, client, confirmed, outbox):
    confirmed()
    mail = outbox.messages("email", LOGIN)[-1]
    assert app.extensions["idp"].settings.issuer + "/activate/" in mail["text"]


def test_whole_procedure_resumes_the_authorization_request(app, client, register, sign_in, outbox):
    """«Ваш личный кабинет» → register → SMS password → new password → activate → sign in → code."""
    ia = start_authorization(client)
    assert register(ia=ia).headers["Location"].startswith(f"/login?ia={ia}")
    to_change = sign_in(LOGIN, outbox.sms_code(), ia=ia).headers["Location"]
    assert f"ia={ia}" in to_change
    after_change = change_password(client, ia=ia).headers["Location"]
    assert f"ia={ia}" in after_change
    activate(client, outbox.activation_path())
    resumed = sign_in(LOGIN, NEW_PASSWORD, ia=ia)
    assert resumed.headers["Location"] == f"/authorize/resume/{ia}"
    final = client.get(resumed.headers["Location"])
    assert final.status_code == 302
    query = parse_qs(urlparse(final.headers["Location"]).query)
    assert final.headers["Location"].startswith(RP_CALLBACK)
    assert query["state"] == ["s1"] and "code" in query
    with app.app_context():
        kinds = [e.kind for e in AuditEvent.query.order_by(AuditEvent.id)]
    assert kinds[:4] == [
        "account.registered",
        "account.phone_verified",
        "account.password_changed",
        "account.activated",
    ]


def test_confirmed_person_without_password_gets_in_with_a_new_sms_password(
    client, confirmed, sign_in, outbox
):
    confirmed()
    client.post("/account/logout", data={"csrf_token": csrf_token(client, "/account")})
    clock.advance(61)
    assert MESSAGES["sms_resent"] in text(post_form(client, "/login", "/login/resend", {"login": LOGIN}))
    response = sign_in(LOGIN, outbox.sms_code())
    assert response.headers["Location"].startswith("/password/change")
    mails = [m for m in outbox.messages("email", LOGIN) if "/activate/" in m["text"]]
    assert len(mails) == 1  # the link went out once, when the phone was first confirmed
