"""How many cores this process may actually use.

Not the machine's count: a `taskset` pin or a cgroup cpuset narrows the cores
(sched_getaffinity), and a container's CPU limit (cgroup v2 `cpu.max`) caps the
time, which on a 32-core node with a one-core limit must count as one.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

CPU_MAX = Path("/sys/fs/cgroup/cpu.max")


def _quota_cores(cpu_max: Path) -> int | None:
    try:
        quota, period = cpu_max.read_text().split()
    except (OSError, ValueError):
        return None
    if quota == "max":
        return None
    return max(1, math.ceil(int(quota) / int(period)))


def usable_cores(cpu_max: Path = CPU_MAX) -> int:
    cores = len(os.sched_getaffinity(0))
    quota = _quota_cores(cpu_max)
    return min(cores, quota) if quota else cores
