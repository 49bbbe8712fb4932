"""The hot paths' account copy in the store: fresh after every change, never put back stale."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from idp.accounts import account_view
from idp.clock import utcnow
from idp.db import db
from idp.models import Account
from idp.services import store
from idp.store import StoreUnavailable


@pytest.fixture
def account(make_account):
    return make_account()


def test_a_read_fills_the_store_and_the_next_read_needs_no_database(app, account, monkeypatch):
    with app.app_context():
        first = account_view.load(account["id"])
        monkeypatch.setattr(account_view, "select_view", lambda account_id: pytest.fail("SELECT again"))
        again = account_view.load(account["id"])
    assert again == first
    assert again.email == account["email"]
    assert again.phone_verified_at.tzinfo is not None


def test_reads_of_one_entry_share_a_view_and_a_changed_entry_gets_its_own(app, account):
    with app.app_context():
        account_view.load(account["id"])  # fills the store
        first, again = account_view.load(account["id"]), account_view.load(account["id"])
        _cached_then_renamed(account["id"])
        db.session.commit()
        changed = account_view.load(account["id"])
        after = account_view.load(account["id"])
    assert again is first  # decoded once
    assert changed.given_name == after.given_name == "Анна" and after is not first


def _cached_then_renamed(account_id: int) -> None:
    """Fill the store's copy, then change the row through the ORM, not yet committed."""
    account_view.load(account_id)
    db.session.get(Account, account_id).given_name = "Анна"


def test_a_change_through_the_orm_is_seen_at_once(app, account):
    with app.app_context():
        _cached_then_renamed(account["id"])
        db.session.commit()
        assert account_view.load(account["id"]).given_name == "Анна"


def test_a_bulk_update_is_seen_at_once_when_it_says_so(app, account):
    with app.app_context():
        account_view.load(account["id"])
        now = utcnow()
        db.session.execute(update(Account).where(Account.id == account["id"]).values(closed_at=now))
        account_view.changed(db.session, account["id"])
        db.session.commit()
        assert account_view.load(account["id"]).closed_at == now


def test_a_reader_that_loaded_before_a_change_cannot_put_the_old_row_back(app, account, monkeypatch):
    with app.app_context():
        before = account_view.select_view(account["id"])  # a slow reader's SELECT…
        row = db.session.get(Account, account["id"])
        row.family_name = "Петрова"
        db.session.commit()  # …then the change commits…
        monkeypatch.setattr(account_view, "select_view", lambda account_id: before)
        assert account_view.load(account["id"]).family_name == "Иванова"  # …then it fills, or tries to
        monkeypatch.undo()
        assert account_view.load(account["id"]).family_name == "Петрова"


def test_a_rolled_back_change_marks_nothing(app, account):
    with app.app_context():
        _cached_then_renamed(account["id"])
        db.session.flush()
        db.session.rollback()
        assert store().get(f"acct:{account['id']}") != account_view.STALE


def test_a_commit_succeeds_when_the_store_cannot_be_told(app, account, monkeypatch, caplog):
    def down(*args, **kwargs):
        raise StoreUnavailable("gone")

    with app.app_context():
        row = db.session.get(Account, account["id"])
        row.given_name = "Анна"
        monkeypatch.setattr(store(), "set", down)
        db.session.commit()
        monkeypatch.undo()
        assert db.session.get(Account, account["id"]).given_name == "Анна"
    assert "could not mark 1 account(s) stale" in caplog.text
