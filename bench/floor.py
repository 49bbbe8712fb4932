"""Floors measured on the server's core: what no server can go below.

Sign-in: argon2id verifications per second at lk-idp's configured cost. Token
endpoint: one RS256 signature (RSA-2048, PKCS#1 v1.5, SHA-256, through OpenSSL
as both servers call it), which every ID token costs lk-idp and the peer alike.
"""

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


_RS256_PROBE = """
import json, sys, time
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
signing_input = b"e" * 700  # an ID token's header and claims, base64url-encoded
seconds = float(sys.argv[1])
count, started = 0, time.process_time()
while time.process_time() - started < seconds or count < 50:
    key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    count += 1
print(json.dumps({"us": 1e6 * (time.process_time() - started) / count}))
"""


def _probe(source: str, seconds: float, cpu: int | None, cwd: str, what: str) -> dict:
    argv = [sys.executable, "-c", source, str(seconds)]
    if cpu is not None:
        argv = ["taskset", "-c", str(cpu), *argv]
    done = subprocess.run(argv, capture_output=True, text=True, cwd=cwd, timeout=seconds + 120)
    if done.returncode != 0:
        raise RuntimeError(f"{what} floor probe failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(seconds: float, cpu: int | None, cwd: str) -> dict:
    return _probe(_PROBE, seconds, cpu, cwd, "argon2id")


def around(before: dict, after: dict) -> dict:
    """One floor of two measurements taken either side of a run: their mean rate."""
    return mean([before, after])


def mean(floors: list[dict]) -> dict:
    """One floor of several measurements (each a floor of its own or a single probe): the mean
    rate of every probe they hold."""
    probes = [probe for each in floors for probe in each.get("measured", [each])]
    per_second = sum(probe["per_second"] for probe in probes) / len(probes)
    return {**probes[0], "per_second": per_second, "ms": 1000 / per_second, "measured": probes}


def measure_rs256(seconds: float, cpu: int | None, cwd: str) -> dict:
    """CPU µs of one RS256 signature on `cpu`."""
    return _probe(_RS256_PROBE, seconds, cpu, cwd, "RS256")
