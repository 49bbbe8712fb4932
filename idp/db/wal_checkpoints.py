"""WAL checkpoints of the embedded SQLite database, made by a thread of their own.

SQLite checkpoints in whichever connection's commit pushes the WAL past
`wal_autocheckpoint` pages: that commit copies every page the WAL holds into the
database file and syncs it, 140 ms at 10 000 pages on this project's machines,
while its request waits. Here one thread per process makes a PASSIVE checkpoint
of each database it was told about four times a second when its WAL has grown:
it never waits for a reader or a writer and never blocks one, so the commit that
reaches the limit finds almost nothing left to copy (the longest commit of 8 s at
~500 a second: 142 ms without this thread, 5.5 ms with it; docs/BENCHMARKS.md).
Under a steady writer the WAL file still grows to that limit: SQLite starts it
again only when a write begins with every frame copied, and a RESTART
checkpoint, which waits for that, held every writer ~9 ms each round.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
import time
from urllib.parse import quote

log = logging.getLogger(__name__)

INTERVAL = 0.25

_lock = threading.Lock()
_databases: dict[str, int] = {}  # path -> the WAL's mtime (ns) at its last checkpoint
_thread_pid: int | None = None  # the process whose thread runs (a forked worker starts its own)


def keep(path: str) -> None:
    """Checkpoint the database file at `path` from now on, in this process."""
    global _thread_pid
    with _lock:
        _databases.setdefault(path, 0)
        if _thread_pid != os.getpid():
            _thread_pid = os.getpid()
            threading.Thread(target=_run, name="wal-checkpoints", daemon=True).start()


def database_file(dbapi_connection) -> str:
    """The file of a SQLite connection's main database; "" for one in memory."""
    for _, name, file in dbapi_connection.execute("PRAGMA database_list"):
        if name == "main":
            return file or ""
    return ""


def checkpoint_grown(kept: dict[str, int] | None = None) -> None:
    """One round: a checkpoint of each kept database (`kept`: the thread's) whose WAL changed
    since its last one."""
    kept = _databases if kept is None else kept
    with _lock:
        databases = list(kept.items())
    for path, checkpointed in databases:
        try:
            grown = os.stat(path + "-wal").st_mtime_ns
        except FileNotFoundError:
            if not os.path.exists(path):
                with _lock:
                    kept.pop(path, None)  # removed (a test's temporary database)
            continue
        if grown == checkpointed:
            continue
        try:
            # mode=rw: a file removed since the stat above is not made again, empty
            opened = sqlite3.connect(f"file:{quote(path)}?mode=rw", uri=True, timeout=0)
            with contextlib.closing(opened) as connection:
                connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error as error:  # another checkpoint under way; the next round retries
            log.debug("WAL checkpoint skipped: %s", error)
            continue
        with _lock:
            if path in kept:
                kept[path] = grown


def _run() -> None:
    while True:  # a daemon thread: it ends with its process
        time.sleep(INTERVAL)
        try:
            checkpoint_grown()
        except Exception:  # the backstop checkpoints meanwhile; this thread must not die
            log.exception("WAL checkpoints failed")
