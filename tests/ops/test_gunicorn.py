"""`gunicorn -c gunicorn.conf.py wsgi:app` starts, serves the probes, and adds up its workers' metrics."""

from __future__ import annotations

import inspect
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from gunicorn.asgi import parser, protocol
from gunicorn.config import Config
from gunicorn.workers import gasgi
from prometheus_client.parser import text_string_to_metric_families

from idp.serving import direct_protocol
from idp.serving.asgi_bridge import BODY_LIMIT
from tests.support.config import TEST_SECRET
from tests.support.net import free_port

ROOT = Path(__file__).resolve().parents[2]


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _assert_refused_as_too_large(url: str) -> None:
    oversized = urllib.request.Request(url, data=b"x" * (BODY_LIMIT + 1024), method="POST")
    oversized.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        urllib.request.urlopen(oversized, timeout=10)
    except urllib.error.HTTPError as error:
        assert error.code == 413
        assert "Слишком большой запрос." in error.read().decode()
    else:
        raise AssertionError("a form over the body limit was accepted")


def _start(
    backend, tmp_path, worker_class: str, workers: int, access_log: bool = True
) -> tuple[subprocess.Popen, str]:
    """`gunicorn -c gunicorn.conf.py wsgi:app` (its access log on unless told), serving /healthz."""
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "IDP_ENV": "development",
        "IDP_ISSUER": f"http://127.0.0.1:{port}",
        "IDP_SECRET_KEY": TEST_SECRET,
        "IDP_DATABASE_URL": backend.database_url,
        "IDP_REDIS_URL": backend.redis_url,
        "IDP_STORE_PREFIX": backend.store_prefix,
        "IDP_DELIVERY_IN_PROCESS": "false",
        "IDP_BIND": f"127.0.0.1:{port}",
        "IDP_WORKERS": str(workers),
        "IDP_WORKER_CLASS": worker_class,
        "IDP_THREADS": "2",
        "IDP_GRACEFUL_TIMEOUT": "5",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"),
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        # the access log is off by default; turned on here to see what it would write
        [
            str(gunicorn),
            "-c",
            "gunicorn.conf.py",
            *(["--access-logfile", "-"] if access_log else []),
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            status, body = _get(base + "/healthz")
        except OSError:
            assert process.poll() is None, process.communicate()[1][-3000:]
            time.sleep(0.2)
            continue
        assert (status, json.loads(body)) == (200, {"status": "ok"})
        return process, base
    process.kill()
    raise AssertionError("gunicorn did not answer /healthz within 30 s")


@pytest.mark.parametrize("worker_class", ["asgi", "gthread"])
def test_gunicorn_serves_probes_and_sums_worker_metrics(app, backend, tmp_path, worker_class):
    process, base = _start(backend, tmp_path, worker_class, workers=2)
    try:
        served = 1
        for _ in range(19):
            assert _get(base + "/healthz")[0] == 200
            served += 1

        status, body = _get(base + "/readyz")
        assert status == 200, body
        assert json.loads(body)["status"] == "ok"

        status, body = _get(base + "/metrics")
        assert status == 200
        healthz = [
            sample.value
            for family in text_string_to_metric_families(body.decode())
            for sample in family.samples
            if sample.name == "lkidp_http_requests_total" and sample.labels.get("endpoint") == "ops.healthz"
        ]
        assert sum(healthz) == served  # whichever worker answered, every probe is counted once
        assert any((tmp_path / "prometheus").iterdir())

        _get(base + "/authorize?client_id=rp&state=leaky-state-value&login_hint=ivan%40example.ru")
        _get(base + "/activate/activation-token-0123456789abcdef")

        if worker_class == "asgi":  # gthread answers without reading the body, and may reset the connection
            _assert_refused_as_too_large(base + "/login")
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err[-3000:]
    assert "Booting worker" in err
    assert "/healthz" not in out + err  # probes stay out of the logs
    assert '"GET /authorize HTTP/1.1" 400' in out  # gunicorn's access line...
    assert '"GET /activate/… HTTP/1.1"' in out
    for secret in ("leaky-state-value", "ivan", "activation-token-0123456789abcdef"):
        assert secret not in out + err  # ...without the query string or the token
    assert '"route": "/authorize"' in err  # the app's own structured record


@pytest.mark.parametrize("worker_class", ["asgi", "gthread"])
def test_a_request_in_flight_is_answered_after_sigterm(app, backend, tmp_path, worker_class):
    """A rolling deploy stops pods with SIGTERM: what a worker already holds is finished."""
    process, base = _start(backend, tmp_path, worker_class, workers=1)
    form = b"grant_type=authorization_code&code=in-flight&redirect_uri=https%3A%2F%2Fexample.org%2Fcb"
    try:
        with socket.create_connection(("127.0.0.1", int(base.rsplit(":", 1)[1])), timeout=10) as conn:
            conn.sendall(
                b"POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                b"Authorization: Basic cnA6d3Jvbmc=\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\n"
                + f"Content-Length: {len(form)}\r\n\r\n".encode()
                + form[:20]
            )
            time.sleep(0.5)  # the worker holds the request, waiting for the rest of its body
            process.send_signal(signal.SIGTERM)
            time.sleep(0.5)
            conn.sendall(form[20:])
            answer = b""
            while chunk := conn.recv(65536):
                answer += chunk
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=30)
    assert answer.startswith(b"HTTP/1.1 401"), answer[:200]
    assert b'"invalid_client"' in answer  # Authlib judged the whole request
    assert process.returncode == 0, err[-3000:]


