"""Prometheus metrics: one place that names them, one function to count.

Other code counts with a one-liner, e.g.::

    from idp.ops import metrics
    metrics.count("tokens_issued", grant="authorization_code")

Under gunicorn with PROMETHEUS_MULTIPROC_DIR set (gunicorn.conf.py does it),
every worker writes its counters to that directory and a scrape adds them up;
without it the process's own registry is served. Gauges that other
packages own (the outbox depth) are registered collectors, read at scrape time.
"""

from __future__ import annotations

import atexit
import bisect
import functools
import hmac
import ipaddress
import logging
import os
import threading
import time
from collections import deque

from flask import Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client import REGISTRY as PROCESS_REGISTRY
from prometheus_client import values as prometheus_values

log = logging.getLogger(__name__)

# In multiprocess mode every increment asks os.getpid(), a system call, to notice a
# fork: a quarter of a discovery request's CPU under the ASGI worker. The pid is
# remembered instead, and renewed in every child a fork makes.
_pid = [os.getpid()]
os.register_at_fork(after_in_child=lambda: _pid.__setitem__(0, os.getpid()))
if getattr(prometheus_values.ValueClass, "_multiprocess", False):
    prometheus_values.ValueClass = prometheus_values.MultiProcessValue(process_identifier=lambda: _pid[0])

PREFIX = "lkidp_"

# Label values a caller may use, where the set is closed; an unknown value is a bug
# (and unbounded label values would grow the scrape without limit).
ALLOWED = {
    "stage": {"started", "confirmed", "activated", "expired"},
    "channel": {"sms", "email", "logout"},
    "outcome": {"queued", "sent", "failed"},
    "budget": {"address-hour", "address-day", "network-hour", "prefix-hour", "global-hour"},
}

COUNTERS = {
    "registrations": Counter(PREFIX + "registrations_total", "Registrations by stage reached.", ["stage"]),
    "messages": Counter(
        PREFIX + "messages_total",
        "SMS, e-mail and back-channel logout messages by channel and outcome.",
        ["channel", "outcome"],
    ),
    "sign_ins": Counter(
        PREFIX + "sign_ins_total",
        "Sign-in attempts by result and assurance level (amr).",
        ["result", "level"],
    ),
    "tokens_issued": Counter(PREFIX + "tokens_issued_total", "Token responses by grant type.", ["grant"]),
    "rate_limited": Counter(PREFIX + "rate_limited_total", "Requests refused by a rate limit.", ["limit"]),
    "sms_budget_spent": Counter(
        PREFIX + "sms_budget_spent_total", "SMS refused because a budget was spent, by budget.", ["budget"]
    ),
}

