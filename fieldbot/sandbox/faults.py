"""Faults the sandbox injects into Bot API calls, armed by tests.

Method names are matched case-insensitively, as Telegram matches them.
"""

from __future__ import annotations

from dataclasses import dataclass

_FAIL_DESCRIPTIONS = {
    429: "Too Many Requests: retry after {retry_after}",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


@dataclass(frozen=True, slots=True)
class Failure:
    status: int
    description: str
    retry_after: int | None


@dataclass(slots=True)
class ArmedFault:
    remaining: int
    failure: Failure | None = None  # None: drop the connection
    processed: bool = False  # drop only: the call takes effect before the drop


class Faults:
    """Armed faults, consumed one call at a time in the order they were armed."""

    def __init__(self) -> None:
        self._queue: dict[str, list[ArmedFault]] = {}
        self._delays: dict[str, float] = {}

    def fail_next(
        self,
        method: str,
        status: int = 429,
        times: int = 1,
        retry_after: int = 1,
        description: str | None = None,
    ) -> None:
        """The next ``times`` calls of ``method`` answer ``status`` and change nothing."""
        if status < 400:
            raise ValueError("a failure needs an error status (4xx or 5xx)")
        if description is None:
            template = _FAIL_DESCRIPTIONS.get(status, "Error {status}")
            description = template.format(retry_after=retry_after, status=status)
        failure = Failure(status, description, retry_after if status == 429 else None)
        self._arm(method, ArmedFault(times, failure))

    def drop_next(self, method: str, times: int = 1, *, processed: bool = False) -> None:
        """The next ``times`` calls of ``method`` lose their connection without an answer.

        ``processed=False``: the call never reached the server (nothing changes).
        ``processed=True``: the call took effect, only the answer is lost (so a retry makes a
        duplicate, as when a response is lost on the way back).
        """
        self._arm(method, ArmedFault(times, None, processed))

    def delay(self, method: str, seconds: float) -> None:
        """Every call of ``method`` waits ``seconds`` (real time) first; 0 removes the delay."""
        key = method.lower()
        if seconds <= 0:
            self._delays.pop(key, None)
        else:
            self._delays[key] = seconds

    def clear(self) -> None:
        self._queue.clear()
        self._delays.clear()

    def _arm(self, method: str, armed: ArmedFault) -> None:
        if armed.remaining < 1:
            raise ValueError("times must be at least 1")
        self._queue.setdefault(method.lower(), []).append(armed)

    def delay_for(self, method: str) -> float:
        return self._delays.get(method.lower(), 0.0)

    def take(self, method: str) -> ArmedFault | None:
        """The fault for this call of ``method``, if one is armed (consumes it)."""
        queue = self._queue.get(method.lower())
        if not queue:
            return None
        armed = queue[0]
        armed.remaining -= 1
        if armed.remaining == 0:
            queue.pop(0)
        return armed

    def pending(self, method: str) -> int:
        """How many calls of ``method`` will still meet an armed failure or drop."""
        return sum(armed.remaining for armed in self._queue.get(method.lower(), []))
