"""The load generator: Debian's wrk, pinned to its own core, one Lua script for all scenarios."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "wrk" / "scenario.lua"


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        raise RuntimeError("wrk is not installed: run `sudo apt-get install -y wrk`")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, env=env, stdout=subprocess.DEVNULL)
    return shutil.which("wrk") or "wrk"


@dataclass
class Load:
    """What one scenario sends."""

    method: str
    path: str
    expect: int
    headers: dict[str, str]
    body: str = ""
    mode: str = "static"  # static | feed | chain
    feed: Path | None = None


@dataclass
class Measured:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    exhausted: bool
    tail: list = field(default_factory=list)  # [percentile, ms] pairs of the upper tail

    @property
    def rps(self) -> float:
        return max(self.requests - self.errors, 0) / self.seconds if self.seconds else 0.0


def run(
    wrk: str, base_url: str, load: Load, seconds: float, connections: int, threads: int, cpu: int | None
) -> Measured:
    threads = max(1, min(threads, connections))
    env = {
        **os.environ,
        "BENCH_METHOD": load.method,
        "BENCH_PATH": load.path,
        "BENCH_HEADERS": "\n".join(f"{k}: {v}" for k, v in load.headers.items()),
        "BENCH_BODY": load.body,
        "BENCH_MODE": load.mode,
        "BENCH_EXPECT": str(load.expect),
        "BENCH_FEED": str(load.feed or ""),
        "BENCH_THREADS": str(threads),
    }
    argv = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(SCRIPT),
        base_url,
    ]
    if cpu is not None:
        argv = ["taskset", "-c", str(cpu), *argv]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=seconds + 60)
    for line in done.stdout.splitlines():
        if line.startswith("BENCH_RESULT "):
            data = json.loads(line.removeprefix("BENCH_RESULT "))
            return Measured(
                requests=data["requests"],
                seconds=data["duration_us"] / 1e6,
                p50_ms=data["p50_us"] / 1000,
                p99_ms=data["p99_us"] / 1000,
                errors=data["bad_status"] + data["socket_errors"],
                exhausted=data["exhausted_threads"] > 0,
                tail=[[percentile, us / 1000] for percentile, us in data.get("tail", [])],
            )
    raise RuntimeError(f"wrk gave no result (exit {done.returncode}):\n{done.stdout}\n{done.stderr}")


def merged_percentile(parts: list[tuple[int, list]], percentile: float) -> float:
    """The `percentile` of slices' latencies together, from each slice's request count and
    upper tail ([percentile, ms] pairs): the lowest latency at or under which that share of
    all requests is known to lie (never below the true figure, as each slice's share under a
    latency is read at the tail's next lower point)."""
    total = sum(count for count, _ in parts)
    for candidate in sorted({ms for _, tail in parts for _, ms in tail}):
        under = sum(
            count * max((p for p, ms in tail if ms <= candidate), default=0.0) for count, tail in parts
        )
        if under >= percentile * total:
            return candidate
    return max((ms for _, tail in parts for _, ms in tail), default=0.0)