@pytest.mark.parametrize("worker_class", ["asgi", "gthread"])
def test_the_master_loads_neither_the_app_nor_its_frameworks(worker_class):
    """What gunicorn's master imports (its config file and the worker class it names) stays
    small: the app and its frameworks are loaded by each worker only, so the master does not
    hold their ~50 MB (docs/BENCHMARKS.md, memory)."""
    probe = (
        "import runpy, sys\n"
        "from gunicorn.util import load_class\n"
        "config = runpy.run_path('gunicorn.conf.py')\n"
        "load_class(config['worker_class'])\n"
        "heavy = ('flask', 'authlib', 'sqlalchemy', 'redis', 'wsgi')\n"
        "print(','.join(name for name in heavy if name in sys.modules))\n"
    )
    env = {**os.environ, "IDP_ENV": "development", "IDP_WORKER_CLASS": worker_class}
    loaded = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert loaded.stdout.strip() == ""


def test_each_worker_freezes_the_loaded_app_out_of_the_collectors_walk():
    """A full collection used to walk every object of the loaded app (~45 ms holding the GIL):
    after gunicorn loads the app in a worker, the objects are frozen (gc.freeze)."""
    probe = (
        "import gc, runpy\n"
        "config = runpy.run_path('gunicorn.conf.py')\n"
        "before = gc.get_freeze_count()\n"
        "config['post_worker_init'](None)\n"
        "print(gc.get_freeze_count() > before)\n"
    )
    env = {**os.environ, "IDP_ENV": "development"}
    frozen = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert frozen.stdout.strip() == "True"


