"""No oracle: for an existing, a waiting and an unknown login, sign-in, recovery, «Отправить еще
раз?» and registration answer byte for byte alike (CSRF tokens and the echoed login aside),
also as the second request after a recovery, and take the same time."""

from __future__ import annotations

import re
import statistics
import time

import pytest

from flows import sms_password
from idp.accounts.passwords import Passwords
from idp.clock import clock
from idp.settings import Settings
from tests.support.registration import PERSON

pytestmark = pytest.mark.usefixtures("a_moscow_morning")  # its SMS are counted by the day

CSRF = re.compile(r'name="csrf_token" value="[^"]+"')
KINDS = ("existing", "waiting", "unknown")
TRIES = 30


def _token(client, path, address):
    page = client.get(path, environ_base={"REMOTE_ADDR": address}).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _post(client, path, data, address, page=None):
    token = _token(client, page or path, address)
    return client.post(path, data={"csrf_token": token, **data}, environ_base={"REMOTE_ADDR": address})


def _phone(address: str) -> str:
    """A phone of its own for each requesting address, so no cooldown is shared between tries."""
    _, second, third, fourth = (int(part) for part in address.split("."))
    return f"+7 926 {second:03d}-{third:02d}-{fourth:02d}"


ACTIONS = {
    "sign-in": lambda c, login, a: _post(c, "/login", {"login": login, "password": "Неверный-пароль-1"}, a),
    "recovery": lambda c, login, a: _post(c, "/password/forgot", {"login": login}, a),
    "resend": lambda c, login, a: _post(c, "/login/resend", {"login": login}, a, page="/login"),
    "registration": lambda c, login, a: _post(
        c, "/register", {**PERSON, "email": login, "phone": _phone(a)}, a
    ),
}


def _seen(response, login) -> tuple:
    body = CSRF.sub("", response.get_data(as_text=True)).replace(login, "LOGIN")
    return response.status_code, response.headers.get("Location"), body


@pytest.fixture
def logins(app, make_account, register, outbox):
    """One login of each kind: an active cabinet, one waiting for its SMS password, nobody."""
    existing = make_account(email="existing@example.ru")["email"]
    assert register(email="waiting@example.ru", phone="+7 916 777-00-01").status_code == 302
    return {"existing": existing, "waiting": "waiting@example.ru", "unknown": "nobody@example.ru"}


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("after_recovery", [False, True])
def test_answers_are_byte_identical(app, logins, action, after_recovery):
    clock.advance(61)  # past the registration's cooldown
    seen = {}
    for n, kind in enumerate(KINDS):
        client = app.test_client()
        address = f"192.0.2.{n + 1}"
        if after_recovery:
            ACTIONS["recovery"](client, logins[kind], address)
        seen[kind] = _seen(ACTIONS[action](client, logins[kind], address), logins[kind])
    assert seen["existing"] == seen["waiting"] == seen["unknown"], {k: v[:2] for k, v in seen.items()}


def test_recovery_for_the_e_mail_then_the_phone_does_not_link_them(app, make_account, outbox):
    account = make_account(email="linked@example.ru", phone="+79167770002")
    unknown = ("nobody@example.ru", "+79167770003")
    answers = {}
    for kind, (email, phone) in {"known": (account["email"], account["phone"]), "unknown": unknown}.items():
        client = app.test_client()
        first = _seen(ACTIONS["recovery"](client, email, "192.0.2.9"), email)
        second = _seen(ACTIONS["recovery"](client, phone, "192.0.2.9"), phone)
        answers[kind] = (first, second)
    assert answers["known"] == answers["unknown"]
    assert answers["known"][1][0] == 302
    assert len(outbox.messages("sms", account["phone"])) == 1  # at most one SMS per cooldown


def test_recovery_never_spends_the_phones_daily_cap(app, make_account, outbox):
    account = make_account()
    client = app.test_client()
    for n in range(app.extensions["idp"].settings.sms_daily_cap + 2):
        login = account["email"] if n % 2 else account["phone"]
        assert ACTIONS["recovery"](client, login, f"192.0.2.{n + 20}").status_code == 302
        clock.advance(61)
    with app.test_request_context():
        assert sms_password.issue(sms_password.STEP_UP, account["sub"], account["phone"]) is not None


def _median_ms(samples):
    return statistics.median(samples) * 1000


@pytest.mark.parametrize("action", list(ACTIONS))
def test_each_answer_takes_the_same_time(app, make_account, register, action, monkeypatch):
    """Interleaved tries, a fresh login of each kind and a fresh address every round (so that no
    limit or cooldown is what is measured); the medians of the kinds within 20 % of each other.
    Answers are held as in production (the suite's other tests do not wait), and a sign-in checks
    passwords at production cost: with the suite's cheap argon2 the few milliseconds of noise on
    a busy machine would be compared instead of what an attacker sees."""
    services = app.extensions["idp"]
    production = services.settings.replace(
        even_answer_seconds=Settings.even_answer_seconds,
        argon2_time_cost=Settings.argon2_time_cost,
        argon2_memory_cost=Settings.argon2_memory_cost,
    )
    monkeypatch.setattr(services, "settings", production)
    if action == "sign-in":
        monkeypatch.setattr(services, "passwords", Passwords.from_settings(production))
    times = {kind: [] for kind in KINDS}
    for n in range(TRIES):
        existing = make_account(email=f"existing{n}@example.ru", phone=f"+7916888{n:04d}")["email"]
        waiting = f"waiting{n}@example.ru"
        assert register(email=waiting, phone=f"+7 916 999-{n // 100:02d}-{n % 100:02d}").status_code == 302
        clock.advance(3600)  # past every budget the registrations spent
        logins = {"existing": existing, "waiting": waiting, "unknown": f"nobody{n}@example.ru"}
        # Each kind goes first in turn: the first try after the round's set-up pays for it.
        order = KINDS[n % len(KINDS) :] + KINDS[: n % len(KINDS)]
        for kind in order:
            k = KINDS.index(kind)
            client = app.test_client()
            address = f"10.{n}.{k}.1"
            _token(client, "/login", address)  # warm the session like a browser that opened the page
            started = time.perf_counter()
            response = ACTIONS[action](client, logins[kind], address)
            times[kind].append(time.perf_counter() - started)
            assert response.status_code < 500
    medians = {kind: _median_ms(samples) for kind, samples in times.items()}
    print(f"{action}: median ms", {kind: round(value, 1) for kind, value in medians.items()})
    fastest, slowest = min(medians.values()), max(medians.values())
    assert slowest < fastest * 1.2, medians
