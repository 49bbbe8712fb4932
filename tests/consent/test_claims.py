import json

from joserfc import jwt

from consent.claims import consents_claim
from consent.records import record
from idp.clock import clock
from idp.db import db
from tests.support.consent import BROWSER, authorize_url, exchange_code, follow_to_callback, sign_in


def _web(account_id, kind, granted):
    record(account_id, kind, "2026-01", granted, ip_address="198.51.100.4", user_agent=BROWSER)
    db.session.commit()


def test_claim_follows_grant_withdraw_and_grant_again(app, make_account):
    account = make_account()
    with app.app_context():
        assert consents_claim(account["id"]) == {}
        _web(account["id"], "mailing", True)
        first = int(clock.time())
        assert consents_claim(account["id"]) == {
            "mailing": {"granted": True, "version": "2026-01", "at": first, "channel": "web"}
        }
        clock.advance(60)
        _web(account["id"], "mailing", False)
        assert consents_claim(account["id"])["mailing"] == {
            "granted": False,
            "version": "2026-01",
            "at": first + 60,
            "channel": "web",
        }
        clock.advance(60)
        _web(account["id"], "mailing", True)
        assert consents_claim(account["id"])["mailing"] == {
            "granted": True,
            "version": "2026-01",
            "at": first + 120,
            "channel": "web",
        }


def test_claim_is_per_person(app, registered, make_account):
    someone = registered()
    other = make_account()
    with app.app_context():
        assert set(consents_claim(someone["id"])) == {"pd_law_152", "pd_processing", "mailing"}
        assert consents_claim(other["id"]) == {}


def _tokens(client, account, **params):
    sign_in(client, account)
    answer = follow_to_callback(client, client.get(authorize_url(**params)))
    return exchange_code(client, answer["code"])


def _id_token(app, token):
    return jwt.decode(token["id_token"], app.extensions["idp"].keyring.public_keyset()).claims


def test_the_consents_scope_releases_the_claim_in_the_id_token(app, client, registered):
    account = registered()
    claims = _id_token(app, _tokens(client, account))
    assert claims["sub"] == account["sub"]
    assert set(claims["consents"]) == {"pd_law_152", "pd_processing", "mailing"}
    assert claims["consents"]["pd_processing"]["granted"] is True
    assert claims["consents"]["mailing"]["version"] == "2026-01"
    assert isinstance(claims["consents"]["mailing"]["at"], int)


def test_the_next_id_token_follows_withdrawal_and_grant_again(app, client, registered):
    account = registered()
    _tokens(client, account)
    with app.app_context():
        _web(account["id"], "mailing", False)
    again = exchange_code(client, follow_to_callback(client, client.get(authorize_url()))["code"])
    assert _id_token(app, again)["consents"]["mailing"]["granted"] is False
    with app.app_context():
        _web(account["id"], "mailing", True)
    again = exchange_code(client, follow_to_callback(client, client.get(authorize_url()))["code"])
    assert _id_token(app, again)["consents"]["mailing"]["granted"] is True


def test_without_the_scope_or_a_claims_request_there_is_no_consents_claim(app, client, registered):
    account = registered()
    assert "consents" not in _id_token(app, _tokens(client, account, scope="openid"))


def test_claims_parameter_puts_consents_in_the_id_token(app, client, registered):
    account = registered()
    token = _tokens(client, account, scope="openid", claims=json.dumps({"id_token": {"consents": None}}))
    assert _id_token(app, token)["consents"]["pd_law_152"]["granted"] is True


def test_userinfo_follows_grant_withdraw_and_grant_again(app, client, registered):
    account = registered()
    bearer = {"Authorization": f"Bearer {_tokens(client, account)['access_token']}"}
    assert client.get("/userinfo", headers=bearer).json["consents"]["mailing"]["granted"] is True
    with app.app_context():
        _web(account["id"], "mailing", False)
    assert client.get("/userinfo", headers=bearer).json["consents"]["mailing"]["granted"] is False
    with app.app_context():
        _web(account["id"], "mailing", True)
    info = client.get("/userinfo", headers=bearer).json
    assert info["sub"] == account["sub"]
    assert info["consents"]["mailing"]["granted"] is True
