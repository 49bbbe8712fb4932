"""SMS budgets (flows/sms_budget.py): each stops sending at its value, raises its metric, then releases."""

from __future__ import annotations

import logging
import re

import pytest

from flows.delivery.outbox import OutboxMessage
from idp.clock import clock
from idp.store import ratelimit
from idp.web.messages import MESSAGES
from tests.support.metrics import scrape, value
from tests.support.pages import text
from tests.support.registration import PERSON

HOUR = 3600


def _register(client, n: int, address: str = "198.51.100.10", prefix: str = "916"):
    environ = {"REMOTE_ADDR": address}
    page = client.get("/register", environ_base=environ).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    data = {
        **PERSON,
        "email": f"person{n}@example.ru",
        "phone": f"+7 {prefix} 100-{n // 100:02d}-{n % 100:02d}",
    }
    return client.post("/register", data={"csrf_token": token, **data}, environ_base=environ)


def _sms_sent(app) -> int:
    with app.app_context():
        return OutboxMessage.query.filter_by(channel="sms").count()


@pytest.fixture
def budgets(app, monkeypatch):
    def change(**values):
        services = app.extensions["idp"]
        monkeypatch.setattr(services, "settings", services.settings.replace(**values))
        return services.settings

    return change


@pytest.fixture
def spent_metric(client):
    def read(budget: str) -> float:
        return value(scrape(client), "lkidp_sms_budget_spent_total", budget=budget)

    return read


def test_the_per_address_hourly_budget(app, client, spent_metric):
    limit = app.extensions["idp"].settings.sms_per_address_hour
    for n in range(limit):
        assert _register(client, n).status_code == 302
    before = spent_metric("address-hour")
    refused = _register(client, limit)
    assert refused.status_code == 429
    assert "Повторите через 60 мин." in text(refused)
    assert _sms_sent(app) == limit
    assert spent_metric("address-hour") == before + 1
    assert _register(client, limit + 1, address="198.51.100.99").status_code == 302  # another address
    clock.advance(HOUR + 1)
    assert _register(client, limit + 2).status_code == 302


def test_the_per_address_daily_budget(app, client, budgets, spent_metric):
    settings = budgets(sms_per_address_day=4)
    for n in range(settings.sms_per_address_day):
        assert _register(client, n).status_code == 302
        clock.advance(HOUR + 1)
    before = spent_metric("address-day")
    assert _register(client, 10).status_code == 429
    assert spent_metric("address-day") == before + 1
    clock.advance(24 * HOUR)
    assert _register(client, 11).status_code == 302


def test_the_per_network_budget_counts_a_24_together(app, client, budgets, spent_metric):
    settings = budgets(sms_per_network_hour=3)
    for n in range(settings.sms_per_network_hour):
        assert _register(client, n, address=f"203.0.113.{n + 1}").status_code == 302
    before = spent_metric("network-hour")
    assert _register(client, 10, address="203.0.113.200").status_code == 429
    assert spent_metric("network-hour") == before + 1
    assert _register(client, 11, address="203.0.114.1").status_code == 302
    assert _sms_sent(app) == settings.sms_per_network_hour + 1
    clock.advance(HOUR + 1)
    assert _register(client, 12, address="203.0.113.201").status_code == 302


def test_networks_are_a_24_or_a_64():
    assert ratelimit.network("203.0.113.77") == "203.0.113.0/24"
    assert ratelimit.network("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64"
    assert ratelimit.network("2001:db8:1:2:bbbb::9") == ratelimit.network("2001:db8:1:2::1")


def test_the_per_prefix_budget(app, client, budgets, spent_metric):
    settings = budgets(sms_per_prefix_hour=2)
    for n in range(settings.sms_per_prefix_hour):
        assert _register(client, n, address=f"192.0.{n}.1").status_code == 302
    before = spent_metric("prefix-hour")
    refused = _register(client, 10, address="192.0.50.1")
    assert refused.status_code == 429
    assert MESSAGES["sms_unavailable"] in text(refused)
    assert spent_metric("prefix-hour") == before + 1
    assert _register(client, 11, address="192.0.51.1", prefix="926").status_code == 302
    assert _sms_sent(app) == settings.sms_per_prefix_hour + 1
    clock.advance(HOUR + 1)
    assert _register(client, 12, address="192.0.52.1").status_code == 302


def test_the_global_budget_stops_sending_and_tells_operators(app, client, budgets, spent_metric, caplog):
    settings = budgets(sms_global_hour=3)
    for n in range(settings.sms_global_hour):
        assert _register(client, n, address=f"192.0.{n}.1", prefix=f"9{n}6").status_code == 302
    before = spent_metric("global-hour")
    with caplog.at_level(logging.WARNING):
        refused = _register(client, 10, address="192.0.77.1", prefix="999")
    assert refused.status_code == 429
    assert MESSAGES["sms_unavailable"] in text(refused)
    assert spent_metric("global-hour") == before + 1
    assert any("SMS budget spent: global-hour" in r.getMessage() for r in caplog.records)
    assert _sms_sent(app) == settings.sms_global_hour
    clock.advance(HOUR + 1)
    assert _register(client, 11, address="192.0.78.1", prefix="999").status_code == 302
