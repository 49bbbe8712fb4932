"""The registration page: what a person sees for each mistake, and what gets recorded."""

from __future__ import annotations

from consent.records import ConsentRecord
from idp.clock import clock
from idp.models import Account
from idp.web.messages import MESSAGES
from tests.support.pages import csrf_token, text
from tests.support.registration import PERSON, PHONE_E164


def test_sign_in_page_links_to_registration(client):
    page = text(client.get("/login?ia=abc"))
    assert "Зарегистрируйтесь" in page
    assert 'href="/register?ia=abc"' in page


def test_form_shows_the_procedure_labels(client):
    page = text(client.get("/register"))
    for label in (
        "Фамилия",
        "Имя",
        "Отчество",
        "Нет отчества",
        "Мобильный телефон",
        "E-mail",
        "№ 152-ФЗ «О персональных данных»",
        "согласие на передачу и обработку персональных данных",
        "рекламно-информационной рассылки ПАО «Россети Московский регион»",
        "Продолжить регистрацию",
    ):
        assert label in page


def test_success_shows_sign_in_form_with_login_filled_in(app, client, register, outbox):
    response = register()
    assert response.status_code == 302
    page = text(client.get(response.headers["Location"]))
    assert MESSAGES["sms_sent"] in page
    assert 'value="anna@example.ru"' in page
    assert "Пароль" in page and "Войти" in page and "Отправить еще раз?" in page
    assert len(outbox.messages("sms", PHONE_E164)) == 1
    with app.app_context():
        account = Account.query.one()
        assert account.phone == PHONE_E164
        assert account.registered_by == "self"
        assert (account.activation_deadline - account.created_at).total_seconds() == 24 * 3600
        assert account.phone_verified_at is None


def test_consents_are_recorded_with_evidence(app, register):
    register(consent_mailing=None)
    with app.app_context():
        rows = {r.kind: r for r in ConsentRecord.query.all()}
        account = Account.query.one()
    assert set(rows) == {"pd_law_152", "pd_processing", "mailing"}
    assert rows["pd_law_152"].granted and rows["pd_processing"].granted
    assert rows["mailing"].granted is False
    assert all(r.version == "2026-01" and r.channel == "web" for r in rows.values())
    assert all(r.account_id == account.id and r.ip_address for r in rows.values())


def test_optional_mailing_consent_is_recorded_when_given(app, register):
    register(consent_mailing="1")
    with app.app_context():
        assert ConsentRecord.query.filter_by(kind="mailing").one().granted is True


def test_missing_mandatory_checkbox_is_refused(app, register):
    response = register(consent_pd_processing=None)
    assert response.status_code == 400
    assert MESSAGES["consent_pd_processing_required"] in text(response)
    response = register(consent_pd_law_152=None)
    assert MESSAGES["consent_pd_law_152_required"] in text(response)
    with app.app_context():
        assert Account.query.count() == 0


def test_invalid_email_is_refused(register):
    response = register(email="anna@@example")
    assert response.status_code == 400
    assert MESSAGES["email_invalid"] in text(response)


def test_invalid_phone_is_refused(register):
    response = register(phone="12345")
    assert response.status_code == 400
    assert MESSAGES["phone_invalid"] in text(response)


def test_landline_is_refused_with_the_reason(register):
    response = register(phone="+7 495 123-45-67")
    assert response.status_code == 400
    assert MESSAGES["phone_landline"] in text(response)


def test_patronymic_is_asked_for_unless_there_is_none(app, register):
    response = register(middle_name="")
    assert MESSAGES["middle_name_required"] in text(response)
    assert register(middle_name="", no_middle_name="1").status_code == 302
    with app.app_context():
        assert Account.query.one().middle_name is None


def test_form_keeps_what_was_typed_after_an_error(register):
    page = text(register(email="not-an-email"))
    assert 'value="Салтыкова-Щедрина"' in page
    assert 'value="not-an-email"' in page


def test_missing_csrf_token_is_refused(client):
    response = client.post("/register", data=PERSON)
    assert response.status_code == 400


def test_duplicate_email_reveals_nothing_and_notifies_the_owner(app, client, make_account, outbox):
    owner = make_account(email="anna@example.ru")
    fresh = app.test_client()
    token = csrf_token(fresh, "/register")
    first = fresh.post("/register", data={**PERSON, "email": "new@example.ru", "csrf_token": token})
    other = app.test_client()
    token = csrf_token(other, "/register")
    # a number the SMS page masks as it masks PERSON's (+7 *** ***-45-67): it shows the number typed
    second = other.post("/register", data={**PERSON, "phone": "+79161114567", "csrf_token": token})
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    page_new = text(fresh.get(first.headers["Location"])).replace("new@example.ru", "X")
    page_dup = text(other.get(second.headers["Location"])).replace("anna@example.ru", "X")
    strip = __import__("re").compile(r'name="csrf_token" value="[^"]+"')
    assert strip.sub("", page_new) == strip.sub("", page_dup)
    notices = outbox.messages("email", owner["email"])
    assert len(notices) == 1
    assert "Попытка регистрации" in notices[0]["subject"]
    assert "Новый Личный кабинет не создан" in notices[0]["text"]
    assert outbox.messages("sms", "+79161114567") == []
    with app.app_context():
        assert Account.query.filter_by(email="anna@example.ru").count() == 1


def test_duplicate_phone_notifies_the_phone_owner(app, make_account, register, outbox):
    owner = make_account(phone=PHONE_E164)
    assert register().status_code == 302
    assert len(outbox.messages("email", owner["email"])) == 1
    with app.app_context():
        assert Account.query.count() == 1


def test_expired_registration_frees_the_email_at_once(app, register, outbox):
    register()
    clock.advance(24 * 3600 + 1)
    assert register(phone="+79167654321").status_code == 302
    with app.app_context():
        account = Account.query.one()
        assert account.phone == "+79167654321"
    assert len(outbox.messages("sms", "+79167654321")) == 1


def test_video_instruction_link_when_configured(app, client, monkeypatch):
    services = app.extensions["idp"]
    assert 'id="video"' not in text(client.get("/login"))
    url = "https://rossetimr.ru/video/registration"
    monkeypatch.setattr(services, "settings", services.settings.replace(video_instruction_url=url))
    assert f'id="video" href="{url}"' in text(client.get("/login"))
    assert url in text(client.get("/register"))
