"""`python -m bench.run [--smoke]`: lk-idp and panva's oidc-provider, same run, same machine.

Both servers are pinned to core 0 (`taskset`), wrk and this harness to core 1;
each scenario runs for a fixed time at fixed concurrency, in slices with the
servers taking turns; one table is printed at the end. Exit status is non-zero
only when the harness itself broke (a server would not start, a preparation step
failed), never because a figure is poor.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from urllib.parse import urlencode, urlparse

from bench import floor, loadgen, procs, report
from bench.procs import Sampler
from bench.targets import ROOT, LkIdp, Peer, WorkerModel, install_peer, peer_versions

SCENARIOS = ["discovery", "jwks", "userinfo", "introspection", "code", "refresh", "signin"]
STATIC = {"discovery", "jwks", "userinfo", "introspection"}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--smoke", action="store_true", help="1 s per scenario, no warm-up: does the harness work?"
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="measured time per scenario (default 10)")
    parser.add_argument("--connections", type=int, default=16, help="concurrent connections (default 16)")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument(
        "--warmup", type=float, default=2.0, help="warm-up seconds before each static scenario"
    )
    parser.add_argument(
        "--pairs", default="services,memory", help="services (PostgreSQL+Redis), memory, or both"
    )
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--servers", default="lk-idp,oidc-provider")
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="lk-idp gunicorn workers (services pair); 0: its default, one per usable core",
    )
    parser.add_argument(
        "--threads", type=int, default=0, help="lk-idp's IDP_THREADS (0: its default, by the database)"
    )
    parser.add_argument(
        "--worker-class", default="asgi", help="lk-idp's IDP_WORKER_CLASS: asgi, gthread or sync"
    )
    parser.add_argument("--wsgi-server", default="gunicorn", choices=["gunicorn", "granian"])
    parser.add_argument(
        "--codes-per-second",
        type=float,
        default=1500,
        help="authorization codes prepared per measured second (a thread stops early if its codes run out)",
    )
    parser.add_argument(
        "--slices",
        type=int,
        default=5,
        help="each scenario's time in this many slices, the servers taking turns (default 5)",
    )
    parser.add_argument(
        "--slice-warmup",
        type=float,
        default=1.0,
        help="unmeasured seconds of load before each slice, with codes and tokens of its own (default 1)",
    )
    parser.add_argument("--floor-seconds", type=float, default=5.0)
    parser.add_argument("--peer-version", default="9")
    parser.add_argument(
        "--profile",
        default="",
        help="py-spy profile of lk-idp during this scenario (its first slice; --slices 1: all of it)",
    )
    parser.add_argument(
        "--profile-cpu", action="store_true", help="sample only threads holding the GIL (CPU, not wall time)"
    )
    parser.add_argument("--json", default="", help="also write the results here")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--render", default="", help="only print the table of a --json file, measure nothing")
    args = parser.parse_args(argv)
    if args.smoke:
        args.seconds, args.warmup, args.floor_seconds, args.slices, args.slice_warmup = 1.0, 0.0, 1.0, 1, 0.0
    args.slices = max(1, min(args.slices, int(args.seconds)))  # wrk runs whole seconds
    return args


def pin_cores() -> tuple[int | None, int | None]:
    """(server core, load generator core); None when there is only one core."""
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2 or not shutil.which("taskset"):
        print("bench: fewer than two cores; nothing is pinned", file=sys.stderr)
        return None, None
    server, load = cores[0], cores[1]
    os.sched_setaffinity(0, {load})
    return server, load


def loads_for(target, access_token: str, feeds: dict[str, Path]) -> dict[str, loadgen.Load]:
    """One slice's loads: its own codes and refresh tokens (`feeds`)."""
    d = target.rp.discovery
    form = {"Content-Type": "application/x-www-form-urlencoded", "Authorization": target.rp.basic}
    loads = {
        "discovery": loadgen.Load("GET", "/.well-known/openid-configuration", 200, {}),
        "jwks": loadgen.Load("GET", urlparse(d["jwks_uri"]).path, 200, {}),
        "userinfo": loadgen.Load(
            "GET", urlparse(d["userinfo_endpoint"]).path, 200, {"Authorization": f"Bearer {access_token}"}
        ),
        "introspection": loadgen.Load(
            "POST", urlparse(d["introspection_endpoint"]).path, 200, form, urlencode({"token": access_token})
        ),
        "code": loadgen.Load(
            "POST",
            urlparse(d["token_endpoint"]).path,
            200,
            form,
            target.rp.code_body(),
            "feed",
            feeds["code"],
        ),
        "refresh": loadgen.Load(
            "POST",
            urlparse(d["token_endpoint"]).path,
            200,
            form,
            "grant_type=refresh_token&refresh_token={item}",
            "chain",
            feeds["refresh"],
        ),
    }
    signin = target.signin_load()
    if signin is not None:
        loads["signin"] = signin
    return loads


