"""The one clock. Tests move it; nothing else asks the system for the time."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone

MOSCOW = timezone(timedelta(hours=3), "MSK")  # the company's time; no daylight saving since 2014


class Clock:
    def __init__(self) -> None:
        self._offset = 0.0

    def time(self) -> float:
        return time.time() + self._offset

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), tz=UTC)

    def advance(self, seconds: float) -> None:
        self._offset += seconds

    def reset(self) -> None:
        self._offset = 0.0


clock = Clock()


def utcnow() -> datetime:
    return clock.now()


def as_utc(value: datetime) -> datetime:
    """SQLite hands datetimes back naive; they were stored as UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)
