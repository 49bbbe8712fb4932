"""The Dockerfile, checked without a Docker engine: its health check runs, its final stage is lean."""

from __future__ import annotations

import configparser
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.support.net import free_port

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def _instructions(text: str) -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n", " ", text)
    lines = [
        line.strip() for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")
    ]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "") for line in lines]


def _final_stage() -> list[tuple[str, str]]:
    steps = _instructions(DOCKERFILE)
    last_from = max(i for i, (op, _) in enumerate(steps) if op == "FROM")
    return steps[last_from:]


def _healthcheck_command() -> list[str]:
    (args,) = [arg for op, arg in _final_stage() if op == "HEALTHCHECK"]
    return json.loads(args.split("CMD", 1)[1].strip())


def _run_healthcheck(port: int) -> int:
    command = _healthcheck_command()
    assert command[0] == "python"
    env = {"PATH": os.environ["PATH"], "IDP_BIND": f"0.0.0.0:{port}"}
    return subprocess.run([sys.executable, *command[1:]], env=env, capture_output=True, timeout=30).returncode


def test_the_health_check_passes_on_a_live_server_and_fails_without_one(live_server):
    assert _run_healthcheck(int(live_server.rsplit(":", 1)[1])) == 0
    assert _run_healthcheck(free_port()) != 0


def test_the_final_stage_runs_gunicorn_as_an_unprivileged_user_without_build_tools():
    final = _final_stage()
    (user,) = [arg for op, arg in final if op == "USER"]
    assert user.split(":")[0] not in {"0", "root"}
    (cmd,) = [arg for op, arg in final if op == "CMD"]
    assert json.loads(cmd) == ["gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]
    assert not any("build-essential" in arg or "gcc" in arg for _, arg in final)
    assert any(op == "COPY" and "--from=builder /wheels" in arg for op, arg in final)


def test_the_image_carries_every_package_and_the_files_the_app_reads():
    setup = configparser.ConfigParser()
    setup.read(ROOT / "setup.cfg")
    packages = [p.rstrip("*") for p in setup["options.packages.find"]["include"].split()]
    copied = {arg.split()[0] for op, arg in _final_stage() if op == "COPY" and not arg.startswith("--from")}
    copied |= {name for op, arg in _final_stage() if op == "COPY" for name in arg.split()[:-1]}
    for needed in [*packages, "templates", "static", "migrations", "wsgi.py", "gunicorn.conf.py"]:
        assert needed in copied, f"{needed} is not copied into the image"
