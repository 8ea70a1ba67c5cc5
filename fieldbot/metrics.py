"""The figures ``/metrics`` shows (Prometheus text format, :mod:`prometheus_client`).

:class:`Metrics` owns its own registry: the wiring (``fieldbot run`` / ``worker``) creates one
and passes it to what counts — the update's turn, the sender, the sweep — so nothing registers
at import and two runtimes in one process (tests) never share figures. Counting is a few
in-memory additions; the figures that need the database (outbox depth and age, overdue jobs)
are read when ``/metrics`` is asked, never on the update path.
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST as CONTENT_TYPE
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

__all__ = ["CONTENT_TYPE", "Metrics"]

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        registry = self.registry
        self.updates = Counter(
            "fieldbot_updates_handled", "Updates handled", ["outcome"], registry=registry
        )
        self.handler_seconds = Histogram(
            "fieldbot_handler_seconds",
            "Time from an update's turn start to its commit",
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.sent = Counter(
            "fieldbot_messages_sent", "Outbox messages delivered", registry=registry
        )
        self.throttled = Counter(
            "fieldbot_telegram_429", "429 Too Many Requests answers seen", registry=registry
        )
        self.due_steps = Counter(
            "fieldbot_due_steps_fired", "Deadline steps fired by the sweep", registry=registry
        )
        self.sweep_seconds = Histogram(
            "fieldbot_sweep_seconds",
            "Duration of one pass of the deadline sweep",
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.outbox_depth = Gauge(
            "fieldbot_outbox_depth", "Outbox messages due and not yet sent", registry=registry
        )
        self.outbox_oldest_seconds = Gauge(
            "fieldbot_outbox_oldest_seconds",
            "Age of the oldest due outbox message (0: none waits)",
            registry=registry,
        )
        self.overdue_jobs = Gauge(
            "fieldbot_overdue_jobs",
            "Jobs with a running clock past its deadline",
            registry=registry,
        )

    def turn_done(self, seconds: float, *, failed: bool) -> None:
        self.updates.labels(outcome="error" if failed else "ok").inc()
        self.handler_seconds.observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
