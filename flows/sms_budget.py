"""SMS budgets: how many SMS may leave, beyond one phone's cooldown and daily cap.

SMS pumping (bots registering numbers that pay their owner per SMS received)
spreads over many numbers, so the per-phone rules alone never bite. These do:

| budget          | counts SMS requested…                  | default  |
|-----------------|----------------------------------------|----------|
| `address-hour`  | from one address, per hour             | 10       |
| `address-day`   | from one address, per day              | 30       |
| `network-hour`  | from one /24 (IPv4) or /64 (IPv6)      | 30       |
| `prefix-hour`   | to one number prefix (+7 and 3 digits) | 200      |
| `global-hour`   | in all                                 | 2 000    |

A request for an SMS pays the requester's budgets (address, network) whether or
not an SMS goes out, so a stranger's login and a real one answer alike; an SMS
that does go out pays its number range's and the global budget. Budgets are read
before any is spent, so a refused SMS costs none. A spent budget is counted in
lkidp_sms_budget_spent_total{budget} and logged; a spent global or prefix budget
means SMS are temporarily unavailable for everyone it covers. An SMS sent for a
client office (no address) meets only the prefix and global budgets.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from idp.ops import metrics
from idp.services import settings
from idp.store import ratelimit

log = logging.getLogger(__name__)
HOUR, DAY = 3600, 24 * 3600


@dataclass(frozen=True)
class Spent:
    """A budget with nothing left: which, for how many more seconds, and whether it covers
    everyone (global, prefix) rather than the requester alone (address, network)."""

    budget: str
    retry_after: int
    everyone: bool


def number_prefix(phone: str) -> str:
    return phone[:5]  # +7 and the operator's three digits: +7916


def _requester_budgets(address: str | None) -> list[tuple[ratelimit.Limit, str]]:
    if not address:
        return []
    limits = settings()
    return [
        (ratelimit.Limit("address-hour", limits.sms_per_address_hour, HOUR), address),
        (ratelimit.Limit("address-day", limits.sms_per_address_day, DAY), address),
        (ratelimit.Limit("network-hour", limits.sms_per_network_hour, HOUR), ratelimit.network(address)),
    ]


def _global_budget() -> tuple[ratelimit.Limit, str]:
    return ratelimit.Limit("global-hour", settings().sms_global_hour, HOUR), "all"


def _delivery_budgets(phone: str) -> list[tuple[ratelimit.Limit, str]]:
    prefix = ratelimit.Limit("prefix-hour", settings().sms_per_prefix_hour, HOUR), number_prefix(phone)
    return [prefix, _global_budget()]


def _first_spent(budgets: list[tuple[ratelimit.Limit, str]], everyone: set[str]) -> Spent | None:
    for budget, subject in budgets:
        wait = budget.wait(subject)
        if wait:
            metrics.count("sms_budget_spent", budget=budget.name)
            log.warning("SMS budget spent: %s; sending refused for %d s", budget.name, wait)
            return Spent(budget.name, wait, budget.name in everyone)
    return None


def check_requester(address: str | None) -> Spent | None:
    """Asked for every request for an SMS, whether or not one would go: the requester's
    budgets, and the global one (so that a stranger's login and a real one answer alike)."""
    return _first_spent([*_requester_budgets(address), _global_budget()], {"global-hour"})


def spend_requester(address: str | None) -> None:
    for budget, subject in _requester_budgets(address):
        budget.count(subject)


def check_delivery(phone: str) -> Spent | None:
    """Asked before an SMS goes to this phone: its number range's budget and the global one."""
    return _first_spent(_delivery_budgets(phone), {"prefix-hour", "global-hour"})


def spend_delivery(phone: str) -> None:
    for budget, subject in _delivery_budgets(phone):
        budget.count(subject)