def _exchange(base: str, raw: bytes, answers: int, heads: set[int]) -> list[tuple[bytes, dict, bytes]]:
    """Send raw bytes on one connection; read `answers` responses, each framed by its
    Content-Length (none after a HEAD, the `heads`-th requests, or in a 304)."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(raw)
        buffered, answered = b"", []
        while len(answered) < answers:
            while b"\r\n\r\n" not in buffered:
                chunk = connection.recv(65536)
                assert chunk, f"the connection closed after {len(answered)} answers"
                buffered += chunk
            head, buffered = buffered.split(b"\r\n\r\n", 1)
            status_line, *lines = head.split(b"\r\n")
            headers = {k.lower(): v for k, _, v in (line.decode().partition(": ") for line in lines)}
            bodiless = len(answered) in heads or b" 304 " in status_line
            size = 0 if bodiless else int(headers["content-length"])
            while len(buffered) < size:
                buffered += connection.recv(65536)
            answered.append((status_line, headers, buffered[:size]))
            buffered = buffered[size:]
        closed = connection.recv(1) == b"" if answered[-1][1].get("connection") == "close" else None
    assert closed in (None, True)
    return answered


def test_the_direct_answers_keep_http_framing(app, backend, tmp_path):
    """Without the access log, the published documents and the protocol lane are written by
    idp/serving/direct_protocol.py: pipelined, HEAD, 304, a POST body and Connection: close
    keep their framing on one connection."""
    process, base = _start(backend, tmp_path, "asgi", workers=1, access_log=False)
    try:
        host = base.removeprefix("http://").encode()
        jwks = _get(base + "/jwks.json")[1]
        etag = urllib.request.urlopen(base + "/jwks.json", timeout=5).headers["ETag"].encode()
        form = b"grant_type=refresh_token&refresh_token=nothing"
        requests = [
            b"GET /jwks.json HTTP/1.1\r\nHost: " + host,
            b"HEAD /jwks.json HTTP/1.1\r\nHost: " + host,
            b"GET /jwks.json HTTP/1.1\r\nHost: " + host + b"\r\nIf-None-Match: " + etag,
            b"POST /token HTTP/1.1\r\nHost: " + host + b"\r\nContent-Type: application/x-www-form-urlencoded"
            b"\r\nContent-Length: " + str(len(form)).encode() + b"\r\n\r\n" + form,
            b"GET /.well-known/openid-configuration HTTP/1.1\r\nHost: " + host + b"\r\nConnection: close",
        ]
        raw = b"".join(r if r.endswith(form) else r + b"\r\n\r\n" for r in requests)
        answered = _exchange(base, raw, len(requests), heads={1})
        statuses = [status_line.split(b" ")[1] for status_line, _, _ in answered]
        assert statuses == [b"200", b"200", b"304", b"401", b"200"]
        assert answered[0][2] == jwks and answered[1][2] == b""
        assert answered[1][1]["content-length"] == str(len(jwks))
        assert json.loads(answered[3][2])["error"] == "invalid_client"
        assert answered[3][1]["cache-control"] == "no-store"
        assert answered[4][1]["connection"] == "close"
        assert all(
            "date" in headers and headers["server"].startswith("gunicorn") for _, headers, _ in answered
        )
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err[-3000:]


def test_a_direct_answer_whose_header_would_break_the_framing_is_not_written():
    class Request:
        version, method = (1, 1), "GET"

    with pytest.raises(ValueError):
        direct_protocol.DirectProtocol._response(
            Request(), 200, [(b"x-smuggled", b"a\r\nSet-Cookie: b")], b"", False
        )
    sent = direct_protocol.DirectProtocol._response(Request(), 200, [(b"content-length", b"2")], b"{}", False)
    assert sent.startswith(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n") and sent.endswith(b"\r\n\r\n{}")
    unframed = direct_protocol.DirectProtocol._response(Request(), 200, [(b"x-a", b"b")], b"{}", False)
    assert b"\r\ncontent-length: 2\r\n" in unframed  # a length is added where the answer has none


def test_gunicorn_still_has_what_the_direct_protocol_leans_on(monkeypatch):
    for name in ("_get_cached_status_line", "_get_cached_date_header", "_CACHED_SERVER_HEADER"):
        assert hasattr(protocol, name), name
    set_in_init = protocol.ASGIProtocol.__init__.__code__.co_names
    for name in direct_protocol.LEANS_ON:
        assert hasattr(protocol.ASGIProtocol, name) or name in set_in_init, name
    assert "ASGIProtocol(self)" in inspect.getsource(gasgi.ASGIWorker._serve)  # looked up at each connection
    assert "headers_bytes" in parser.CallbackRequest.__slots__  # the ASGI headers, before the scope
    monkeypatch.setattr(gasgi, "ASGIProtocol", gasgi.ASGIProtocol)  # put back after the test
    direct_protocol.install()
    assert gasgi.ASGIProtocol is direct_protocol.DirectProtocol


def test_the_direct_protocol_parses_with_gunicorns_c_parser(monkeypatch):
    monkeypatch.setattr(gasgi, "ASGIProtocol", gasgi.ASGIProtocol)
    monkeypatch.setattr(protocol.ASGIProtocol, "_h1c_available", None)  # not yet asked, as in a new worker
    direct_protocol.install()
    made = direct_protocol.DirectProtocol.__new__(direct_protocol.DirectProtocol)
    made.cfg = Config()
    made._setup_callback_parser()
    assert type(made._callback_parser).__name__ == "H1CProtocol"
