"""/metrics as Prometheus scrapes it."""

from __future__ import annotations

import os

import pytest
from prometheus_client import REGISTRY, CollectorRegistry, Histogram

from flows.delivery.outbox import enqueue_email, enqueue_sms
from idp.db import db
from idp.ops import metrics
from tests.support.browserless import Person
from tests.support.config import CONFIDENTIAL
from tests.support.metrics import scrape, value
from tests.support.oidc import code_flow


def sign_in(base: str, login: str, password: str):
    person = Person(base)
    return person.submit(person.get("/login"), "/login", {"login": login, "password": password})


def test_a_token_issuance_and_a_sign_in_are_counted(client, live_server, make_account):
    account = make_account()
    before = scrape(client)
    code_flow(live_server, account)
    after = scrape(client)

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("lkidp_tokens_issued_total", grant="authorization_code") == 1
    assert delta("lkidp_sign_ins_total", result="success", level="pwd") == 1
    assert delta("lkidp_http_requests_total", endpoint="oidc.token", method="POST", status="200") == 1
    assert (
        delta("lkidp_http_request_duration_seconds_count", endpoint="oidc.token", method="POST", status="200")
        == 1
    )
    assert delta("lkidp_http_requests_total", endpoint="oidc.authorize", method="GET", status="302") == 1


def test_a_refresh_is_counted_by_its_grant(client, live_server, make_account):
    tokens = code_flow(live_server, make_account())
    before = scrape(client)
    refreshed = client.post(
        "/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=(CONFIDENTIAL["client_id"], CONFIDENTIAL["client_secret"]),
    )
    assert refreshed.status_code == 200
    after = scrape(client)
    grant = {"grant": "refresh_token"}
    assert (
        value(after, "lkidp_tokens_issued_total", **grant)
        - value(before, "lkidp_tokens_issued_total", **grant)
        == 1
    )


def test_refused_and_rate_limited_sign_ins_are_counted(app, client, live_server, make_account):
    account = make_account()
    limit = app.extensions["idp"].settings.login_attempts_per_window
    before = scrape(client)
    for _ in range(limit + 1):
        sign_in(live_server, account["email"], "wrong-password-0000")
    after = scrape(client)
    assert (
        value(after, "lkidp_sign_ins_total", result="bad_credentials", level="none")
        - value(before, "lkidp_sign_ins_total", result="bad_credentials", level="none")
        == limit
    )
    assert (
        value(after, "lkidp_sign_ins_total", result="rate_limited", level="none")
        - value(before, "lkidp_sign_ins_total", result="rate_limited", level="none")
        == 1
    )
    assert (
        value(after, "lkidp_rate_limited_total", limit="login")
        - value(before, "lkidp_rate_limited_total", limit="login")
        == 1
    )


def test_requests_are_labelled_by_route_not_by_path(client):
    before = scrape(client)
    client.get("/authorize/resume/some-random-id-1")
    client.get("/authorize/resume/some-random-id-2")
    client.get("/no/such/page/4242")
    after = scrape(client)
    resumed = ("lkidp_http_requests_total", "oidc.resume", "GET", "400")
    unmatched = ("lkidp_http_requests_total", "unmatched", "GET", "404")
    for name, endpoint, method, status in (resumed, unmatched):
        labels = dict(endpoint=endpoint, method=method, status=status)
        assert value(after, name, **labels) - value(before, name, **labels) == (
            2 if endpoint == "oidc.resume" else 1
        )
    assert not any("some-random-id" in str(key) or "4242" in str(key) for key in after)


def test_invented_methods_share_one_label(client):
    before = scrape(client)
    for method in ("BREW", "WHEN", "PROPFIND"):
        client.open("/no/such/page", method=method)
    after = scrape(client)
    labels = dict(endpoint="unmatched", method="other", status="404")
    assert (
        value(after, "lkidp_http_requests_total", **labels)
        - value(before, "lkidp_http_requests_total", **labels)
        == 3
    )
    assert not any("BREW" in str(key) for key in after)


