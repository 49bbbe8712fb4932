"""Structured logs: one JSON line per record, request ids, access records without secrets."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

from flask import g
from gunicorn.config import Config

from idp.ops.logging_setup import JsonFormatter, RequestIdFilter
from idp.serving.gunicorn_logger import ProbeQuietLogger, public_path
from tests.support.config import CONFIDENTIAL
from tests.support.oidc import code_flow

ROOT = Path(__file__).resolve().parents[2]


def access_records(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "idp.access"]


def test_a_sane_request_id_is_kept_and_echoed(client, caplog):
    caplog.set_level("INFO", logger="idp.access")
    response = client.get("/login", headers={"X-Request-ID": "lb-7f3a.42:9"})
    assert response.headers["X-Request-ID"] == "lb-7f3a.42:9"
    (record,) = access_records(caplog)
    assert record.request_id == "lb-7f3a.42:9"
    assert record.route == "/login"
    assert record.status == 200
    assert record.duration_ms >= 0


def test_an_insane_request_id_is_replaced(client):
    for header in ("<script>", "a" * 300, "ivan@example.ru", "x y"):
        echoed = client.get("/healthz", headers={"X-Request-ID": header}).headers["X-Request-ID"]
        assert echoed != header
        assert len(echoed) == 32 and all(c in "0123456789abcdef" for c in echoed)


def test_access_records_name_route_and_relying_party_never_the_query(live_server, make_account, caplog):
    caplog.set_level("INFO", logger="idp.access")
    account = make_account()
    tokens = code_flow(live_server, account)
    records = access_records(caplog)
    by_route = {r.route: r for r in records}
    assert by_route["/authorize"].client_id == CONFIDENTIAL["client_id"]
    assert by_route["/authorize"].status == 302
    assert by_route["/authorize/resume/<ia>"].client_id == CONFIDENTIAL["client_id"]
    assert by_route["/token"].client_id == CONFIDENTIAL["client_id"]
    assert by_route["/login"].client_id is None
    text = "\n".join(JsonFormatter().format(r) for r in records)
    for secret in (
        account["email"],
        account["password"],
        CONFIDENTIAL["client_secret"],
        tokens["access_token"],
        tokens["refresh_token"],
        "state=",
        "code_challenge",
        "?",
    ):
        assert secret not in text


def test_records_are_json_lines_with_the_request_id(app, caplog):
    formatter = JsonFormatter()
    with app.test_request_context("/x"):
        g.request_id = "req-1"
        record = logging.LogRecord("idp.flow", logging.WARNING, __file__, 1, "sent %d", (3,), None)
        record.channel = "sms"
        RequestIdFilter().filter(record)
        line = formatter.format(record)
    entry = json.loads(line)
    assert "\n" not in line
    assert entry["message"] == "sent 3"
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "idp.flow"
    assert entry["request_id"] == "req-1"
    assert entry["channel"] == "sms"
    assert entry["ts"].endswith("+00:00")


LEAKY_SUITE = """
import logging

from tests.support import leak_guard


def test_logs_a_password():
    leak_guard.watch.remember("{value}", "password")
    logging.getLogger("idp.somewhere").info("signing in with %s", "{logged}")
"""


def _run_guarded_suite(tmp_path, value, logged):
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_leaky.py").write_text(textwrap.dedent(LEAKY_SUITE.format(value=value, logged=logged)))
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "tests.support.leak_guard",
            "-c",
            str(tmp_path / "pytest.ini"),
            "--rootdir",
            str(tmp_path),
            str(tmp_path / "test_leaky.py"),
        ],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_leak_guard_fails_a_suite_whose_logs_carry_a_secret(tmp_path):
    leaky = _run_guarded_suite(tmp_path, "Пароль-Утечка-2026", "Пароль-Утечка-2026")
    assert leaky.returncode == 1, leaky.stdout + leaky.stderr
    assert "password in a record of logger 'idp.somewhere'" in leaky.stdout
    assert "Пароль-Утечка-2026" not in leaky.stdout  # the report does not repeat the secret


def test_the_leak_guard_passes_a_clean_suite(tmp_path):
    clean = _run_guarded_suite(tmp_path, "Пароль-Утечка-2026", "something else")
    assert clean.returncode == 0, clean.stdout + clean.stderr


def test_gunicorns_access_atoms_carry_no_secrets():
    assert public_path("/activate/abc.def") == "/activate/…"
    assert public_path("/authorize/resume/xyz") == "/authorize/resume/…"
    assert public_path("/token") == "/token"
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/activate/tok?x=1",
        "PATH_INFO": "/activate/tok",
        "QUERY_STRING": "x=1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": "https://rp.example/cb?code=abc",
        "HTTP_COOKIE": "lk_session=s3cr3t",
    }
    request = SimpleNamespace(headers=[("AUTHORIZATION", "Basic c2VjcmV0"), ("COOKIE", "lk_session=s3cr3t")])
    response = SimpleNamespace(status="200 OK", sent=10, headers=[("Set-Cookie", "lk_session=s3cr3t")])
    atoms = ProbeQuietLogger(Config()).atoms(response, request, environ, timedelta(milliseconds=5))
    text = repr(atoms)
    for secret in ("tok", "x=1", "code=abc", "s3cr3t", "c2VjcmV0"):
        assert secret not in text
    assert atoms["r"] == "GET /activate/… HTTP/1.1"
