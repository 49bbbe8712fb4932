"""The one table, and the small summaries printed while the bench runs."""

from __future__ import annotations

import collections
import os
import platform
from pathlib import Path

LABELS = {
    "discovery": "discovery document",
    "jwks": "JWKS",
    "userinfo": "userinfo (Bearer)",
    "introspection": "introspection",
    "code": "code exchange",
    "refresh": "refresh (rotation)",
    "signin": "sign-in (argon2id)",
}
# The bar of issue 17: lk-idp rps / peer rps (sign-in: / the argon2id floor).
TARGETS = {
    "discovery": 1.0,
    "jwks": 1.0,
    "userinfo": 1.0,
    "introspection": 1.0,
    "code": 0.8,
    "refresh": 0.8,
    "signin": 0.9,
}
P99_LIMIT_MS = 50.0


def machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    system = f"{platform.system()} {platform.release()}"
    return f"{model or platform.processor()}, {os.cpu_count()} cores, {mem:.0f} GiB, {system}"


def line(scenario: str, r: dict) -> str:
    note = " (codes ran out early)" if r.get("exhausted") else ""
    if "floor" in r:
        note += f"  (argon2id floor now: {r['floor']['per_second']:.1f}/s)"
    return (
        f"{scenario:<13} {r['rps']:9.1f} rps  p50 {r['p50_ms']:7.2f} ms  p99 {r['p99_ms']:7.2f} ms  "
        f"errors {r['errors']}  RSS {r['rss_mb']:.0f} MB  CPU {100 * r.get('cpu', 0):.0f}%{note}"
    )


def _cells(r: dict | None) -> list[str]:
    if not r:
        return ["—"] * 6
    return [
        f"{r['rps']:.1f}" if r["rps"] < 100 else f"{r['rps']:.0f}",
        f"{r['p50_ms']:.1f}",
        f"{r['p99_ms']:.1f}",
        str(r["errors"]),
        f"{r['rss_mb']:.0f}",
        f"{100 * r.get('cpu', 0):.0f}",
    ]


def _verdict(scenario: str, ratio: float | None, lk: dict | None) -> str:
    marks = []
    bar = TARGETS.get(scenario)
    if ratio is not None and bar is not None:
        marks.append("ok" if ratio >= bar else f"below {bar:.1f}×")
    if lk and scenario != "signin" and lk["p99_ms"] >= P99_LIMIT_MS:
        marks.append(f"p99 ≥ {P99_LIMIT_MS:.0f} ms")
    if lk and lk.get("errors"):
        marks.append("errors")
    return ", ".join(marks)


def first_floor(results: dict) -> dict | None:
    for by_server in results.values():
        signin = by_server.get("lk-idp", {}).get("signin")
        if signin and "floor" in signin:
            return signin["floor"]
    return None


def rows(results: dict, floor: dict | None) -> list[list[str]]:
    out = []
    for pair, by_server in results.items():
        lk_all, peer_all = by_server.get("lk-idp", {}), by_server.get("oidc-provider", {})
        for scenario in LABELS:
            lk, peer = lk_all.get(scenario), peer_all.get(scenario)
            if lk is None and peer is None:
                continue
            ratio = None
            row_floor = (lk or {}).get("floor") or floor
            if scenario == "signin" and lk and row_floor:
                ratio = lk["rps"] / row_floor["per_second"]
                ratio_text = f"{ratio:.2f}× floor ({row_floor['per_second']:.1f}/s)"
            elif lk and peer and peer["rps"]:
                ratio = lk["rps"] / peer["rps"]
                ratio_text = f"{ratio:.2f}×"
            else:
                ratio_text = "—"
            out.append(
                [
                    pair,
                    LABELS[scenario],
                    *_cells(lk),
                    *_cells(peer),
                    ratio_text,
                    _verdict(scenario, ratio, lk),
                ]
            )
    return out


HEADER = [
    "storage",
    "scenario",
    "lk-idp rps",
    "p50 ms",
    "p99 ms",
    "err",
    "RSS MB",
    "CPU %",
    "peer rps",
    "p50 ms",
    "p99 ms",
    "err",
    "RSS MB",
    "CPU %",
    "lk-idp / peer",
    "bar",
]


