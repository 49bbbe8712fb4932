"""The load generator hands every single-use code and refresh token out once, and counts failures."""

from __future__ import annotations

import collections
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from bench import loadgen


class Recorder(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: collections.Counter
    lock = threading.Lock()
    issued = 0

    def do_POST(self):  # noqa: N802  (http.server's naming)
        form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        item = (form.get("code") or form.get("refresh_token"))[0]
        with self.lock:
            first_use = self.seen[item] == 0
            self.seen[item] += 1
            Recorder.issued += 1
            fresh = f"rt-{Recorder.issued}"
        body = json.dumps({"refresh_token": fresh}).encode() if first_use else b'{"error":"invalid_grant"}'
        self.send_response(200 if first_use else 400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class _Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        """wrk resets its keep-alive connections when it stops: expected, not worth a traceback."""
        if not isinstance(sys.exc_info()[1], ConnectionResetError):
            super().handle_error(request, client_address)


@pytest.fixture
def recorder():
    Recorder.seen = collections.Counter()
    server = _Server(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", Recorder.seen
    server.shutdown()


@pytest.fixture(scope="module")
def wrk():
    return loadgen.ensure_wrk()


def token_load(tmp_path, items: list[str], body: str, mode: str) -> loadgen.Load:
    """POSTs to /token with `body`'s {item} taken from a feed of `items`."""
    feed = tmp_path / "feed.txt"
    feed.write_text("\n".join(items) + "\n")
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    return loadgen.Load("POST", "/token", 200, form, body, mode, feed)


def test_each_code_is_sent_once_and_the_run_stops_when_they_run_out(wrk, recorder, tmp_path):
    url, seen = recorder
    codes = [f"code-{i}" for i in range(200)]
    load = token_load(tmp_path, codes, "grant_type=authorization_code&code={item}", "feed")

    measured = loadgen.run(wrk, url, load, seconds=5, connections=4, threads=2, cpu=None)

    assert measured.exhausted
    assert measured.errors == 0
    assert max(seen.values()) == 1
    assert set(seen) <= set(codes)
    assert measured.requests <= len(seen)
    assert measured.seconds < 4


def test_refresh_chain_uses_each_rotated_token_once(wrk, recorder, tmp_path):
    url, seen = recorder
    seeds = [f"seed-{i}" for i in range(16)]
    load = token_load(tmp_path, seeds, "grant_type=refresh_token&refresh_token={item}", "chain")

    measured = loadgen.run(wrk, url, load, seconds=1, connections=4, threads=2, cpu=None)

    assert measured.errors == 0
    assert not measured.exhausted
    assert max(seen.values()) == 1
    assert sum(1 for item in seen if item.startswith("rt-")) > 16  # rotated tokens were reused as fed


def test_unexpected_statuses_count_as_errors(wrk, recorder, tmp_path):
    url, _ = recorder
    load = token_load(tmp_path, ["same"] * 50, "code={item}", "feed")

    measured = loadgen.run(wrk, url, load, seconds=2, connections=2, threads=1, cpu=None)

    assert measured.errors == measured.requests - 1
    assert measured.rps == pytest.approx(1 / measured.seconds)


def test_a_run_reports_its_upper_tail(wrk, recorder, tmp_path):
    url, _ = recorder
    load = token_load(tmp_path, [f"tail-seed-{i}" for i in range(8)], "refresh_token={item}", "chain")

    measured = loadgen.run(wrk, url, load, seconds=1, connections=2, threads=1, cpu=None)

    percentiles = [p for p, _ in measured.tail]
    assert 99 in percentiles and percentiles[-1] == 100
    assert [ms for _, ms in measured.tail] == sorted(ms for _, ms in measured.tail)
    assert loadgen.merged_percentile([(measured.requests, measured.tail)], 99.0) == pytest.approx(
        measured.p99_ms, abs=0.001
    )


def test_slices_merge_into_the_p99_of_all_their_requests():
    calm = [[90, 1.0], [99, 2.0], [100, 3.0]]
    stormy = [[90, 10.0], [99, 40.0], [100, 60.0]]
    # 99 % of 1 000 requests: the calm slice's 900 all lie under 3 ms, so 90 of the stormy
    # slice's 100 must too, and only its 90th percentile (10 ms) is known to hold them
    assert loadgen.merged_percentile([(900, calm), (100, stormy)], 99.0) == 10.0
    assert loadgen.merged_percentile([(500, calm), (500, calm)], 99.0) == 2.0
    # half and half: the stormy half's own p99 is needed
    assert loadgen.merged_percentile([(500, calm), (500, stormy)], 99.0) == 40.0
