"""/healthz answers 200 while the database answers and the sender moves, 503 when the database
does not answer or the oldest due message waits while the sender stands still; /metrics is
Prometheus text with the outbox figures read from the database."""

from __future__ import annotations

import json
import logging
import socket
from datetime import UTC, datetime, timedelta

import aiohttp

from fieldbot.bot.health import HealthServer
from fieldbot.clock import ManualClock
from fieldbot.crypto import Cipher
from fieldbot.logs import JsonFormatter, TextFormatter, log_context
from fieldbot.metrics import Metrics
from fieldbot.store import Store

NOW = datetime(2026, 9, 14, 2, 0, tzinfo=UTC)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _server(store: Store, clock: ManualClock, progressed: datetime) -> HealthServer:
    return HealthServer(
        store=store,
        clock=clock,
        metrics=Metrics(),
        port=_free_port(),
        stuck_seconds=300,
        sender_progressed_at=lambda: progressed,
    )


async def _enqueue(store: Store, now: datetime) -> None:
    async with store.unit_of_work() as uow:
        await uow.outbox.enqueue(
            chat_id=42, recipient_kind="chat", recipient_id=None, template="x", params={}, now=now
        )
        await uow.commit()


async def test_healthz_and_metrics_over_http(store: Store) -> None:
    clock = ManualClock(NOW)
    await _enqueue(store, NOW - timedelta(seconds=30))
    server = _server(store, clock, NOW)
    await server.start()
    base = f"http://127.0.0.1:{server._port}"
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{base}/healthz") as answer:
                assert answer.status == 200
                assert (await answer.text()).strip() == "ok"
            async with http.get(f"{base}/metrics") as answer:
                assert answer.status == 200
                assert answer.headers["Content-Type"].startswith("text/plain")
                page = await answer.text()
    finally:
        await server.stop()
    assert "fieldbot_outbox_depth 1.0" in page
    assert "fieldbot_outbox_oldest_seconds 30.0" in page
    assert "fieldbot_overdue_jobs 0.0" in page
    assert "# TYPE fieldbot_handler_seconds histogram" in page


async def test_a_stuck_sender_fails_the_check_a_moving_one_does_not(store: Store) -> None:
    clock = ManualClock(NOW)
    await _enqueue(store, NOW - timedelta(minutes=10))
    moving = await _server(store, clock, NOW - timedelta(seconds=5)).check()
    assert moving.ok and moving.outbox_depth == 1
    stuck = await _server(store, clock, NOW - timedelta(minutes=10)).check()
    assert not stuck.ok and "sender stuck" in stuck.reason


async def test_a_database_that_does_not_answer_fails_the_check(cipher: Cipher) -> None:
    gone = Store.open("postgresql+asyncpg://postgres@127.0.0.1:1/nowhere", cipher)
    try:
        health = await _server(gone, ManualClock(NOW), NOW).check()
    finally:
        await gone.close()
    assert not health.ok and health.reason.startswith("database")


def test_log_lines_carry_the_context_in_text_and_json() -> None:
    record = logging.LogRecord("fieldbot.x", logging.INFO, __file__, 1, "hello %s", ("you",), None)
    record.duration_ms = 12.34
    with log_context(update_id=7, person="staff:3"):
        line = json.loads(JsonFormatter().format(record))
        text = TextFormatter().format(record)
    assert line["message"] == "hello you" and line["update_id"] == 7
    assert line["person"] == "staff:3" and line["duration_ms"] == 12.3
    assert text.endswith("hello you [update_id=7 person=staff:3 duration_ms=12.3]")
    assert "update_id" not in JsonFormatter().format(record)  # the context ended