def _grid(header: list[str], body: list[list[str]], markdown: bool) -> list[str]:
    if markdown:
        return [
            "| " + " | ".join(header) + " |",
            "|" + "|".join("---" if i < 2 else "--:" for i in range(len(header))) + "|",
            *("| " + " | ".join(row) + " |" for row in body),
        ]
    widths = [
        max(len(header[i]), *(len(r[i]) for r in body)) if body else len(header[i])
        for i in range(len(header))
    ]
    return [
        "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)),
        *("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in body),
    ]


def cpu_us(r: dict | None) -> float | None:
    """CPU time the server spent per answered request, in µs (its CPU share over the rate)."""
    if not r or not r.get("rps") or not r.get("cpu"):
        return None
    return 1e6 * r["cpu"] / r["rps"]


SIGNED = ("code", "refresh")  # scenarios whose every answer carries an RS256-signed ID token
CPU_HEADER = ["storage", "scenario", "lk-idp µs", "peer µs", "lk-idp above RS256", "peer above RS256"]


def cpu_rows(results: dict, rs256_us: float | None) -> list[list[str]]:
    def cell(value: float | None) -> str:
        return "—" if value is None else f"{value:.0f}"

    out = []
    for pair, by_server in results.items():
        for scenario in LABELS:
            if scenario == "signin":
                continue
            lk = cpu_us(by_server.get("lk-idp", {}).get(scenario))
            peer = cpu_us(by_server.get("oidc-provider", {}).get(scenario))
            if lk is None and peer is None:
                continue
            above = scenario in SIGNED and rs256_us is not None
            out.append(
                [
                    pair,
                    LABELS[scenario],
                    cell(lk),
                    cell(peer),
                    cell(lk - rs256_us if above and lk is not None else None),
                    cell(peer - rs256_us if above and peer is not None else None),
                ]
            )
    return out


def cpu_table(results: dict, meta: dict, markdown: bool = False) -> str:
    """CPU per request of each server, and above the RS256 floor where an ID token is signed."""
    rs256_us = meta.get("rs256_us")
    lines = _grid(CPU_HEADER, cpu_rows(results, rs256_us), markdown)
    lines.append("")
    lines.append(
        "CPU per answered request: the server's CPU share of its core over its rate (µs). "
        + (
            f"RS256 floor: one RSA-2048 signature costs {rs256_us:.0f} µs on the server's core "
            "(measured at the start of the run); both servers sign every ID token."
            if rs256_us is not None
            else "No RS256 floor measured in this run."
        )
    )
    return "\n".join(lines)


def table(results: dict, floor: dict | None, meta: dict, markdown: bool = False) -> str:
    lines = _grid(HEADER, rows(results, floor), markdown)
    lines.append("")
    lines.append(
        f"{meta['seconds']:g} s per scenario at {meta['connections']} connections; "
        f"servers pinned to one core, wrk on another: {'yes' if meta['pinned'] else 'no (one core)'}."
    )
    lines.append(
        "CPU %: the share of its core the server used during the run (below ~95 % on a CPU-bound "
        "scenario: it waited on I/O or a neighbour took the core)."
    )
    lines.append(f"machine: {meta['machine']}; Python {meta['python']}.")
    lines.append(
        f"lk-idp: {meta['lk_idp_model']} (embedded storage: one worker, as its in-process store requires)."
    )
    if "peer" in meta:
        lines.append(f"peer: oidc-provider {meta['peer']} on Node.js {meta['node']}, one process.")
    lines.append(
        "Both issue opaque access tokens, RS256 ID tokens, and rotate refresh tokens. "
        "storage 'services': lk-idp on PostgreSQL + Redis, the peer on Redis; "
        "'memory': lk-idp on SQLite + in-process store, the peer on its in-memory adapter."
    )
    if floor:
        lines.append(
            "argon2id floor (measured on the server's core just before and just after each of the "
            "sign-in runs, the mean of all; first pair): "
            f"{floor['per_second']:.1f} verifications/s on one core "
            f"(t={floor['time_cost']}, m={floor['memory_cost']} KiB, p={floor['parallelism']}; "
            f"{floor['ms']:.1f} ms each). The peer has no password check: "
            "sign-in is lk-idp against the floor."
        )
    lines.append(f"whole run: {meta['elapsed_s']:.0f} s.")
    return "\n".join(lines)


# frames of a request being answered: Flask (any worker class), the protocol lane, the ASGI bridge
_REQUEST_FRAMES = ("wsgi_app", "handle_request", "ProtocolLane.", "FlaskOnAsgi.")


def profile_summary(path: Path, top: int = 40) -> str:
    """Inclusive share of samples per function, from py-spy's raw (collapsed) output."""
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for raw in path.read_text(errors="replace").splitlines():
        stack, _, count = raw.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        frames = [f for f in stack.split(";") if f]
        # Only samples of a request being answered; idle gunicorn threads wait in select/poll,
        # the bridge's in their queue.
        if not frames or not any(marker in f for f in frames for marker in _REQUEST_FRAMES):
            continue
        total += n
        for frame in set(frames):
            inclusive[frame] += n
        own[frames[-1]] += n
    if not total:
        return "  (no busy samples)"
    lines = [f"  py-spy: {total} busy samples; inclusive share of the request time:"]
    for frame, n in inclusive.most_common(top):
        lines.append(f"  {100 * n / total:5.1f}%  {frame}")
    lines.append("  self time, the top ten:")
    for frame, n in own.most_common(10):
        lines.append(f"  {100 * n / total:5.1f}%  {frame}")
    return "\n".join(lines)
