import json

from consent.records import ConsentRecord, record
from flows.closure import close_account, erase_closed_accounts
from idp.clock import clock, utcnow
from idp.db import db
from idp.models import Account, AuditEvent, RefreshToken
from tests.support.consent import BROWSER


def _history(app, account, now_step=60):
    with app.app_context():
        clock.advance(now_step)
        record(
            account["id"],
            "mailing",
            "2026-01",
            False,
            channel="account",
            ip_address="198.51.100.9",
            user_agent=BROWSER,
        )
        clock.advance(now_step)
        record(account["id"], "mailing", "2026-01", True, channel="office", operator="office-3/petrova")
        db.session.commit()


def test_export_prints_the_whole_history_with_evidence(app, registered):
    account = registered()
    _history(app, account)
    for login in (account["email"], account["sub"]):
        result = app.test_cli_runner().invoke(args=["consents", "export", "--account", login])
        assert result.exit_code == 0, result.output
        exported = json.loads(result.output)
        assert exported["account"]["sub"] == account["sub"]
        records = exported["records"]
        assert [(r["kind"], r["granted"], r["channel"]) for r in records] == [
            ("pd_law_152", True, "web"),
            ("pd_processing", True, "web"),
            ("mailing", True, "web"),
            ("mailing", False, "account"),
            ("mailing", True, "office"),
        ]
        assert records[3]["ip_address"] == "198.51.100.9" and records[3]["user_agent"] == BROWSER
        assert records[4]["operator"] == "office-3/petrova" and records[4]["ip_address"] is None
        assert all(
            len(r["text_sha256"]) == 64 and r["text_effective"].startswith("2026-01-01") for r in records
        )
        assert exported["current"]["mailing"]["granted"] is True


def test_export_of_an_unknown_person_fails_with_a_message(app):
    result = app.test_cli_runner().invoke(args=["consents", "export", "--account", "nobody@example.ru"])
    assert result.exit_code != 0
    assert "no such account" in result.output


def _close(app, account):
    with app.app_context():
        close_account(db.session.get(Account, account["id"]), "consent_withdrawn", consent="pd_processing")


def test_closed_accounts_are_erased_after_retention_and_records_anonymised(app, registered):
    account = registered()
    keep = registered()
    _close(app, account)
    retention = app.extensions["idp"].settings.closed_account_retention

    clock.advance(retention - 60)
    with app.app_context():
        assert erase_closed_accounts(utcnow()) == 0
        assert db.session.get(Account, account["id"]) is not None

    clock.advance(120)
    result = app.test_cli_runner().invoke(args=["accounts", "erase-closed"])
    assert result.exit_code == 0 and "erased 1 closed accounts" in result.output
    with app.app_context():
        assert db.session.get(Account, account["id"]) is None
        assert db.session.get(Account, keep["id"]) is not None
        orphans = ConsentRecord.query.filter(ConsentRecord.account_id.is_(None)).all()
        assert len(orphans) == 3
        assert all(r.ip_address is None and r.user_agent is None and r.text_hash for r in orphans)
        assert ConsentRecord.query.filter_by(account_id=keep["id"]).count() == 3
        assert RefreshToken.query.filter_by(account_id=account["id"]).count() == 0
        erased = AuditEvent.query.filter_by(kind="account_erased").one()
        assert erased.subject is None and erased.details == {"consent_records": 3}
    gone = app.test_cli_runner().invoke(args=["consents", "export", "--account", account["email"]])
    assert gone.exit_code != 0
