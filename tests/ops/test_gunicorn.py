"""`gunicorn -c gunicorn.conf.py wsgi:app` starts, serves the probes, and adds up its workers' metrics."""

from __future__ import annotations

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
from prometheus_client.parser import text_string_to_metric_families

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


def _start(backend, tmp_path, worker_class: str, workers: int) -> tuple[subprocess.Popen, str]:
    """`gunicorn -c gunicorn.conf.py wsgi:app` with its access log on, serving /healthz."""
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
        [str(gunicorn), "-c", "gunicorn.conf.py", "--access-logfile", "-", "wsgi:app"],
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
