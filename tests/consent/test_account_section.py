from consent.claims import consents_claim
from consent.records import ConsentRecord
from idp.db import db
from idp.models import Account, AuditEvent, RefreshToken
from tests.support.consent import (
    BROWSER,
    authorize_url,
    csrf_of,
    exchange_code,
    follow_to_callback,
    post_form,
    sign_in,
)


def _mailing_records(app, account):
    with app.app_context():
        return [
            (r.granted, r.version, r.channel, r.ip_address, r.user_agent)
            for r in ConsentRecord.query.filter_by(account_id=account["id"], kind="mailing").order_by(
                ConsentRecord.id
            )
        ]


def test_account_page_shows_each_consent_with_version_and_date(client, registered):
    account = registered()
    sign_in(client, account)
    html = client.get("/account").get_data(as_text=True)
    assert "Согласия" in html
    assert "Согласие на передачу и обработку персональных данных (обязательно)" in html
    assert "Согласие на получение рекламно-информационной рассылки" in html
    assert html.count("дано ") == 3
    assert 'href="/consents/mailing/2026-01">2026-01</a>' in html


def test_mailing_withdrawn_and_given_again_from_the_account_page(app, client, registered):
    account = registered()
    sign_in(client, account)
    response = post_form(client, "/account", "/account/consents/mailing/withdraw", {})
    assert response.headers["Location"].endswith("/account")
    html = client.get("/account").get_data(as_text=True)
    assert "отозвано" in html and "Дать согласие" in html
    post_form(client, "/account", "/account/consents/mailing/grant", {})

    assert _mailing_records(app, account) == [
        (True, "2026-01", "web", "203.0.113.7", BROWSER),
        (False, "2026-01", "account", "127.0.0.1", BROWSER),
        (True, "2026-01", "account", "127.0.0.1", BROWSER),
    ]
    with app.app_context():
        assert consents_claim(account["id"])["mailing"]["granted"] is True


def test_consent_forms_need_the_csrf_token_and_a_session(app, client, registered):
    account = registered()
    assert client.post("/account/consents/mailing/withdraw").status_code == 400
    token_page = client.get("/login").get_data(as_text=True)
    response = client.post("/account/consents/mailing/withdraw", data={"csrf_token": csrf_of(token_page)})
    assert "/login" in response.headers["Location"]
    assert len(_mailing_records(app, account)) == 1


def test_withdrawing_a_mandatory_consent_asks_to_confirm_closing_the_cabinet(app, client, registered):
    account = registered()
    sign_in(client, account)
    response = post_form(client, "/account", "/account/consents/pd_processing/withdraw", {})
    assert response.headers["Location"].endswith("/account/close?kind=pd_processing")
    html = client.get("/account/close?kind=pd_processing").get_data(as_text=True)
    assert "закрытие Личного кабинета" in html
    assert "Отозвать согласие и закрыть Личный кабинет" in html
    with app.app_context():
        assert db.session.get(Account, account["id"]).closed_at is None
        assert ConsentRecord.query.filter_by(granted=False).count() == 0


def test_confirmed_withdrawal_closes_the_cabinet_at_once(app, client, registered):
    account = registered()
    sign_in(client, account)
    token = exchange_code(client, follow_to_callback(client, client.get(authorize_url()))["code"])

    response = post_form(
        client, "/account/close?kind=pd_processing", "/account/close", {"kind": "pd_processing"}
    )
    assert "Личный кабинет закрыт" in response.get_data(as_text=True)

    with app.app_context():
        assert db.session.get(Account, account["id"]).closed_at is not None
        withdrawal = ConsentRecord.query.filter_by(kind="pd_processing", granted=False).one()
        assert (withdrawal.channel, withdrawal.ip_address, withdrawal.user_agent) == (
            "account",
            "127.0.0.1",
            BROWSER,
        )
        refresh = RefreshToken.query.filter_by(account_id=account["id"]).all()
        assert refresh and all(r.revoked_at is not None for r in refresh)
        event = AuditEvent.query.filter_by(kind="account_closed").one()
        assert event.subject == account["sub"]
        assert event.details == {"reason": "consent_withdrawn", "consent": "pd_processing"}

    # The session is over, the access token is dead, and the password no longer opens the cabinet.
    assert "/login" in client.get("/account").headers["Location"]
    assert (
        client.get("/userinfo", headers={"Authorization": f"Bearer {token['access_token']}"}).status_code
        == 401
    )
    refused = post_form(
        client, "/login", "/login", {"login": account["email"], "password": account["password"]}
    )
    assert refused.status_code == 401
    assert "Неверный логин или пароль." in refused.get_data(as_text=True)


def test_the_optional_consent_cannot_close_the_cabinet_nor_a_mandatory_one_be_granted_unseen(
    client, registered
):
    account = registered()
    sign_in(client, account)
    assert client.get("/account/close?kind=mailing").status_code == 404
    assert post_form(client, "/account", "/account/consents/pd_processing/grant", {}).status_code == 404
    assert post_form(client, "/account", "/account/consents/newsletter/withdraw", {}).status_code == 404