def prepare(
    target, args, scenarios: list[str], workdir: Path
) -> tuple[str, list[dict[str, dict[str, Path]]]]:
    """Codes through the real authorization endpoint; refresh tokens and one access token from
    them. Each slice, and its warm-up, has codes and refresh tokens of its own: a run's last
    answers are lost when wrk stops, and a chain of rotations cannot go on from them."""
    started = time.monotonic()
    session = target.signed_in_session()
    runs = {"measured": args.seconds / args.slices}  # each slice's runs and their seconds
    if args.slice_warmup > 0:
        runs["warm"] = args.slice_warmup
    per_run = max(2 * args.connections, 16)
    seeds = iter(target.rp.token_sets(target.rp.codes(session, 1 + len(runs) * args.slices * per_run)))
    access_token = next(seeds)["access_token"]
    codes_of = {
        run: math.ceil(s * args.codes_per_second) if "code" in scenarios else 0 for run, s in runs.items()
    }
    n_codes = args.slices * sum(codes_of.values())
    codes = iter(target.rp.codes(session, n_codes) if n_codes else [])
    feeds = []
    for i in range(args.slices):
        slice_feeds = {}
        for run in runs:
            run_feeds = slice_feeds[run] = {
                "code": workdir / f"codes-{run}-{i}.txt",
                "refresh": workdir / f"refresh-{run}-{i}.txt",
            }
            tokens = [next(seeds)["refresh_token"] for _ in range(per_run)]
            run_feeds["refresh"].write_text("\n".join(tokens) + "\n")
            run_feeds["code"].write_text("".join(f"{next(codes)}\n" for _ in range(codes_of[run])) or "\n")
        feeds.append(slice_feeds)
    print(
        f"  prepared {n_codes} codes and {1 + len(runs) * args.slices * per_run} token sets"
        f" in {time.monotonic() - started:.1f} s",
        flush=True,
    )
    return access_token, feeds


def measure_pair(targets, args, scenarios, wrk, cores) -> dict[str, dict[str, dict]]:
    """Each scenario in slices, the servers taking turns (A B, B A, A B, …), all of them up at
    once. A shared machine's speed drifts within minutes (the RS256 signature took 703 to 865 µs
    in four runs of one hour, and one loop of Python code 8 to 14 µs ten minutes apart), so a
    ratio compares the servers over the same stretch of time, not one server's whole run
    against the other's."""
    results: dict[str, dict[str, dict]] = {target.name: {} for target in targets}
    started = []
    try:
        loads = {}
        for target in targets:
            started.append(target)
            target.start()
            print(f"{target.name} ({target.storage}) on {target.base_url}", flush=True)
            access_token, feeds = prepare(target, args, scenarios, target.workdir)
            loads[target.name] = [
                {run: loads_for(target, access_token, run_feeds) for run, run_feeds in slice_feeds.items()}
                for slice_feeds in feeds
            ]
        for scenario in scenarios:
            taking_part = [target for target in targets if scenario in loads[target.name][0]["measured"]]
            slices = signin_slices(args) if scenario == "signin" else args.slices
            parts: dict[str, list[dict]] = {target.name: [] for target in taking_part}
            for i in range(slices):
                for target in taking_part if i % 2 == 0 else reversed(taking_part):
                    runs = loads[target.name][i % len(loads[target.name])]
                    load, warm = runs["measured"][scenario], runs.get("warm", runs["measured"])[scenario]
                    parts[target.name].append(
                        measure_scenario(target, scenario, load, warm, args, wrk, cores, first=i == 0)
                    )
            for target in taking_part:
                results[target.name][scenario] = combined(parts[target.name])
                print(
                    f"  {target.name:<13} {report.line(scenario, results[target.name][scenario])}", flush=True
                )
    finally:
        for target in started:
            target.stop()
            target.cleanup()
    return results


