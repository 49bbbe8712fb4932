"""The table: ratios per scenario, sign-in against the argon2id floor, the issue's bars."""

from __future__ import annotations

from bench import floor, report


def result(rps, p99=10.0, errors=0):
    return {"rps": rps, "p50_ms": 1.0, "p99_ms": p99, "errors": errors, "rss_mb": 100.0, "cpu": 0.97}


def test_ratio_is_lk_idp_over_peer_and_sign_in_is_against_the_floor():
    results = {
        "services": {
            "lk-idp": {"discovery": result(900), "code": result(850, p99=60), "signin": result(4.6, p99=900)},
            "oidc-provider": {"discovery": result(1000), "code": result(1000)},
        }
    }
    floor = {"per_second": 5.0, "ms": 200.0, "time_cost": 3, "memory_cost": 65536, "parallelism": 1}

    rows = {row[1]: row for row in report.rows(results, floor)}

    assert rows["discovery document"][14] == "0.90×"
    assert rows["discovery document"][15] == "below 1.0×"
    assert rows["code exchange"][14] == "0.85×"
    assert rows["code exchange"][15] == "ok, p99 ≥ 50 ms"
    assert rows["sign-in (argon2id)"][14] == "0.92× floor (5.0/s)"
    assert rows["sign-in (argon2id)"][15] == "ok"  # no p99 bar for sign-in
    assert rows["sign-in (argon2id)"][8] == "—"


def test_profile_summary_counts_only_busy_request_threads(tmp_path):
    raw = tmp_path / "profile.txt"
    raw.write_text(
        "Thread.run;Flask.wsgi_app (flask/app.py:1);token (views.py:2);Connection.wait (psycopg:3) 30\n"
        "Thread.run;Flask.wsgi_app (flask/app.py:1);token (views.py:2);sign (joserfc:4) 10\n"
        "Thread.run;select (selectors.py:5) 500\n"
        "Thread.run;ThreadHop._serve (thread_hop.py:6);ProtocolLane.answer (protocol_routes.py:7) 10\n"
        "ASGIWorker.run (gasgi.py:8);FlaskOnAsgi.__call__ (asgi_bridge.py:9) 10\n"
        "Thread.run;ThreadHop._serve (thread_hop.py:6);SimpleQueue.get (queue:10) 300\n"
    )

    summary = report.profile_summary(raw)

    assert "60 busy samples" in summary  # Flask's, the lane's on a thread, the bridge's on the loop
    assert " 50.0%  Connection.wait (psycopg:3)" in summary
    assert "select" not in summary and "SimpleQueue" not in summary


def test_profile_summary_counts_the_sync_workers_requests_too(tmp_path):
    raw = tmp_path / "profile.txt"
    raw.write_text("Arbiter.run;SyncWorker.handle_request (gunicorn/workers/sync.py:1);token (v.py:2) 7\n")

    assert "7 busy samples" in report.profile_summary(raw)


def test_cpu_per_request_and_above_the_rs256_floor_where_an_id_token_is_signed():
    results = {
        "services": {
            "lk-idp": {"userinfo": result(2000), "code": result(500)},
            "oidc-provider": {"userinfo": result(4000), "code": result(1000)},
        }
    }

    rows = {row[1]: row for row in report.cpu_rows(results, rs256_us=300.0)}

    # CPU 97 % of a core: 0.97 s over 2000 requests is 485 µs each
    assert rows["userinfo (Bearer)"][2:] == ["485", "242", "—", "—"]
    assert rows["code exchange"][2:] == ["1940", "970", "1640", "670"]
    assert "RS256 floor: one RSA-2048 signature costs 300 µs" in report.cpu_table(
        results, {"rs256_us": 300.0}
    )


def test_the_bars_are_the_issues_introspection_at_parity_refresh_at_four_fifths():
    results = {
        "services": {
            "lk-idp": {"introspection": result(950), "refresh": result(850)},
            "oidc-provider": {"introspection": result(1000), "refresh": result(1000)},
        }
    }
    rows = {row[1]: row for row in report.rows(results, None)}
    assert rows["introspection"][15] == "below 1.0×"
    assert rows["refresh (rotation)"][15] == "ok"


def test_the_floor_around_a_run_is_the_mean_rate_of_its_two_measurements():
    before = {"per_second": 5.0, "ms": 200.0, "time_cost": 3, "memory_cost": 65536, "parallelism": 1}
    after = {**before, "per_second": 4.0, "ms": 250.0}

    around = floor.around(before, after)

    assert around["per_second"] == 4.5
    assert around["ms"] == 1000 / 4.5
    assert around["time_cost"] == 3 and around["measured"] == [before, after]


def test_the_floor_of_several_runs_is_the_mean_of_every_measurement_they_hold():
    probe = {"per_second": 5.0, "ms": 200.0, "time_cost": 3, "memory_cost": 65536, "parallelism": 1}
    first = floor.around(probe, {**probe, "per_second": 4.0})
    second = floor.around({**probe, "per_second": 4.4}, {**probe, "per_second": 4.6})

    overall = floor.mean([first, second])

    assert overall["per_second"] == (5.0 + 4.0 + 4.4 + 4.6) / 4
    assert len(overall["measured"]) == 4 and overall["time_cost"] == 3
