"""bench.inprocess's CPU split by package names who owns each profiled function."""

from __future__ import annotations

import cProfile
import hashlib
import json
import pstats
import time

from bench.inprocess import ROOT, owner, package_split


def test_owners_are_packages_our_code_the_standard_library_or_a_named_c_call():
    assert owner("/v/lib/python3.11/site-packages/werkzeug/local.py", "__get__") == "werkzeug"
    assert owner("/v/lib/python3.11/site-packages/six.py", "f") == "six"
    assert owner(str(ROOT / "idp" / "oidc" / "server.py"), "save_token") == "lk-idp idp"
    assert owner(json.__file__, "dumps") == "stdlib"
    assert owner("~", "<method 'sign' of 'RSAPrivateKey' objects>") == "C: method 'sign'"


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
