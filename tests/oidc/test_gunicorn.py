"""Several gunicorn workers sharing PostgreSQL and Redis serve the whole code flow."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import TEST_SECRET, free_port
from tests.oidc.conftest import Flow

pytestmark = pytest.mark.services
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def gunicorn_server(backend, clients_file, app):
    if backend.kind != "services":
        pytest.skip("several workers need PostgreSQL and Redis; CI runs this with IDP_TEST_BACKEND=services")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("IDP_")}
    env.update(
        IDP_ENV="development",
        IDP_ISSUER=f"http://127.0.0.1:{port}",
        IDP_SECRET_KEY=TEST_SECRET,
        IDP_DATABASE_URL=backend.database_url,
        IDP_REDIS_URL=backend.redis_url,
        IDP_STORE_PREFIX=backend.store_prefix,
        IDP_CLIENTS_FILE=clients_file,
        IDP_DELIVERY_IN_PROCESS="false",
        IDP_ARGON2_TIME_COST="1",
        IDP_ARGON2_MEMORY_COST="8192",
        IDP_WORKERS="3",
        IDP_BIND=f"127.0.0.1:{port}",
    )
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    command = [gunicorn, "-c", "gunicorn.conf.py", "wsgi:app"]
    if not (ROOT / "gunicorn.conf.py").exists():
        command = [
            gunicorn,
            "-w",
            "3",
            "-k",
            "gthread",
            "--threads",
            "4",
            "-b",
            f"127.0.0.1:{port}",
            "wsgi:app",
        ]
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(base + "/.well-known/openid-configuration", timeout=5)
                break
            except (requests.ConnectionError, requests.Timeout):
                assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_code_flow_across_workers(gunicorn_server, make_account):
    flow = Flow(gunicorn_server, make_account())
    for _ in range(3):  # several rounds, so requests land on different workers
        tokens = flow.exchange(flow.code()).json()
        assert flow.userinfo(tokens["access_token"]).json()["sub"] == flow.account["sub"]
        rotated = flow.refresh(tokens["refresh_token"]).json()
        assert flow.userinfo(rotated["access_token"]).status_code == 200
        assert flow.refresh(tokens["refresh_token"]).json()["error"] == "invalid_grant"
