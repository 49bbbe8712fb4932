"""bench.inprocess's CPU split by package names who owns each profiled function."""

from __future__ import annotations

import cProfile
import hashlib
import json
import pstats
import sqlite3
import time

from bench.inprocess import ROOT, ROUND_TRIPS, RSA, owner, package_split, split_us


def test_owners_are_packages_our_code_the_standard_library_or_a_named_c_call():
    assert owner("/v/lib/python3.11/site-packages/werkzeug/local.py", "__get__") == "werkzeug"
    assert owner("/v/lib/python3.11/site-packages/six.py", "f") == "six"
    assert owner(str(ROOT / "idp" / "oidc" / "server.py"), "save_token") == "lk-idp idp"
    assert owner(json.__file__, "dumps") == "stdlib"
    assert owner("~", "<method 'sign' of 'RSAPrivateKey' objects>") == "C: method 'sign'"
    assert owner(str(ROOT / "idp" / "store" / "loop_redis.py"), "execute") == "lk-idp Redis clients"


def test_the_split_adds_up_to_the_whole_profile():
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(2000):
        json.dumps({"sub": hashlib.sha256(b"x").hexdigest()})
    profiler.disable()
    lines = package_split(pstats.Stats(profiler)).splitlines()
    shares = {line[:40].strip(): float(line[40:].strip().rstrip("%")) for line in lines[1:]}
    assert "stdlib" in shares
    assert abs(sum(shares.values()) - 100) < 1.0


def test_the_signature_counts_at_its_profiled_time_and_the_rest_shares_out_the_remainder():
    def sign():
        return hashlib.sha256(b"x" * 100_000).digest()  # stands in for the C call

    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(200):
        sign()
        json.dumps({"sub": "x"})
    profiler.disable()
    stats = pstats.Stats(profiler)
    for key in list(stats.stats):  # name the hashing C call as the signature is named
        if "sha256" in key[2]:
            stats.stats[("~", 0, "<method 'sign' of 'RSAPrivateKey' objects>")] = stats.stats.pop(key)
    signed_seconds = stats.stats[("~", 0, "<method 'sign' of 'RSAPrivateKey' objects>")][2]

    split = split_us(stats, cpu_us=1000.0, requests=200)

    assert abs(split[RSA] - 1e6 * signed_seconds / 200) < 1e-6
    assert abs(sum(split.values()) - 1000.0) < 1e-6


def test_sqlite_calls_count_with_the_round_trips():
    database = sqlite3.connect(":memory:")
    database.execute("CREATE TABLE t (v TEXT)")
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(2000):
        database.execute("INSERT INTO t VALUES ('x')")
        database.commit()
    profiler.disable()

    split = split_us(pstats.Stats(profiler), cpu_us=100.0, requests=2000)

    assert split[ROUND_TRIPS] > 50.0  # the statements and commits are nearly all of it