def test_outbox_depth_is_read_at_scrape_time(app, client):
    with app.app_context():
        enqueue_sms("+79165550000", "Пароль: 123456")
        enqueue_sms("+79165550001", "Пароль: 654321")
        sent = enqueue_email("a@example.ru", "Активация", "text")
        db.session.commit()
        sent.sent_at = sent.created_at
        enqueue_email("b@example.ru", "Активация", "text")
        db.session.commit()
    samples = scrape(client)
    assert value(samples, "lkidp_outbox_pending", channel="sms") == 2
    assert value(samples, "lkidp_outbox_pending", channel="email") == 1
    assert value(samples, "lkidp_outbox_dead", channel="sms") == 0


def test_named_counters_refuse_unknown_names_and_values():
    with pytest.raises(KeyError):
        metrics.count("registration", stage="started")
    with pytest.raises(ValueError, match="stage"):
        metrics.count("registrations", stage="begun")
    metrics.count("registrations", stage="started")
    metrics.count("messages", channel="sms", outcome="queued")


# Registration stages are counted by the registration flow (flows/registration):
# once it lands, a test there asserts lkidp_registrations_total{stage="started"}
# after a form submission, the way test_a_token_issuance_and_a_sign_in_are_counted does.


def test_without_a_token_metrics_are_served_to_loopback_only(client):
    assert client.get("/metrics").status_code == 200
    stranger = client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert stranger.status_code == 404
    assert b"lkidp_" not in stranger.data


def test_with_a_token_metrics_need_it_from_everywhere(app, client, monkeypatch):
    services = app.extensions["idp"]
    monkeypatch.setattr(
        services, "settings", services.settings.replace(metrics_token="scrape-token-0123456789")
    )
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert wrong.headers["WWW-Authenticate"].startswith("Bearer")
    remote = {"REMOTE_ADDR": "10.1.2.3"}
    good = {"Authorization": "Bearer scrape-token-0123456789"}
    assert scrape(client, headers=good, environ_base=remote)


def test_forwarded_address_counts_only_from_a_trusted_proxy(make_app):
    app = make_app(trusted_proxies=("10.0.0.0/8",))
    client = app.test_client()
    forged = {"X-Forwarded-For": "127.0.0.1"}
    # a stranger cannot pass for loopback by forging the header...
    stranger = client.get("/metrics", headers=forged, environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert stranger.status_code == 404
    # ...while the trusted proxy's word is taken for the client address
    via_proxy = client.get(
        "/metrics", headers={"X-Forwarded-For": "203.0.113.9"}, environ_base={"REMOTE_ADDR": "10.0.0.2"}
    )
    assert via_proxy.status_code == 404
    assert client.get("/metrics", headers=forged, environ_base={"REMOTE_ADDR": "10.0.0.2"}).status_code == 200


def test_the_remembered_pid_is_renewed_in_a_forked_child():
    # prometheus_client's multiprocess files are named by this pid: a child must not
    # write into its parent's file.
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover (the child)
        os.write(write_end, f"{metrics._pid[0]} {os.getpid()}".encode())
        os._exit(0)
    os.close(write_end)
    remembered, actual = os.read(read_end, 100).decode().split()
    os.waitpid(child, 0)
    assert remembered == actual != str(os.getpid())
    assert metrics._pid[0] == os.getpid()


def test_the_tally_writes_the_samples_observe_would_have_written():
    durations = [0.0004, 0.005, 0.0051, 0.3, 0.3, 20.0]
    bounds = metrics.LATENCY._upper_bounds[:-1]  # without +Inf, which Histogram adds itself
    reference = CollectorRegistry()
    observed = Histogram("ref_seconds", "reference", buckets=bounds, registry=reference)
    for seconds in durations:
        metrics.TALLY.note("test.tally", "GET", 200, seconds)
        observed.observe(seconds)
    labels = {"endpoint": "test.tally", "method": "GET", "status": "200"}

    metrics.TALLY.write()  # its thread may have written some already: the sums are the same

    assert REGISTRY.get_sample_value("lkidp_http_requests_total", labels) == len(durations)
    for suffix in ("_count", "_sum"):
        assert REGISTRY.get_sample_value(f"lkidp_http_request_duration_seconds{suffix}", labels) == (
            pytest.approx(reference.get_sample_value(f"ref_seconds{suffix}"))
        )
    for bound in [*bounds, float("inf")]:
        le = "+Inf" if bound == float("inf") else str(bound)
        assert REGISTRY.get_sample_value(
            "lkidp_http_request_duration_seconds_bucket", {**labels, "le": le}
        ) == reference.get_sample_value("ref_seconds_bucket", {"le": le}), le
