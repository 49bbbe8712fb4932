"""A private redis-server process on loopback, for tests that stop, pause or reconfigure Redis
(the session's Redis is shared with other processes)."""

from __future__ import annotations

import subprocess
import time

import redis


def wait_for(condition, timeout: float, what: str) -> None:
    """Poll a real process's state (not the project clock: these are other processes)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except redis.RedisError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def start_redis_server(port: int, workdir, *extra: str, password: str = "") -> subprocess.Popen:
    """redis-server on 127.0.0.1:`port`, nothing saved to disk, answering once this returns."""
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
            *(("--requirepass", password) if password else ()),
            *extra,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for(lambda: redis.Redis(port=port, password=password or None).ping(), 10, f"redis-server on {port}")
    return process