def signin_slices(args) -> int:
    """Sign-in is measured in three runs of the scenario time, each between two measurements
    of its floor: on a machine whose speed drifts by several per cent within a minute, one
    floor either side of one run missed the drift inside it. Each run starts on an idle server,
    whose first sign-in ends a whole hash later, so a run counts on average half a hash less
    than the server did: 1 % of a 10 s run, 4 % of a 3 s one. One run in a smoke run."""
    return 1 if args.slices == 1 else 3


def combined(parts: list[dict]) -> dict:
    """One scenario's slices as one measurement: rates over the summed time, the p50 weighted by
    requests, the p99 of all their requests (merged from each slice's upper tail), the peak RSS."""
    seconds = sum(part["seconds"] for part in parts)
    requests = sum(part["requests"] for part in parts)
    result = {
        **parts[0],
        "requests": requests,
        "seconds": seconds,
        "errors": sum(part["errors"] for part in parts),
        "exhausted": any(part["exhausted"] for part in parts),
        "p50_ms": sum(part["p50_ms"] * part["requests"] for part in parts) / requests if requests else 0.0,
        "p99_ms": loadgen.merged_percentile([(part["requests"], part["tail"]) for part in parts], 99.0)
        if all(part["tail"] for part in parts)
        else max(part["p99_ms"] for part in parts),
        "rss_mb": max(part["rss_mb"] for part in parts),
        "cpu": sum(part["cpu"] * part["seconds"] for part in parts) / seconds if seconds else 0.0,
        "slices": len(parts),
    }
    if "floor" in parts[0]:
        result["floor"] = floor.mean([part["floor"] for part in parts])
    del result["tail"]  # the first slice's: the merged p99 stands for all of them
    result["rps"] = max(requests - result["errors"], 0) / seconds if seconds else 0.0
    return result


def measure_scenario(target, scenario: str, load, warm, args, wrk, cores, first: bool = True) -> dict:
    """One slice of a scenario on one server, after an unmeasured run of `warm`: the server
    sat idle while the other was loaded, and its first requests meet cold caches. The first
    slice of a static scenario warms up longer (`--warmup`), and is the one profiled."""
    server_cpu, load_cpu = cores
    warmup = args.warmup if first and scenario in STATIC else 0.0
    if scenario != "signin":
        warmup = max(warmup, args.slice_warmup)
    if warmup > 0:
        loadgen.run(wrk, target.base_url, warm, warmup, args.connections, args.wrk_threads, load_cpu)
        # The warm-up's requests still in flight are served all the same: the measured run's
        # first sixteen would wait behind them, 1-2 % of a 2 s slice of a token endpoint.
        procs.wait_idle(target.pid)
    floor_before = None
    if scenario == "signin":
        # The floor is measured on the server's core right before and right after its sign-ins,
        # so that both see the same machine (a shared machine's load drifts within a run).
        floor_before = floor.measure(args.floor_seconds, server_cpu, str(ROOT))
    # A sign-in takes a whole argon2id hash: give even the smoke run time for a few.
    seconds = max(args.seconds, 3.0) if scenario == "signin" else args.seconds / args.slices
    profiler = _start_profile(target, scenario, args, seconds) if first else None
    with Sampler(target.pid) as sampled:
        measured = loadgen.run(
            wrk, target.base_url, load, seconds, args.connections, args.wrk_threads, load_cpu
        )
    if profiler:
        _finish_profile(profiler)
    if not target.started.alive():
        raise RuntimeError(f"{target.name} died during {scenario}:\n{target.started.log_tail()}")
    result = {
        **asdict(measured),
        "rps": measured.rps,
        "rss_mb": sampled.peak / 2**20,
        "cpu": sampled.cpu_share,
    }
    # What wrk left in flight is served all the same (sixteen sign-ins are seconds of argon2id):
    # neither the floor after it nor the other server's next slice shares the core with it.
    procs.wait_idle(target.pid)
    if floor_before:
        result["floor"] = floor.around(floor_before, floor.measure(args.floor_seconds, server_cpu, str(ROOT)))
    return result


