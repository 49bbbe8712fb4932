"""The office CRM's API: client credentials, scope office:applicants, problem details, OpenAPI 3.1."""

from __future__ import annotations

import base64

import pytest
from openapi_spec_validator import validate

from consent.records import ConsentRecord
from flows.office.models import StaffAuditRecord
from idp.clock import clock
from idp.models import Account
from idp.oidc import tokens
from tests.support.config import CONFIDENTIAL, OFFICE_CRM, OTHER_MACHINE, PUBLIC

APPLICANT = {
    "family_name": "Сидорова",
    "given_name": "Анна",
    "middle_name": "Павловна",
    "phone": "+7 916 222-33-44",
    "email": "sidorova@example.ru",
    "service": "переоформление",
    "consents": {"pd_law_152": True, "pd_processing": True, "mailing": False},
}
PHONE = "+79162223344"


def basic(client: dict) -> dict:
    raw = f"{client['client_id']}:{client['client_secret']}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def client_token(http, client: dict, scope: str | None = "office:applicants"):
    data = {"grant_type": "client_credentials", **({"scope": scope} if scope else {})}
    return http.post("/token", data=data, headers=basic(client) if "client_secret" in client else {})


@pytest.fixture
def crm(client):
    """Headers that carry an office CRM access token."""
    response = client_token(client, OFFICE_CRM)
    assert response.status_code == 200, response.get_json()
    token = response.get_json()
    assert token["scope"] == "office:applicants" and "refresh_token" not in token
    return {"Authorization": f"Bearer {token['access_token']}"}


def assert_problem(response, status: int):
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body = response.get_json(force=True)
    assert body["status"] == status and body["type"] and body["title"]
    return body


def test_the_api_creates_a_cabinet_whose_sms_goes_out_once(
    app, client, delivery_app, deliver, sms_endpoint, crm
):
    # (delivery_app empties the store: the token is asked for after it)
    response = client.post("/api/office/applicants", json=APPLICANT, headers=crm)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["state"] == "registered" and body["phone"] == PHONE and body["registered_by"] == "office"
    assert deliver() == 1
    assert deliver() == 0
    assert len(sms_endpoint.texts_to(PHONE)) == 1
    with app.app_context():
        account = Account.query.filter_by(sub=body["id"]).one()
        assert account.registered_by == "office"
        row = StaffAuditRecord.query.filter_by(action="applicant.created").one()
        assert row.actor == "client:office-crm" and row.account_sub == account.sub and row.staff_id is None
    found = client.get("/api/office/applicants", query_string={"phone": "8 916 222-33-44"}, headers=crm)
    assert [a["id"] for a in found.get_json()["applicants"]] == [body["id"]]
    one = client.get(response.headers["Location"], headers=crm)
    assert one.status_code == 200 and one.get_json()["email"] == APPLICANT["email"]
    assert_problem(client.get("/api/office/applicants/no-such-cabinet", headers=crm), 404)


def test_the_consents_carry_the_client_as_operator(app, client, crm):
    assert client.post("/api/office/applicants", json=APPLICANT, headers=crm).status_code == 201
    with app.app_context():
        rows = ConsentRecord.query.all()
        assert {(r.channel, r.operator) for r in rows} == {("office", "client:office-crm")}
        assert {r.kind: r.granted for r in rows} == {
            "pd_law_152": True,
            "pd_processing": True,
            "mailing": False,
        }


def test_resend_through_the_api_obeys_the_cooldown(client, crm):
    sub = client.post("/api/office/applicants", json=APPLICANT, headers=crm).get_json()["id"]
    response = client.post(f"/api/office/applicants/{sub}/sms", headers=crm)
    body = assert_problem(response, 429)
    assert "Новый пароль можно запросить через" in body["detail"] and int(response.headers["Retry-After"]) > 0
    clock.advance(61)
    assert client.post(f"/api/office/applicants/{sub}/sms", headers=crm).status_code == 202
    assert_problem(client.post("/api/office/applicants/no-such-cabinet/sms", headers=crm), 404)


def test_bad_input_is_a_problem_with_the_fields_named(client, crm):
    body = assert_problem(
        client.post(
            "/api/office/applicants",
            json={**APPLICANT, "phone": "+7 495 123-45-67", "consents": {}},
            headers=crm,
        ),
        422,
    )
    assert set(body["errors"]) == {"phone", "consents.pd_law_152", "consents.pd_processing"}
    body = assert_problem(
        client.post("/api/office/applicants", json={**APPLICANT, "email": 7}, headers=crm), 422
    )
    assert set(body["errors"]) == {"email"}
    assert_problem(client.post("/api/office/applicants", data="not json", headers=crm), 400)
    assert_problem(client.get("/api/office/applicants", headers=crm), 400)


def test_a_taken_email_is_told_plainly(client, crm, make_account):
    make_account(email=APPLICANT["email"])
    body = assert_problem(client.post("/api/office/applicants", json=APPLICANT, headers=crm), 409)
    assert body["taken"] == ["email"]


def test_no_token_or_a_bad_one_is_refused(client):
    response = client.post("/api/office/applicants", json=APPLICANT)
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    response = client.get(
        "/api/office/applicants?email=x@example.ru", headers={"Authorization": "Bearer forged"}
    )
    assert_problem(response, 401)
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_a_token_without_the_office_scope_is_refused(client):
    token = client_token(client, OTHER_MACHINE, scope="reports:read").get_json()["access_token"]
    response = client.post(
        "/api/office/applicants", json=APPLICANT, headers={"Authorization": f"Bearer {token}"}
    )
    assert_problem(response, 403)
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]
    # asking for the office scope does not grant it to a client that does not have it
    asked = client_token(client, OTHER_MACHINE).get_json()
    assert "office:applicants" not in (asked.get("scope") or "")


def test_a_public_client_and_a_relying_party_get_no_client_credentials_token(client):
    public = client_token(client, PUBLIC)
    assert public.status_code in (400, 401) and public.get_json()["error"] in {
        "invalid_client",
        "unauthorized_client",
    }
    relying_party = client_token(client, CONFIDENTIAL)
    assert relying_party.status_code == 400 and relying_party.get_json()["error"] == "unauthorized_client"


def test_a_customer_access_token_does_not_reach_the_api(app, client, make_account):
    person = make_account()
    with app.app_context():
        token = tokens.new_access_token(tokens.new_family())
        tokens.save_access_token(
            token,
            {
                "client_id": CONFIDENTIAL["client_id"],
                "account_id": person["id"],
                "sub": person["sub"],
                "scope": "openid office:applicants",
            },
        )
    response = client.get(
        "/api/office/applicants?email=x@example.ru", headers={"Authorization": f"Bearer {token}"}
    )
    assert_problem(response, 403)


def test_the_openapi_description_is_valid_openapi_3_1(client):
    response = client.get("/api/office/openapi.json")
    assert response.status_code == 200
    description = response.get_json()
    assert description["openapi"].startswith("3.1")
    validate(description)
    assert set(description["paths"]) == {"/applicants", "/applicants/{id}", "/applicants/{id}/sms"}
    assert description["servers"][0]["url"].endswith("/api/office")
