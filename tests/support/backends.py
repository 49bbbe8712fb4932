"""Which database and store the suite runs on: IDP_TEST_BACKEND=services|embedded|auto."""

from __future__ import annotations

import os
import secrets
import socket

import psycopg

PG_ADMIN_URL = os.environ.get("IDP_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("IDP_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def choose() -> str:
    wanted = os.environ.get("IDP_TEST_BACKEND", "auto")
    if wanted in {"services", "embedded"}:
        return wanted
    return "services" if _answers("127.0.0.1", 5432) and _answers("127.0.0.1", 6379) else "embedded"


class Backend:
    """A private database (and Redis prefix) for one test session, removed at the end."""

    def __init__(self, kind: str, tmp_dir: str) -> None:
        self.kind = kind
        self.name = "lkidp_test_" + secrets.token_hex(6)
        if kind == "services":
            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{self.name}"')
            base = PG_ADMIN_URL.rsplit("/", 1)[0]
            self.database_url = f"{base}/{self.name}"
            self.redis_url = REDIS_URL
        else:
            self.database_url = f"sqlite:///{tmp_dir}/{self.name}.sqlite"
            self.redis_url = ""
        self.store_prefix = f"{self.name}:"

    def drop(self) -> None:
        if self.kind == "services":
            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