def _start_profile(target, scenario, args, seconds: float):
    if args.profile != scenario or target.name != "lk-idp":
        return None
    import subprocess

    pyspy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(pyspy).exists() and not shutil.which("py-spy"):
        raise RuntimeError("py-spy is not installed: pip install py-spy (or `pip install -e .[bench]`)")
    # outside the run's folder, which is removed at the end: the raw samples stay to be read again
    out = Path(tempfile.gettempdir()) / f"lk-idp-profile-{target.storage}-{scenario}.txt"
    argv = [
        pyspy, "record", "--format", "raw", "--subprocesses", "--nonblocking",
        "-r", "200", "-d", str(int(seconds) + 1), "-o", str(out), "-p", str(target.pid),
    ]  # fmt: skip
    if args.profile_cpu:
        argv.insert(2, "--gil")
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    print(f"  profiling lk-idp during {scenario} into {out}", flush=True)
    return proc, out


def _finish_profile(profiler) -> None:
    proc, out = profiler
    proc.wait(timeout=120)
    if out.exists():
        print(report.profile_summary(out), flush=True)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.render:
        saved = json.loads(Path(args.render).read_text())
        print(report.table(saved["results"], saved["floor"], saved["meta"], markdown=args.markdown))
        print()
        print(report.cpu_table(saved["results"], saved["meta"], markdown=args.markdown))
        return 0
    scenarios = [s for s in args.scenarios.split(",") if s]
    unknown = set(scenarios) - set(SCENARIOS)
    if unknown:
        print(f"bench: unknown scenarios {sorted(unknown)}", file=sys.stderr)
        return 2
    pairs = [p for p in args.pairs.split(",") if p]
    servers = [s for s in args.servers.split(",") if s]
    cores = pin_cores()
    wrk = loadgen.ensure_wrk()
    workdir = Path(tempfile.mkdtemp(prefix="lk-idp-bench-"))
    peer_dir = None
    model = WorkerModel(args.workers, args.threads, args.worker_class, args.wsgi_server)
    started = time.monotonic()
    try:
        rs256 = None
        if {"code", "refresh"} & set(scenarios):
            rs256 = floor.measure_rs256(min(args.floor_seconds, 2.0), cores[0], str(ROOT))
            print(f"RS256 signature on the server's core: {rs256['us']:.0f} µs", flush=True)
        if "oidc-provider" in servers:
            print("installing the peer from npm…", flush=True)
            peer_dir = install_peer(args.peer_version)
        results: dict[str, dict[str, dict]] = {}
        for pair in pairs:
            targets = []
            if "lk-idp" in servers:
                targets.append(LkIdp(pair, workdir, model, cores[0]))
            if "oidc-provider" in servers:
                targets.append(Peer(pair, peer_dir, workdir, cores[0]))
            results[pair] = measure_pair(targets, args, scenarios, wrk, cores)
        meta = {
            "machine": report.machine(),
            "python": platform.python_version(),
            "lk_idp_model": model.describe(),
            "seconds": args.seconds,
            "connections": args.connections,
            "elapsed_s": round(time.monotonic() - started, 1),
            "pinned": cores[0] is not None,
        }
        if peer_dir:
            meta["peer"], meta["node"] = peer_versions(peer_dir)
        if rs256:
            meta["rs256_us"] = rs256["us"]
        print()
        floor_result = report.first_floor(results)
        print(report.table(results, floor_result, meta, markdown=args.markdown))
        print()
        print(report.cpu_table(results, meta, markdown=args.markdown))
        if args.json:
            Path(args.json).write_text(
                json.dumps(
                    {"meta": meta, "floor": floor_result, "results": results}, indent=2, ensure_ascii=False
                )
            )
        return 0
    except Exception as exc:  # the harness broke: say where, exit non-zero
        print(f"bench: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if peer_dir:
            shutil.rmtree(peer_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
