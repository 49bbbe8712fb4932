"""Several gunicorn workers sharing PostgreSQL and Redis serve the whole code flow."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.support.config import setting_values
from tests.support.net import free_port
from tests.support.oidc import Flow

pytestmark = pytest.mark.services
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def gunicorn_server(backend, clients_file, app):
    if backend.kind != "services":
        pytest.skip("several workers need PostgreSQL and Redis; CI runs this with IDP_TEST_BACKEND=services")
    port = free_port()
    # a worker holding the test's idle keep-alive connections stops after 5 s, not the default 30
    values = setting_values(
        backend, port, clients_file, workers=3, bind=f"127.0.0.1:{port}", graceful_timeout=5
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("IDP_")}
    env.update(
        {
            f"IDP_{name.upper()}": str(value).lower() if isinstance(value, bool) else str(value)
            for name, value in values.items()
        }
    )
    command = [
        os.path.join(os.path.dirname(sys.executable), "gunicorn"),
        "-c",
        "gunicorn.conf.py",
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
        proc.wait(timeout=30)


def test_code_flow_across_workers(gunicorn_server, make_account):
    flow = Flow(gunicorn_server, make_account())
    for _ in range(3):  # several rounds, so requests land on different workers
        tokens = flow.exchange(flow.code()).json()
        assert flow.userinfo(tokens["access_token"]).json()["sub"] == flow.account["sub"]
        rotated = flow.refresh(tokens["refresh_token"]).json()
        assert flow.userinfo(rotated["access_token"]).status_code == 200
        assert flow.refresh(tokens["refresh_token"]).json()["error"] == "invalid_grant"
