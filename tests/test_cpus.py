"""Usable cores: the affinity mask, capped by a container's CPU quota."""

from __future__ import annotations

import os

from idp.cpus import usable_cores
from tests.support.config import make_settings


def test_without_a_quota_the_affinity_mask_counts(tmp_path):
    cpu_max = tmp_path / "cpu.max"
    cpu_max.write_text("max 100000\n")
    assert usable_cores(cpu_max) == len(os.sched_getaffinity(0))
    assert usable_cores(tmp_path / "absent") == len(os.sched_getaffinity(0))


def test_a_quota_caps_the_count_rounded_up(tmp_path):
    cpu_max = tmp_path / "cpu.max"
    cpu_max.write_text("50000 100000\n")  # half a core still needs one worker
    assert usable_cores(cpu_max) == 1
    cpu_max.write_text(f"{100000 * 64} 100000\n")  # a quota above the mask does not add cores
    assert usable_cores(cpu_max) == len(os.sched_getaffinity(0))


def test_workers_default_to_one_per_usable_core(backend, server_port, clients_file):
    assert make_settings(backend, server_port, clients_file).worker_processes == usable_cores()
    assert make_settings(backend, server_port, clients_file, workers=3).worker_processes == 3
