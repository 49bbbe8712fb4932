from urllib.parse import parse_qs, urlparse

from consent import renewal
from consent.records import ConsentRecord
from idp.clock import clock
from idp.db import db
from idp.models import Account
from idp.oidc import policy
from idp.sessions.sso_session import SsoSession
from tests.support.consent import BROWSER, at, authorize_url, follow_to_callback, post_form, sign_in

NEW_TEXT = (
    "Согласие на передачу и обработку персональных данных, редакция 2.\n\nДобавлен сайт utp.rossetimr.ru.\n"
)


def _first_check(app, account):
    with app.app_context():
        person = db.session.get(Account, account["id"])
        now = clock.time()
        ctx = policy.Context(SsoSession("sid", person.id, int(now), ["pwd"]), person, {}, now, None, {})
        check = policy.evaluate(ctx)
        return check.name if check else None


def test_a_newer_mandatory_text_in_effect_outdates_an_older_grant(app, registered, publish_version):
    account = registered()
    publish_version("pd_processing", "2027-01", NEW_TEXT, in_seconds=3600)
    with app.app_context():
        assert renewal.outdated_mandatory(account["id"], at()) == []
        outdated = renewal.outdated_mandatory(account["id"], at(3600))
    assert [(v.kind, v.id) for v in outdated] == [("pd_processing", "2027-01")]
    assert _first_check(app, account) is None
    clock.advance(3600)
    assert _first_check(app, account) == "consent_version"


def test_a_newer_optional_text_does_not_block(app, registered, publish_version):
    account = registered()
    publish_version("mailing", "2027-01", "Рассылка, редакция 2.")
    assert _first_check(app, account) is None


def test_authorization_waits_for_the_new_text_to_be_accepted(app, client, registered, publish_version):
    account = registered()
    new = publish_version("pd_processing", "2027-01", NEW_TEXT)
    sign_in(client, account)

    response = client.get(authorize_url())
    location = response.headers["Location"]
    assert urlparse(location).path == "/consents/update"
    ia = parse_qs(urlparse(location).query)["ia"][0]
    page = client.get(location).get_data(as_text=True)
    assert "Добавлен сайт utp.rossetimr.ru." in page
    assert "Редакция 2027-01, действует с" in page

    # Not ticked: the page asks again, nothing is recorded, no code is issued.
    unticked = post_form(client, location, "/consents/update", {"ia": ia, "decision": "accept"})
    assert unticked.status_code == 400
    assert "Отметьте согласие, чтобы продолжить." in unticked.get_data(as_text=True)

    accepted = post_form(
        client,
        location,
        "/consents/update",
        {"ia": ia, "decision": "accept", "consent_pd_processing": "2027-01"},
    )
    answer = follow_to_callback(client, accepted)
    assert answer["code"] and answer["state"] == "st-1"

    with app.app_context():
        latest = ConsentRecord.query.filter_by(kind="pd_processing").order_by(ConsentRecord.id.desc()).first()
        assert (latest.version, latest.granted, latest.text_hash) == ("2027-01", True, new.sha256)
        assert (latest.channel, latest.ip_address, latest.user_agent) == ("web", "127.0.0.1", BROWSER)
        assert ConsentRecord.query.count() == 4
    # Accepted once: the next authorization goes straight through.
    assert "code" in follow_to_callback(client, client.get(authorize_url()))


def test_declining_explains_the_cabinet_cannot_be_used(app, client, registered, publish_version):
    account = registered()
    publish_version("pd_law_152", "2027-01", "Редакция 2.")
    sign_in(client, account)
    location = client.get(authorize_url()).headers["Location"]
    ia = parse_qs(urlparse(location).query)["ia"][0]
    declined = post_form(client, location, "/consents/update", {"ia": ia, "decision": "decline"})
    assert "Без согласия пользоваться Личным кабинетом нельзя" in declined.get_data(as_text=True)
    with app.app_context():
        assert ConsentRecord.query.count() == 3
    assert urlparse(client.get(authorize_url()).headers["Location"]).path == "/consents/update"


def test_prompt_none_answers_consent_required(client, registered, publish_version):
    account = registered()
    publish_version("pd_processing", "2027-01", NEW_TEXT)
    sign_in(client, account)
    answer = follow_to_callback(client, client.get(authorize_url(prompt="none")))
    assert answer["error"] == "consent_required"
    assert answer["state"] == "st-1"


def test_the_update_page_needs_a_signed_in_person(client):
    assert "/login" in client.get("/consents/update?ia=x").headers["Location"]


def test_the_account_page_offers_the_new_text_and_accepting_returns_there(
    app, client, registered, publish_version
):
    account = registered()
    publish_version("pd_law_152", "2027-01", "Редакция 2.")
    sign_in(client, account)
    html = client.get("/account").get_data(as_text=True)
    assert 'href="/consents/update">Ознакомиться и принять</a>' in html
    accepted = post_form(
        client,
        "/consents/update",
        "/consents/update",
        {"decision": "accept", "consent_pd_law_152": "2027-01"},
    )
    assert accepted.headers["Location"].endswith("/account")
    assert "Ознакомиться и принять" not in client.get("/account").get_data(as_text=True)
