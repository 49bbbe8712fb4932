"""`python -m bench.inprocess`: what one request of each hot endpoint costs lk-idp, without HTTP.

The side-by-side run (bench.run) says how fast; this says where a change moved
the cost, in seconds rather than minutes and without the peer. lk-idp is started
and prepared exactly as bench.run does (codes and tokens through the real
endpoints), then a second app on the same PostgreSQL and Redis is called as a
WSGI callable in this process, one request at a time, and the CPU time this
process spent (user and system, which includes the kernel's side of every
PostgreSQL and Redis round trip) is divided by the number of requests. The
gunicorn layer is not in these figures; gunicorn's ASGI worker with the bridge
adds about 50 µs a request (docs/BENCHMARKS.md, "Worker models tried"). With `--pair memory`
(SQLite and the in-process store, which belongs to one app) the measured app serves
the preparation itself, from a thread.

    .venv/bin/python -m bench.inprocess                       # PostgreSQL + Redis, 2000 requests each
    .venv/bin/python -m bench.inprocess --profile code        # and cProfile's top functions for one
    .venv/bin/python -m bench.inprocess --profile code --by-package   # its CPU split by package
    .venv/bin/python -m bench.inprocess --profile code --split   # signature, round trips, Authlib, ours
    .venv/bin/python -m bench.inprocess --asgi                # through the ASGI application instead
    .venv/bin/python -m bench.inprocess --pair memory         # SQLite + the in-process store

With --asgi each request is an ASGI scope handed to the application gunicorn's
ASGI worker runs (idp/serving/asgi_bridge.py) on a uvloop event loop in this
process: userinfo and introspection are then judged on the loop with the asyncio
Redis client, the token endpoint on the bridge's threads, whose CPU is counted too.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import os
import pstats
import resource
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

from werkzeug.serving import make_server
from werkzeug.test import EnvironBuilder

from bench.targets import ROOT, LkIdp, WorkerModel

ROW = "{scenario:14s} {cpu_us:8.0f} {user_us:7.0f} {sys_us:6.0f} {wall_us:8.0f}"
SCENARIOS = ("healthz", "discovery", "userinfo", "introspection", "refresh", "code")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.inprocess", description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="per scenario")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--profile", default="", help="one scenario to run under cProfile")
    parser.add_argument("--sort", default="cumulative", help="cProfile sort key (cumulative, tottime)")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument(
        "--pair",
        choices=("services", "memory"),
        default="services",
        help="services: PostgreSQL + Redis; memory: SQLite + the in-process store",
    )
    parser.add_argument("--asgi", action="store_true", help="call the ASGI application, not the WSGI one")
    parser.add_argument(
        "--split",
        action="store_true",
        help="with --profile: CPU split into RSA signature, round trips, Authlib, our code, the rest",
    )
    parser.add_argument(
        "--by-package",
        action="store_true",
        help="with --profile: CPU split by package instead of by function",
    )
    return parser.parse_args(argv)


class Caller:
    """Calls the app as gunicorn would, and keeps the refresh chain and the code supply."""

    def __init__(self, app, target: LkIdp, access_token: str, refresh_tokens: list[str], codes: list[str]):
        self.app = app
        self.base_url = target.base_url
        self.form = {"Content-Type": "application/x-www-form-urlencoded", "Authorization": target.rp.basic}
        self.code_body = target.rp.code_body()
        self.access_token = access_token
        self.refresh_tokens = refresh_tokens
        self.codes = codes
        self.loop = asyncio.new_event_loop()  # where the requests of one scenario run (see measure)

    def environ(self, method: str, path: str, headers: dict, body: str | None = None) -> dict:
        builder = EnvironBuilder(path=path, method=method, headers=headers, data=body, base_url=self.base_url)
        return builder.get_environ()

    async def call(self, environ: dict) -> tuple[str, bytes]:
        status = []
        body = b"".join(self.app(environ, lambda s, h, e=None: status.append(s)))
        return status[0], body

    def builders(self) -> dict[str, Callable[[], dict]]:
        return {
            "healthz": lambda: self.environ("GET", "/healthz", {}),
            "discovery": lambda: self.environ("GET", "/.well-known/openid-configuration", {}),
            "userinfo": lambda: self.environ(
                "GET", "/userinfo", {"Authorization": f"Bearer {self.access_token}"}
            ),
            "introspection": lambda: self.environ(
                "POST", "/introspect", self.form, urlencode({"token": self.access_token})
            ),
            "refresh": lambda: self.environ(
                "POST",
                "/token",
                self.form,
                urlencode({"grant_type": "refresh_token", "refresh_token": self.refresh_tokens.pop(0)}),
            ),
            "code": lambda: self.environ(
                "POST", "/token", self.form, self.code_body.replace("{item}", self.codes.pop())
            ),
        }

    def after(self, scenario: str, body: bytes) -> None:
        if scenario == "refresh":  # each answer's new token joins the chain
            self.refresh_tokens.append(json.loads(body)["refresh_token"])


class AsgiCaller(Caller):
    """The same requests, as ASGI scopes handed to the application of gunicorn's ASGI worker,
    on a uvloop event loop as that worker runs."""

    def __init__(self, app, *args) -> None:
        # here, not at the top: the environment of the app under test is set just before
        import uvloop

        from idp.serving.asgi_bridge import FlaskOnAsgi

        super().__init__(FlaskOnAsgi(app), *args)
        self.loop = uvloop.new_event_loop()

    async def call(self, environ: dict) -> tuple[str, bytes]:
        headers = [
            (key[5:].replace("_", "-").lower().encode(), value.encode("latin-1"))
            for key, value in environ.items()
            if key.startswith("HTTP_")
        ]
        if environ.get("CONTENT_TYPE"):
            headers.append((b"content-type", environ["CONTENT_TYPE"].encode()))
        scope = {
            "type": "http", "http_version": "1.1", "method": environ["REQUEST_METHOD"], "scheme": "http",
            "path": environ["PATH_INFO"], "root_path": "", "query_string": environ["QUERY_STRING"].encode(),
            "headers": headers, "client": ("127.0.0.1", 40000), "server": ("127.0.0.1", 80),
        }  # fmt: skip
        incoming = [{"type": "http.request", "body": environ["wsgi.input"].read(), "more_body": False}]
        sent: list[dict] = []

        async def receive():
            return incoming.pop(0)

        async def send(message):
            sent.append(message)

        await self.app(scope, receive, send)
        return str(sent[0]["status"]), sent[1]["body"]


async def _requests(caller: Caller, scenario: str, count: int, profiler: cProfile.Profile | None) -> float:
    """`count` requests one after the other, inside one run of the loop (a server's loop runs
    on; starting it per request would charge each request the loop's own set-up); their wall time."""
    build = caller.builders()[scenario]
    wall = 0.0
    for _ in range(count):
        environ = build()
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        status, body = await caller.call(environ)
        if profiler:
            profiler.disable()
        wall += time.perf_counter() - started
        if not status.startswith("200"):
            raise RuntimeError(f"{scenario}: {status} {body[:300]!r}")
        caller.after(scenario, body)
    return wall


def measure(caller: Caller, scenario: str, count: int, profiler: cProfile.Profile | None) -> dict:
    before = resource.getrusage(resource.RUSAGE_SELF)
    wall = caller.loop.run_until_complete(_requests(caller, scenario, count, profiler))
    after = resource.getrusage(resource.RUSAGE_SELF)
    # Building the environ is in the CPU figures; measure it alone and take it out.
    build_started = time.process_time()
    for _ in range(min(count, 500)):
        caller.environ("POST", "/token", caller.form, "x=1")
    build_cost = (time.process_time() - build_started) / min(count, 500)
    user = (after.ru_utime - before.ru_utime) / count - build_cost
    system = (after.ru_stime - before.ru_stime) / count
    return {"scenario": scenario, "cpu_us": (user + system) * 1e6, "user_us": user * 1e6,
            "sys_us": system * 1e6, "wall_us": wall / count * 1e6}  # fmt: skip


def owner(filename: str, function: str) -> str:
    """Who a profiled function belongs to: an installed package, our top-level package,
    the standard library, or a C call named by itself (an RSA signature, a socket write)."""
    if filename == "~":
        return "C: " + function.split(" of ")[0].strip("{}<>")
    if "site-packages/" in filename:
        return filename.split("site-packages/")[1].split("/")[0].removesuffix(".py")
    relative = Path(filename).resolve()
    if relative.is_relative_to(ROOT):
        if relative.relative_to(ROOT).as_posix() in OUR_REDIS_CLIENTS:
            return "lk-idp Redis clients"
        return "lk-idp " + relative.relative_to(ROOT).parts[0]
    return "stdlib"


OUR_REDIS_CLIENTS = ("idp/store/loop_redis.py", "idp/store/redis_direct.py")


def package_split(stats: pstats.Stats, shown: int = 16) -> str:
    """Each owner's share of the profiled CPU. cProfile's own cost per call makes owners of
    many small Python calls look heavier than they are, and C calls lighter."""
    shares: dict[str, float] = {}
    for (filename, _, function), (_, _, tottime, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        name = owner(filename, function)
        shares[name] = shares.get(name, 0.0) + tottime
    total = sum(shares.values()) or 1.0
    lines = [f"{'owner':40s} {'share':>6s}"]
    for name, seconds in sorted(shares.items(), key=lambda item: -item[1])[:shown]:
        lines.append(f"{name[:40]:40s} {seconds / total:6.1%}")
    return "\n".join(lines)


RSA = "RSA signature"
ROUND_TRIPS = "round trips (Redis, PostgreSQL, SQLite; sockets)"
# sqlite3's own calls, as `owner` names them (psycopg's are Python, under its package)
SQLITE_CALLS = ("C: method 'execute'", "C: method 'commit'", "C: method 'fetchall'", "C: method 'rollback'")
# The parts of a request's CPU that docs/BENCHMARKS.md reports, by owner (see `owner`).
PARTS = (
    (RSA, lambda name: name == "C: method 'sign'"),
    (
        ROUND_TRIPS,
        lambda name: (
            name in ("redis", "hiredis", "psycopg", "sqlalchemy", "lk-idp Redis clients")
            or name in SQLITE_CALLS
            or name.startswith(
                ("C: method 'send", "C: method 'recv", "C: built-in method select", "C: method 'poll")
            )
        ),
    ),
    ("Authlib (and joserfc)", lambda name: name in ("authlib", "joserfc")),
    ("our code (idp/)", lambda name: name == "lk-idp idp"),
)


def split_us(stats: pstats.Stats, cpu_us: float, requests: int) -> dict[str, float]:
    """The measured CPU of a request in PARTS (and the rest), in µs. The signature is one C call,
    which the profiler barely inflates: it counts at its profiled time. The rest of the measured
    CPU is shared out by the profiled shares of the others, whose many small Python calls the
    profiler inflates alike."""
    seconds: dict[str, float] = {}
    for (filename, _, function), (_, _, tottime, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        name = owner(filename, function)
        part = next((label for label, owns in PARTS if owns(name)), REST)
        seconds[part] = seconds.get(part, 0.0) + tottime
    signed = min(cpu_us, 1e6 * seconds.pop(RSA, 0.0) / requests)
    others = sum(seconds.values()) or 1.0
    split = {RSA: signed}
    for label in [label for label, _ in PARTS[1:]] + [REST]:
        split[label] = (cpu_us - signed) * seconds.get(label, 0.0) / others
    return split


REST = "the rest (stdlib, C builtins, metrics)"


def cost_split(stats: pstats.Stats, cpu_us: float, requests: int) -> str:
    lines = [f"{'part':52s} {'share':>6s} {'≈ µs':>6s}"]
    for label, part_us in split_us(stats, cpu_us, requests).items():
        lines.append(f"{label:52s} {part_us / cpu_us:6.1%} {part_us:6.0f}")
    return "\n".join(lines)


def _started(target: LkIdp):
    """The app this process measures, on the same data as the server that prepared it. On
    PostgreSQL + Redis that server is gunicorn; the in-process store is one app's own, so on
    the memory pair the measured app serves the preparation itself, from a thread."""
    serves_itself = target.storage != "services"
    if serves_itself:
        os.environ.update(target.prepare_data())
    else:
        target.start()
        os.environ.update(target.env())
    from idp.app import create_app  # here: the app reads the environment set just above

    app = create_app()
    if serves_itself:
        server = make_server("127.0.0.1", target.port, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        target.connect_relying_party()
    return app


def main(argv=None) -> int:
    args = parse_args(argv)
    scenarios = [s for s in args.scenarios.split(",") if s]
    target = LkIdp(args.pair, Path(tempfile.mkdtemp(prefix="lk-idp-inprocess-")), WorkerModel(1, 4), None)
    try:
        app = _started(target)
        session = target.signed_in_session()
        seeds = target.rp.token_sets(target.rp.codes(session, 64))
        codes = target.rp.codes(session, args.requests + 1) if "code" in scenarios else []
        caller = (AsgiCaller if args.asgi else Caller)(
            app, target, seeds[0]["access_token"], [s["refresh_token"] for s in seeds[1:]], codes
        )
        print(f"{'scenario':14s} {'cpu µs':>8s} {'user':>7s} {'sys':>6s} {'wall µs':>8s}   per request")
        for scenario in scenarios:
            measure(caller, scenario, 1, None)  # compile caches, pools, key parsing
            # process_time: CPU, as the table; waits on PostgreSQL and Redis are not charged
            profiler = cProfile.Profile(time.process_time) if args.profile == scenario else None
            count = min(args.requests, len(codes)) if scenario == "code" else args.requests
            if profiler:
                # half the requests unprofiled, for the figures; the profiler's own cost inflates them
                row = measure(caller, scenario, count // 2, None)
                measure(caller, scenario, count - count // 2, profiler)
            else:
                row = measure(caller, scenario, count, None)
            print(ROW.format(**row))
            if profiler and args.split:
                print(cost_split(pstats.Stats(profiler), row["cpu_us"], count - count // 2))
            elif profiler and args.by_package:
                print(package_split(pstats.Stats(profiler)))
            elif profiler:
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(args.top)
                print(out.getvalue())
        return 0
    finally:
        target.stop()
        target.cleanup()


if __name__ == "__main__":
    sys.exit(main())
