"""The test clock moved to a time of day in Moscow, the company's time."""

from __future__ import annotations

from datetime import datetime, timedelta

from idp.clock import MOSCOW, clock


def advance_to(hour: int, minute: int = 0) -> datetime:
    """Moves the clock forward to the next hour:minute in Moscow; returns that moment."""
    now = clock.now().astimezone(MOSCOW)
    then = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if then <= now:
        then += timedelta(days=1)
    clock.advance((then - now).total_seconds())
    return then
