"""The embedded database's WAL checkpoints, made off the request path (idp/db/wal_checkpoints.py)."""

from __future__ import annotations

import contextlib
import os
import sqlite3

import pytest
from flask_migrate import upgrade

from idp.app import create_app
from idp.db import wal_checkpoints
from tests.support import backends
from tests.support.config import make_settings


@pytest.fixture
def database(tmp_path):
    path = str(tmp_path / "idp.sqlite")
    # held open as the app's pool holds its connections: the last one to close would checkpoint
    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA wal_autocheckpoint=0")  # only the thread's checkpoints
        connection.execute("CREATE TABLE tokens (value TEXT)")
        connection.commit()
        yield path


def _write_rows(path: str, count: int) -> None:
    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA wal_autocheckpoint=0")
        connection.executemany("INSERT INTO tokens VALUES (?)", [("x" * 500,)] * count)
        connection.commit()


# Each test keeps its own databases: the process's thread may be running (any embedded app
# starts it) and must not checkpoint them between a test's steps.


def test_a_round_copies_the_wal_of_a_kept_database_into_its_file(database):
    kept = {database: 0}
    _write_rows(database, 200)
    before = os.path.getsize(database)
    wal_checkpoints.checkpoint_grown(kept)
    assert os.path.getsize(database) > before + 200 * 500


def test_a_wal_unchanged_since_the_last_checkpoint_is_left_alone(database, monkeypatch):
    kept = {database: 0}
    _write_rows(database, 10)
    wal_checkpoints.checkpoint_grown(kept)
    assert kept[database] != 0
    made = []
    monkeypatch.setattr(wal_checkpoints.sqlite3, "connect", lambda *a, **k: made.append(a))
    wal_checkpoints.checkpoint_grown(kept)
    assert made == []


def test_a_removed_database_is_forgotten(database):
    kept = {database: 0}
    _write_rows(database, 10)
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(database + suffix)
    wal_checkpoints.checkpoint_grown(kept)
    assert kept == {}
    assert not os.path.exists(database)  # a round never creates the file again


def test_a_database_removed_between_the_wals_stat_and_the_checkpoint_is_not_made_again(database):
    kept = {database: 0}
    _write_rows(database, 10)
    os.unlink(database)  # its WAL still there, as for a moment while a test's files go
    wal_checkpoints.checkpoint_grown(kept)
    assert not os.path.exists(database)
    for suffix in ("-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(database + suffix)
    wal_checkpoints.checkpoint_grown(kept)
    assert kept == {}


def test_a_path_with_characters_a_uri_escapes_is_checkpointed(tmp_path):
    path = str(tmp_path / "lk idp#1?.sqlite")
    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA wal_autocheckpoint=0")
        connection.execute("CREATE TABLE tokens (value TEXT)")
        connection.commit()
        kept = {path: 0}
        _write_rows(path, 200)
        before = os.path.getsize(path)
        wal_checkpoints.checkpoint_grown(kept)
        assert os.path.getsize(path) > before + 200 * 500


def test_the_embedded_apps_database_is_kept(tmp_path, monkeypatch, server_port, clients_file):
    monkeypatch.setattr(wal_checkpoints, "_databases", {})
    embedded = backends.Backend("embedded", str(tmp_path))
    app = create_app(make_settings(embedded, server_port, clients_file))
    with app.app_context():
        upgrade()
    assert list(wal_checkpoints._databases) == [embedded.database_url.removeprefix("sqlite:///")]


def test_an_in_memory_database_has_no_file_to_keep():
    with contextlib.closing(sqlite3.connect(":memory:")) as connection:
        assert wal_checkpoints.database_file(connection) == ""
