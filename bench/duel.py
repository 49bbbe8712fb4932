"""`python -m bench.duel TREE_A TREE_B`: two checkouts of lk-idp side by side, loaded at once.

On a shared virtual machine one run of a scenario can differ from the next by a
third, so "before" and "after" measured one after the other say little about a
change of a tenth. Here both servers are pinned to the same core and loaded at
the same time, each by its own wrk on the other core: whatever slows the
machine slows both, and each one's CPU per answered request (its gunicorn's CPU
time over its requests) compares the two. At 6 s a scenario, two copies of the
same tree come out within about 2 % of each other, whichever is named first;
at 1–2 s (the smoke run) within about 10 %.

Each tree is started from its own directory (this file run there with this
interpreter, `--hold`), so its `idp` and `bench` are its own; a tree from before
this file works as long as its bench has `prepare` and `loads_for`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict
from pathlib import Path

from bench import loadgen, procs
from bench.run import loads_for, parse_args, pin_cores, prepare
from bench.targets import LkIdp, WorkerModel

DUEL_SCENARIOS = ("userinfo", "introspection", "jwks", "discovery", "code", "refresh")  # wrk's loads


def hold(pair: str, ready: Path, scenarios: list[str], seconds: float, rounds: int) -> None:
    """Start and prepare lk-idp of this tree, describe it in `ready`, serve until `ready`.stop.
    Each round has codes and refresh tokens of its own: a round redeems and rotates them."""
    args = parse_args(
        [
            "--scenarios",
            ",".join(scenarios),
            "--seconds",
            str(seconds * rounds),
            "--slices",
            str(rounds),
            "--slice-warmup",
            "0",
        ]
    )
    target = LkIdp(pair, Path(tempfile.mkdtemp(prefix="lk-idp-duel-")), WorkerModel(), pin_cores()[0])
    target.start()
    try:
        access_token, feeds = prepare(target, args, scenarios, target.workdir)  # a slice a round
        loads = [
            {
                name: {**asdict(load), "feed": str(load.feed) if load.feed else None}
                for name, load in loads_for(target, access_token, round_feeds["measured"]).items()
            }
            for round_feeds in feeds
        ]
        described = ready.with_suffix(".part")  # renamed whole: the driver never reads half of it
        described.write_text(json.dumps({"base_url": target.base_url, "pid": target.pid, "loads": loads}))
        described.rename(ready)
        while not ready.with_suffix(".stop").exists():
            time.sleep(0.2)
    finally:
        target.stop()
        target.cleanup()


def load_of(held: dict, scenario: str, round_number: int) -> loadgen.Load:
    described = dict(held["loads"][round_number][scenario])
    described["feed"] = Path(described["feed"]) if described["feed"] else None
    return loadgen.Load(**described)


def duel(trees: list[Path], pair: str, scenarios: list[str], seconds: float, rounds: int) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="lk-idp-duel-"))
    ready = [workdir / f"tree-{i}.json" for i in range(len(trees))]
    # -c: the tree's directory comes first on sys.path, before the installed checkout
    runner = (
        f"import runpy, sys; sys.argv[0] = {__file__!r}; runpy.run_path(sys.argv[0], run_name='__main__')"
    )
    hold_args = ["--pair", pair, "--scenarios", ",".join(scenarios), "--seconds", str(seconds)]
    hold_args += ["--rounds", str(rounds)]
    holders = [
        subprocess.Popen(
            [sys.executable, "-c", runner, "--hold", str(path), *hold_args],
            cwd=tree,
            stdout=subprocess.DEVNULL,
            stderr=open(path.with_suffix(".log"), "w"),  # noqa: SIM115 (read when a holder dies)
        )
        for tree, path in zip(trees, ready, strict=True)
    ]
    try:
        while not all(path.exists() for path in ready):
            for holder, path in zip(holders, ready, strict=True):
                if holder.poll() is not None:
                    raise SystemExit(
                        f"bench.duel: a tree did not start:\n{path.with_suffix('.log').read_text()}"
                    )
            time.sleep(0.5)
        held = [json.loads(path.read_text()) for path in ready]
        wrk = loadgen.ensure_wrk()
        load_core = pin_cores()[1]
        for round_number in range(rounds):
            for scenario in scenarios:
                measured: list = [None] * len(trees)

                def run(i: int, scenario=scenario, measured=measured, round_number=round_number) -> None:
                    load = load_of(held[i], scenario, round_number)
                    measured[i] = loadgen.run(wrk, held[i]["base_url"], load, seconds, 16, 2, load_core)

                before = [procs.cpu_seconds(h["pid"]) for h in held]
                threads = [threading.Thread(target=run, args=(i,)) for i in range(len(trees))]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
                after = [procs.cpu_seconds(h["pid"]) for h in held]
                for i, tree in enumerate(trees):
                    answered = measured[i].rps * measured[i].seconds
                    cpu_us = (after[i] - before[i]) / answered * 1e6 if answered else float("nan")
                    print(
                        f"{scenario:14s} {i + 1}: {tree.name:21s} {measured[i].rps:8.1f} rps"
                        f"  {cpu_us:7.1f} µs CPU a request  p99 {measured[i].p99_ms:6.1f} ms",
                        flush=True,
                    )
    finally:
        for path in ready:
            path.with_suffix(".stop").touch()
        for holder in holders:
            holder.wait(timeout=60)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.duel", description=__doc__.split("\n\n")[0])
    parser.add_argument("trees", nargs="*", type=Path, help="two (or more) checkouts of lk-idp")
    parser.add_argument("--pair", default="services", help="services or memory")
    parser.add_argument("--scenarios", default="userinfo,introspection")
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--hold", type=Path, help=argparse.SUPPRESS)  # a tree's own server
    args = parser.parse_args(argv)
    if args.hold:
        hold(args.pair, args.hold, args.scenarios.split(","), args.seconds, args.rounds)
        return 0
    scenarios = [s for s in args.scenarios.split(",") if s]
    if len(args.trees) < 2 or not set(scenarios) <= set(DUEL_SCENARIOS):
        parser.error(f"two trees or more, scenarios among {', '.join(DUEL_SCENARIOS)}")
    duel([tree.resolve() for tree in args.trees], args.pair, scenarios, args.seconds, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
