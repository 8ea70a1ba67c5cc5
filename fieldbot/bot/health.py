"""``/healthz`` and ``/metrics`` on 127.0.0.1:``FIELDBOT_HEALTH_PORT`` (DESIGN.md §8), inside
``fieldbot run`` and ``fieldbot worker``.

``/healthz`` answers 200 ``ok`` when the database answers and the sender is not stuck, else
503 with the reason. Stuck: the oldest due outbox message has waited longer than
``FIELDBOT_HEALTH_STUCK_SECONDS`` while the sender has not progressed (ended a pass or sent a
message) for as long. ``/metrics`` is the Prometheus text of :class:`~fieldbot.metrics.Metrics`;
the figures that live in the database are read at that moment (one indexed query each).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web

from fieldbot.clock import Clock
from fieldbot.metrics import CONTENT_TYPE, Metrics
from fieldbot.store import Store

log = logging.getLogger(__name__)

LISTEN = "127.0.0.1"


@dataclass(frozen=True, slots=True)
class Health:
    ok: bool
    reason: str
    outbox_depth: int = 0
    outbox_oldest_seconds: float = 0.0


class HealthServer:
    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        metrics: Metrics,
        port: int,
        stuck_seconds: float,
        sender_progressed_at: Callable[[], datetime] | None = None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._metrics = metrics
        self._port = port
        self._stuck_seconds = stuck_seconds
        self._progressed_at = sender_progressed_at
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics_page)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, LISTEN, self._port).start()
        log.info("health and metrics on http://%s:%d/", LISTEN, self._port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def check(self) -> Health:
        """The database answers, and the sender is not stuck; reads the database's figures."""
        now = self._clock.now()
        try:
            async with self._store.unit_of_work(readonly=True) as uow:
                depth, oldest = await uow.outbox.backlog(now)
                overdue = await uow.clocks.overdue_subjects("job", now)
        except Exception as exc:  # any failure to answer is what the check reports
            return Health(False, f"database: {type(exc).__name__}")
        age = 0.0 if oldest is None else max((now - oldest).total_seconds(), 0.0)
        self._metrics.outbox_depth.set(depth)
        self._metrics.outbox_oldest_seconds.set(age)
        self._metrics.overdue_jobs.set(overdue)
        if age > self._stuck_seconds and self._progressed_at is not None:
            idle = (now - self._progressed_at()).total_seconds()
            if idle > self._stuck_seconds:
                return Health(
                    False, f"sender stuck: oldest due message waits {age:.0f}s", depth, age
                )
        return Health(True, "ok", depth, age)

    async def _healthz(self, _request: web.Request) -> web.Response:
        health = await self.check()
        return web.Response(status=200 if health.ok else 503, text=health.reason + "\n")

    async def _metrics_page(self, _request: web.Request) -> web.Response:
        await self.check()
        response = web.Response(body=self._metrics.render())
        response.headers["Content-Type"] = CONTENT_TYPE
        return response
