"""The harness waits for a server to finish what wrk left in flight."""

from __future__ import annotations

import subprocess
import sys
import time

from bench import procs


def test_wait_idle_returns_once_the_process_stops_using_the_cpu():
    busy = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time\nend = time.time() + 1.0\nwhile time.time() < end: pass\ntime.sleep(30)",
        ]
    )
    try:
        time.sleep(0.2)  # busy by now
        started = time.monotonic()
        procs.wait_idle(busy.pid, timeout=10)
        waited = time.monotonic() - started
        assert 0.4 < waited < 5  # through the busy second, not the sleep after it
    finally:
        busy.kill()
        busy.wait()
