"""The sandbox's simulated clock, read from another process (``FIELDBOT_CLOCK=sandbox``).

``now()`` must be synchronous (the :class:`~fieldbot.clock.Clock` protocol), so it keeps the
last value it read and, when that value is older than ``max_age`` seconds of real monotonic
time, reads ``GET /sandbox/clock`` again with a short blocking request. The sandbox runs on
127.0.0.1, so the request takes about a millisecond; ``max_age`` bounds how many of them a busy
bot makes, and how stale a reading can be after the driver moves the clock. ``refresh()`` reads
it without blocking, for code that can await (e.g. before a sweep).

The simulated clock never runs backwards, and neither does this reading of it. ``now()`` is for
a bot in another process: called on the event loop that runs the sandbox itself it would block
the very server it asks (in-process, use the server's clock object instead).
"""

from __future__ import annotations

import json
import logging
import time
import urllib.request
from datetime import UTC, datetime

import aiohttp

log = logging.getLogger(__name__)


class SandboxClockError(RuntimeError):
    """The sandbox's clock could not be read."""


class SandboxClock:
    def __init__(self, base_url: str, *, max_age: float = 0.05, timeout: float = 2.0) -> None:
        self._url = base_url.rstrip("/") + "/sandbox/clock"
        self._max_age = max_age
        self._timeout = timeout
        self._now: datetime | None = None
        self._read_at = 0.0  # monotonic
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # no proxy

    def now(self) -> datetime:
        if self._now is None or time.monotonic() - self._read_at > self._max_age:
            try:
                with self._opener.open(self._url, timeout=self._timeout) as answer:
                    self._keep(answer.read())
            except OSError as exc:
                if self._now is None:
                    raise SandboxClockError(f"cannot read {self._url}: {exc}") from exc
                # The simulated clock does not move by itself: the last reading stays right
                # until the sandbox answers again.
                log.warning("cannot read %s (%s); keeping %s", self._url, exc, self._now)
        assert self._now is not None
        return self._now

    async def refresh(self) -> datetime:
        timeout = aiohttp.ClientTimeout(total=self._timeout)
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as session,
                session.get(self._url) as answer,
            ):
                self._keep(await answer.read())
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise SandboxClockError(f"cannot read {self._url}: {exc}") from exc
        assert self._now is not None
        return self._now

    def _keep(self, body: bytes) -> None:
        try:
            instant = datetime.fromisoformat(json.loads(body)["now"])
        except (ValueError, KeyError, TypeError) as exc:
            raise SandboxClockError(f"unexpected answer from {self._url}: {body!r}") from exc
        if instant.tzinfo is None:
            raise SandboxClockError(f"naive instant from {self._url}: {body!r}")
        instant = instant.astimezone(UTC)
        if self._now is None or instant > self._now:
            self._now = instant
        self._read_at = time.monotonic()