REQUESTS = Counter(
    PREFIX + "http_requests_total",
    "HTTP requests by endpoint, method and status.",
    ["endpoint", "method", "status"],
)
LATENCY = Histogram(
    PREFIX + "http_request_duration_seconds",
    "HTTP request latency by endpoint and status.",
    ["endpoint", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


def count(name: str, amount: float = 1, **labels: str) -> None:
    """Add to a named counter; names and closed label sets are checked (a typo fails a test)."""
    counter = COUNTERS[name]
    for label, value in labels.items():
        allowed = ALLOWED.get(label)
        if allowed is not None and value not in allowed:
            raise ValueError(f"metric {name}: {label}={value!r} is not one of {sorted(allowed)}")
    counter.labels(**labels).inc(amount)


def multiprocess_dir() -> str | None:
    # prometheus_client itself reads this variable; it is set by gunicorn.conf.py,
    # not by the operator, so it is not one of the IDP_* settings.
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


class _ProcessMetrics:
    """This process's own metrics, when there is no multiprocess directory."""

    def collect(self):
        yield from PROCESS_REGISTRY.collect()


_COLLECTORS: list = []


def register_collector(collector) -> None:
    """Add a collector read at every scrape (e.g. a queue depth another package owns)."""
    _COLLECTORS.append(collector)


def registered_collectors() -> tuple:
    return tuple(_COLLECTORS)


def exposition() -> bytes:
    TALLY.write()  # this process's figures are whole; another worker's are at most WRITE_EVERY late
    registry = CollectorRegistry(auto_describe=False)
    directory = multiprocess_dir()
    if directory:
        multiprocess.MultiProcessCollector(registry, path=directory)
    else:
        registry.register(_ProcessMetrics())
    for collector in _COLLECTORS:
        registry.register(collector)
    return generate_latest(registry)


def _is_loopback(address: str | None) -> bool:
    try:
        return ipaddress.ip_address(address or "").is_loopback
    except ValueError:
        return False


def scrape_allowed(metrics_token: str) -> bool:
    """With a token, only its bearer; without one, only callers on this machine."""
    if metrics_token:
        header = request.headers.get("Authorization", "")
        scheme, _, presented = header.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(presented.strip(), metrics_token)
    return _is_loopback(request.remote_addr)


def metrics_response() -> Response:
    return Response(exposition(), mimetype=CONTENT_TYPE_LATEST)


def init_app(app: Flask) -> None:
    """Count every request by its route's endpoint name, never its raw path."""

    @app.before_request
    def _start():
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _finish(response):
        started = g.get("metrics_started")
        if started is None:
            return response
        endpoint = request.endpoint if request.url_rule is not None else "unmatched"
        method = request.method if request.method in KNOWN_METHODS else "other"
        record_request(endpoint or "unmatched", method, response.status_code, time.perf_counter() - started)
        return response


def record_request(endpoint: str, method: str, status: int, seconds: float) -> None:
    count, latency = _request_series(endpoint, method, status)
    count.inc()
    latency.observe(seconds)


WRITE_EVERY = 0.5  # seconds a tallied request may wait before its samples are written


class Tally:
    """Requests counted as record_request counts them, their samples written together.

    In multiprocess mode each sample is a locked write into a memory-mapped file, and a
    request makes three (its count, its latency's sum and bucket): ~3.5 µs, as much as a
    userinfo answer's JSON. What is answered without Flask (the protocol lane, the published
    documents) is noted here instead (~0.1 µs) and written summed by label set, by a thread
    of this process every WRITE_EVERY seconds and before this process answers a scrape."""

    def __init__(self) -> None:
        self._noted: deque = deque()  # append and popleft are atomic: any thread notes, one writes
        self._writing = threading.Lock()
        self._writer: threading.Thread | None = None
        os.register_at_fork(after_in_child=self._forked)
        atexit.register(self._write_logged)  # a worker stopped gracefully leaves nothing unwritten

    def note(self, endpoint: str, method: str, status: int, seconds: float) -> None:
        self._noted.append((endpoint, method, status, seconds))
        if self._writer is None:
            self._start_writer()

    def write(self) -> None:
        """Add what was noted to the series."""
        with self._writing:
            summed: dict[tuple, _Summed] = {}
            noted = self._noted
            for _ in range(len(noted)):
                endpoint, method, status, seconds = noted.popleft()
                labels = (endpoint, method, status)
                series = summed.get(labels)
                if series is None:
                    series = summed[labels] = _Summed(*_request_series(*labels))
                series.add(seconds)
            for series in summed.values():
                series.write()

    def _start_writer(self) -> None:
        with self._writing:
            if self._writer is None:
                self._writer = threading.Thread(target=self._write_often, name="metrics-tally", daemon=True)
                self._writer.start()

    def _write_often(self) -> None:
        while True:
            time.sleep(WRITE_EVERY)
            self._write_logged()

    def _write_logged(self) -> None:
        try:
            self.write()
        except Exception:  # a full disk under the multiprocess directory: the next turn tries again
            log.exception("request metrics not written")

    def _forked(self) -> None:
        self._noted.clear()  # the parent's to write
        self._writing = threading.Lock()
        self._writer = None  # threads do not survive a fork


class _Summed:
    """One label set's requests of a Tally's turn: how many, their seconds, per latency bucket."""

    __slots__ = ("count", "latency", "requests", "seconds", "buckets")

    def __init__(self, count, latency) -> None:
        self.count, self.latency = count, latency
        self.requests, self.seconds, self.buckets = 0, 0.0, {}

    def add(self, seconds: float) -> None:
        self.requests += 1
        self.seconds += seconds
        bucket = bisect.bisect_left(self.latency._upper_bounds, seconds)  # le: the first bound ≥
        self.buckets[bucket] = self.buckets.get(bucket, 0) + 1

    def write(self) -> None:
        # what Histogram.observe writes, once per label set (tests/ops/test_metrics.py fails
        # when prometheus_client names these otherwise)
        self.count.inc(self.requests)
        self.latency._sum.inc(self.seconds)
        for bucket, observed in self.buckets.items():
            self.latency._buckets[bucket].inc(observed)


TALLY = Tally()


KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


@functools.cache
def _request_series(endpoint: str, method: str, status: int):
    """The labelled children, looked up once per label set: labels() costs more than the samples.
    Bounded, as the series are: route names, known methods, HTTP statuses."""
    labels = (endpoint, method, str(status))
    return REQUESTS.labels(*labels), LATENCY.labels(*labels)
