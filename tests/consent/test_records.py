import pytest
from sqlalchemy import delete, update

from consent import catalogue, offer
from consent.records import ConsentRecord, ConsentRecordImmutable, MissingEvidence, anonymise, record
from idp.db import db
from idp.models import Account
from tests.support.consent import BROWSER, at


def test_a_web_grant_is_one_record_with_its_evidence(app, make_account):
    account = make_account()
    with app.app_context():
        record(account["id"], "pd_processing", "2026-01", True, ip_address="198.51.100.4", user_agent=BROWSER)
        db.session.commit()
        rows = ConsentRecord.query.all()
        assert len(rows) == 1
        row = rows[0]
        assert (row.account_id, row.kind, row.version, row.granted) == (
            account["id"],
            "pd_processing",
            "2026-01",
            True,
        )
        assert row.text_hash == catalogue.version("pd_processing", "2026-01").sha256
        assert (row.channel, row.ip_address, row.user_agent, row.operator) == (
            "web",
            "198.51.100.4",
            BROWSER,
            None,
        )
        assert abs(row.at.timestamp() - at().timestamp()) < 5


def test_an_office_grant_names_the_operator(app, make_account):
    account = make_account()
    with app.app_context():
        row = record(
            account["id"], "pd_law_152", "2026-01", True, channel="office", operator="office-17/ivanov"
        )
        db.session.commit()
        assert (row.channel, row.operator, row.ip_address, row.user_agent) == (
            "office",
            "office-17/ivanov",
            None,
            None,
        )


@pytest.mark.parametrize(
    "evidence",
    [
        {"channel": "office"},
        {"channel": "web"},
        {"channel": "post", "ip_address": "198.51.100.4"},
        {"channel": "web", "ip_address": "198.51.100.4", "text_hash": "0" * 64},
    ],
)
def test_a_record_without_its_evidence_is_refused(app, make_account, evidence):
    account = make_account()
    with app.app_context(), pytest.raises(MissingEvidence):
        record(account["id"], "pd_law_152", "2026-01", True, **evidence)


def test_an_unpublished_version_cannot_be_recorded(app, make_account):
    account = make_account()
    with app.app_context(), pytest.raises(catalogue.UnknownConsent):
        record(account["id"], "pd_law_152", "7", True, ip_address="198.51.100.4")


def test_registration_choices_record_grants_and_the_refused_optional_one(app, make_account):
    account = make_account()
    with app.app_context():
        choices = offer.read_form({"consent_pd_law_152": "2026-01", "consent_pd_processing": "2026-01"}, at())
        offer.record_choices(account["id"], choices, at(), ip_address="198.51.100.4", user_agent=BROWSER)
        db.session.commit()
        rows = {r.kind: r.granted for r in ConsentRecord.query.all()}
    assert rows == {"pd_law_152": True, "pd_processing": True, "mailing": False}


@pytest.fixture
def one_record(app, registered):
    account = registered()
    with app.app_context():
        return account, ConsentRecord.query.filter_by(kind="mailing").one().id


def test_a_record_cannot_be_changed(app, one_record):
    _, record_id = one_record
    with app.app_context():
        row = db.session.get(ConsentRecord, record_id)
        row.granted = False
        with pytest.raises(ConsentRecordImmutable):
            db.session.commit()
        db.session.rollback()
        with pytest.raises(ConsentRecordImmutable):
            db.session.execute(update(ConsentRecord).where(ConsentRecord.id == record_id).values(version="2"))
        db.session.rollback()
        assert db.session.get(ConsentRecord, record_id).granted is True


def test_a_record_cannot_be_deleted(app, one_record):
    _, record_id = one_record
    with app.app_context():
        db.session.delete(db.session.get(ConsentRecord, record_id))
        with pytest.raises(ConsentRecordImmutable):
            db.session.commit()
        db.session.rollback()
        with pytest.raises(ConsentRecordImmutable):
            db.session.execute(delete(ConsentRecord))
        db.session.rollback()
        assert ConsentRecord.query.count() == 3


def test_anonymising_clears_only_whose_and_from_where(app, one_record):
    account, _ = one_record
    with app.app_context():
        assert anonymise(account["id"]) == 3
        db.session.commit()
        rows = ConsentRecord.query.all()
        assert {(r.account_id, r.ip_address, r.user_agent) for r in rows} == {(None, None, None)}
        assert {(r.kind, r.version, r.granted, r.channel) for r in rows} == {
            (kind, "2026-01", True, "web") for kind in ("pd_law_152", "pd_processing", "mailing")
        }
        assert all(len(r.text_hash) == 64 for r in rows)


def test_deleting_an_account_anyhow_anonymises_its_records(app, one_record):
    account, record_id = one_record
    with app.app_context():
        # A bulk DELETE, as a purge does: no ORM hook runs, the database still anonymises.
        db.session.execute(delete(Account).where(Account.id == account["id"]))
        db.session.commit()
        row = db.session.get(ConsentRecord, record_id)
        assert (row.account_id, row.ip_address, row.user_agent, row.granted) == (None, None, None, True)
        assert row.text_hash == catalogue.version("mailing", "2026-01").sha256
