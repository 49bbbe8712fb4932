"""The sign-in floor: argon2id verifications per second on one core at lk-idp's configured cost."""

from __future__ import annotations

import json
import subprocess
import sys

_PROBE = """
import json, os, sys, time
from idp.accounts.passwords import Passwords
from idp.settings import load_settings
env = {k: v for k, v in os.environ.items() if k.startswith("IDP_ARGON2_")}
settings = load_settings({**env, "IDP_ENV": "development", "IDP_SECRET_KEY": "x" * 48})
passwords = Passwords.from_settings(settings)
stored = passwords.hash("bench-password")
seconds = float(sys.argv[1])
count, start = 0, time.perf_counter()
while time.perf_counter() - start < seconds or count < 3:
    passwords.verify(stored, "bench-password")
    count += 1
elapsed = time.perf_counter() - start
print(json.dumps({"per_second": count / elapsed, "ms": 1000 * elapsed / count,
                  "time_cost": settings.argon2_time_cost, "memory_cost": settings.argon2_memory_cost,
                  "parallelism": settings.argon2_parallelism}))
"""


def measure(seconds: float, cpu: int | None, cwd: str) -> dict:
    argv = [sys.executable, "-c", _PROBE, str(seconds)]
    if cpu is not None:
        argv = ["taskset", "-c", str(cpu), *argv]
    done = subprocess.run(argv, capture_output=True, text=True, cwd=cwd, timeout=seconds + 120)
    if done.returncode != 0:
        raise RuntimeError(f"argon2id floor probe failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])
