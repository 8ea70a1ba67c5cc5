"""Business time comes from a clock object, never from ``datetime.now()`` deep in the logic.

Tests and the demo move a :class:`ManualClock` forward; a bot in another process follows the
sandbox's simulated clock through :class:`SandboxClock`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime) -> None:
        self._now = _aware_utc(start)

    def now(self) -> datetime:
        return self._now

    def set(self, instant: datetime) -> None:
        instant = _aware_utc(instant)
        if instant < self._now:
            raise ValueError("a clock does not run backwards")
        self._now = instant

    def advance(self, delta: timedelta) -> datetime:
        self.set(self._now + delta)
        return self._now


def _aware_utc(instant: datetime) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("naive datetime: fieldbot only handles timezone-aware instants")
    return instant.astimezone(UTC)
