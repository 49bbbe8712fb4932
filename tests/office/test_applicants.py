"""The operator's form, search, resend, re-creation and the printed acknowledgement."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest

from consent.records import ConsentRecord
from flows.office.models import StaffAuditRecord
from idp.clock import clock
from idp.models import Account
from idp.web.messages import MESSAGES
from tests.support.office import audit_actions
from tests.support.pages import post_form, text

pytestmark = pytest.mark.usefixtures("a_moscow_morning")  # its SMS are counted by the day

DAY = 24 * 3600
# The company's published procedure, kept verbatim in the repository (docs/seed/), so that the
# check needs nothing beside the checkout.
SEED = Path(__file__).resolve().parents[2] / "docs" / "seed" / "000_8c42746ea59daf3b.txt"
APPLICANT = {
    "service": "переоформление",
    "family_name": "Петров",
    "given_name": "Пётр",
    "no_middle_name": "y",
    "phone": "8 (916) 765-43-21",
    "email": "petrov@example.ru",
    "consent_pd_law_152": "y",
    "consent_pd_processing": "y",
}
PHONE = "+79167654321"


@pytest.fixture
def register_applicant(operator):
    client, _ = operator

    def submit(**changes):
        data = {k: v for k, v in {**APPLICANT, **changes}.items() if v is not None}
        return post_form(client, "/staff/applicants/new", "/staff/applicants/new", data)

    return submit


def the_account(app) -> Account:
    with app.app_context():
        return Account.query.filter_by(email=APPLICANT["email"]).one()


def test_the_operator_registers_a_cabinet_waiting_for_its_sms_password(
    app, operator, register_applicant, outbox
):
    _, staff = operator
    response = register_applicant(consent_mailing="y")
    account = the_account(app)
    assert response.status_code == 302 and response.headers["Location"].startswith(
        f"/staff/applicants/{account.sub}"
    )
    assert account.registered_by == "office" and account.phone == PHONE and account.middle_name is None
    assert account.activation_deadline is None  # it runs from when the link is sent
    with app.app_context():
        consents = ConsentRecord.query.filter_by(account_id=account.id).all()
        assert {c.kind: c.granted for c in consents} == {
            "pd_law_152": True,
            "pd_processing": True,
            "mailing": True,
        }
        assert {c.channel for c in consents} == {"office"}
        assert {c.operator for c in consents} == {f"Сотрудник {staff['login']} ({staff['login']})"}
        created = StaffAuditRecord.query.filter_by(action="applicant.created").one()
        assert created.account_sub == account.sub and created.details == {"service": "переоформление"}
        assert created.staff_id == staff["id"] and created.ip_address
    assert len(outbox.messages("sms", PHONE)) == 1


def test_the_form_uses_the_rules_of_self_registration(app, register_applicant):
    response = register_applicant(phone="+7 495 123-45-67", no_middle_name=None, consent_pd_processing=None)
    page = text(response)
    assert response.status_code == 400
    assert MESSAGES["phone_landline"] in page
    assert MESSAGES["middle_name_required"] in page
    assert MESSAGES["consent_pd_processing_required"] in page
    with app.app_context():
        assert Account.query.count() == 0


def test_a_taken_email_or_phone_is_told_to_the_operator(app, make_account, register_applicant):
    make_account(email=APPLICANT["email"])
    response = register_applicant()
    assert response.status_code == 409 and MESSAGES["office_taken_email"] in text(response)
    make_account(phone=PHONE)
    clock.advance(61)  # asking for an SMS to the same phone again waits out its cooldown
    response = register_applicant(email="other@example.ru")
    assert response.status_code == 409 and MESSAGES["office_taken_phone"] in text(response)
    assert audit_actions(app, action="applicant.create_refused") == ["applicant.create_refused"] * 2


@pytest.mark.parametrize(
    "query", ["8 916 765-43-21", "+7 (916) 765-43-21", "9167654321", "PETROV@example.ru"]
)
def test_search_by_phone_however_written_or_by_email(app, operator, register_applicant, query):
    client, _ = operator
    register_applicant()
    page = text(client.get("/staff/applicants", query_string={"q": query}))
    assert "Петров Пётр" in page and "ожидает пароль из SMS" in page


def test_search_finds_nothing_plainly(operator):
    client, _ = operator
    assert MESSAGES["office_nothing_found"] in text(client.get("/staff/applicants?q=nobody@example.ru"))


def test_every_staff_action_leaves_exactly_one_audit_record(app, operator, register_applicant):
    client, staff = operator
    register_applicant()
    sub = the_account(app).sub
    client.get("/staff/applicants?q=petrov@example.ru")
    client.get(f"/staff/applicants/{sub}")
    client.get(f"/staff/applicants/{sub}/acknowledgement")
    clock.advance(61)
    post_form(client, f"/staff/applicants/{sub}", f"/staff/applicants/{sub}/sms", {})  # reads the page first
    assert audit_actions(app) == [
        "staff.signed_in",
        "applicant.created",
        "applicant.searched",
        "applicant.viewed",
        "applicant.acknowledgement",
        "applicant.viewed",
        "applicant.sms_resent",
    ]
    with app.app_context():
        rows = StaffAuditRecord.query.order_by(StaffAuditRecord.id).all()
        assert all(row.actor == staff["login"] and row.staff_id == staff["id"] for row in rows)
        assert all(row.account_sub == sub for row in rows[1:])


def test_resend_obeys_the_sms_limits(app, operator, register_applicant, outbox):
    client, _ = operator
    register_applicant()
    sub = the_account(app).sub
    page, action = f"/staff/applicants/{sub}", f"/staff/applicants/{sub}/sms"
    too_soon = post_form(client, page, action, {})
    assert too_soon.status_code == 429 and "Новый пароль можно запросить через" in text(too_soon)
    for _ in range(4):  # the daily cap is 5 SMS: the registration's and four more
        clock.advance(61)
        assert post_form(client, page, action, {}).status_code == 302
    clock.advance(61)
    capped = post_form(client, page, action, {})
    assert capped.status_code == 429 and MESSAGES["sms_daily_cap"] in text(capped)
    assert len(outbox.messages("sms", PHONE)) == 5
    with app.app_context():
        resent = StaffAuditRecord.query.filter_by(action="applicant.sms_resent").all()
        assert len(resent) == 6
        assert sorted(r.details.get("refused", "") for r in resent) == [""] * 4 + [
            "sms_daily_cap",
            "sms_resend_too_soon",
        ]


def test_strangers_who_spent_the_logins_day_do_not_stop_the_office(app, operator, register_applicant, outbox):
    client, _ = operator
    register_applicant()
    stranger = app.test_client()
    while True:  # «Отправить еще раз?» for the applicant's e-mail until the day's cap
        clock.advance(61)
        asked = post_form(stranger, "/login", "/login/resend", {"login": APPLICANT["email"]})
        if asked.status_code == 429:
            assert MESSAGES["sms_daily_cap"] in text(asked)
            break
    sub = the_account(app).sub
    sent_by_then = len(outbox.messages("sms", PHONE))
    clock.advance(61)
    resent = post_form(client, f"/staff/applicants/{sub}", f"/staff/applicants/{sub}/sms", {})
    assert resent.status_code == 302
    assert len(outbox.messages("sms", PHONE)) == sent_by_then + 1


def test_resend_is_refused_for_a_cabinet_that_has_its_password(app, operator, make_account):
    client, _ = operator
    person = make_account()
    with app.app_context():
        sub = Account.query.filter_by(email=person["email"]).one().sub
    response = post_form(client, "/staff/applicants", f"/staff/applicants/{sub}/sms", {})
    assert response.status_code == 409 and MESSAGES["office_not_waiting_for_sms"] in text(response)


def test_recreation_after_the_deadline_counts_the_new_deadline_from_the_new_link(
    app, operator, register_applicant, sign_in, outbox, staff_sign_in
):
    client, staff = operator
    register_applicant()
    assert sign_in(APPLICANT["email"], outbox.sms_code(PHONE)).status_code == 302  # the link goes out now
    old = the_account(app)
    assert old.activation_deadline is not None
    clock.advance(DAY + 1)
    staff_sign_in(client, staff)  # a new working day
    page = text(client.get(f"/staff/applicants/{old.sub}"))
    assert "удаляется: срок активации истёк" in page and "Создать Личный кабинет заново" in page
    form = text(client.get(f"/staff/applicants/new?recreates={old.sub}"))
    assert MESSAGES["office_recreate"] in form and "Петров" not in form  # typed again
    response = register_applicant(recreates=old.sub)
    assert response.status_code == 302
    new = the_account(app)
    assert new.sub != old.sub and new.activation_deadline is None
    assert audit_actions(app, action="applicant.recreated") == ["applicant.recreated"]
    clock.advance(300)  # the applicant comes back a while later, the SMS password still valid
    assert sign_in(APPLICANT["email"], outbox.sms_code(PHONE)).status_code == 302
    renewed = the_account(app)
    assert (renewed.activation_deadline - clock.now()).total_seconds() == pytest.approx(DAY, abs=5)


def _seed_office_part() -> list[str]:
    lines = [line.strip() for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]
    start = next(n for n, line in enumerate(lines) if line.startswith("Если по Вашему желанию"))
    return lines[1:4] + lines[start:]  # the heading, the greeting, the notice; then the office path


def test_the_acknowledgement_is_the_seed_word_for_word(app, operator, register_applicant):
    client, _ = operator
    register_applicant(middle_name="Ильич", no_middle_name=None)
    sub = the_account(app).sub
    page = client.get(f"/staff/applicants/{sub}/acknowledgement")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<nav" not in html and "@page" in (Path(app.static_folder) / "office-print.css").read_text()
    body = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "\n", html)))
    for line in _seed_office_part():
        assert line in body, line
    assert "переоформление" in body and "Петров Пётр Ильич" in body
