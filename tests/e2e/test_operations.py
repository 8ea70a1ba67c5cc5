"""What an operator sees of a running bot: JSON log lines that say which update and which
person (by record id, never phone or name) and how long it took, and /metrics figures that grow
with turns and sweeps."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import AsyncIterator, Iterator

import pytest

from fieldbot.bot.runtime import BotRuntime
from fieldbot.logs import JsonFormatter
from fieldbot.metrics import Metrics
from fieldbot.sandbox.driver import Sandbox, SandboxEnv
from fieldbot.sandbox.harness import Harness
from fieldbot.services.jobs import register_job

pytestmark = pytest.mark.e2e


@pytest.fixture
async def sb() -> AsyncIterator[Sandbox]:
    harness = Harness.shared()

    async def with_metrics(env: SandboxEnv) -> BotRuntime:
        runtime = await harness.create_bot(env)
        runtime.metrics = Metrics()  # what `fieldbot run` wires when FIELDBOT_HEALTH_PORT is set
        return runtime

    async with Sandbox.start(
        factory=with_metrics,
        prepare=harness.prepare_database,
        settings={"renewal_notice_days": 1, "send_burst_per_chat": 5},
    ) as sandbox:
        yield sandbox


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("fieldbot")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield stream
    logger.removeHandler(handler)
    logger.setLevel(level)


def _value(metrics: Metrics, name: str, labels: dict[str, str] | None = None) -> float:
    found = metrics.registry.get_sample_value(name, labels or {})
    return 0.0 if found is None else found


async def test_a_turn_logs_json_with_update_and_person_and_counts_in_metrics(
    sb: Sandbox, json_lines: io.StringIO
) -> None:
    runtime = sb.bots[0]
    assert isinstance(runtime, BotRuntime) and runtime.metrics is not None
    metrics = runtime.metrics
    sup = sb.phone(user_id=2001, name="王芳", language="zh-hans")
    await sup.start(await sb.invite("S01"))
    await sup.wait_for("欢迎")
    before = _value(metrics, "fieldbot_updates_handled_total", {"outcome": "ok"})
    await sup.send("/help")
    await sb.settle()

    assert _value(metrics, "fieldbot_updates_handled_total", {"outcome": "ok"}) == before + 1
    assert _value(metrics, "fieldbot_handler_seconds_count") == before + 1
    assert _value(metrics, "fieldbot_messages_sent_total") >= 2
    text = json_lines.getvalue()
    assert "王芳" not in text and "13817760101" not in text
    lines = [json.loads(line) for line in text.splitlines()]
    assert runtime.store is not None
    async with runtime.store.unit_of_work(readonly=True) as uow:
        row = await uow.staff.row("S01")
    assert row is not None
    handled = [line for line in lines if line["message"] == "update handled"]
    mine = [line for line in handled if line.get("person") == f"staff:{row.id}"]
    assert mine, handled
    assert {"time", "level", "logger", "message", "update_id", "duration_ms"} <= set(mine[-1])
    assert mine[-1]["logger"] == "fieldbot.handlers" and mine[-1]["level"] == "INFO"
    assert len({line["update_id"] for line in handled}) == len(handled)

    # a sweep that fires a due step: an emergency job's assignment deadline passes
    async with runtime.store.unit_of_work() as uow:
        job = await register_job(
            uow,
            runtime.settings,
            runtime.clock,
            customer="C001",
            equipment=None,
            kind="repair",
            priority="emergency",
            fault="冷藏柜不制冷",
            actor="staff:test",
        )
        await uow.commit()
    sweeps = _value(metrics, "fieldbot_sweep_seconds_count")
    await sb.clock.advance(hours=3)
    assert _value(metrics, "fieldbot_sweep_seconds_count") > sweeps
    assert _value(metrics, "fieldbot_due_steps_fired_total") >= 1
    fired = [json.loads(line) for line in json_lines.getvalue().splitlines()]
    assert any(line.get("job") == job.number for line in fired), fired[-5:]
    page = metrics.render().decode()
    assert re.search(r"^fieldbot_due_steps_fired_total [1-9]", page, re.M)


async def test_sigterm_stops_run_cleanly_and_hands_back_what_it_claimed() -> None:
    """`fieldbot run` in a child process, pacing a queue of messages to one chat (one a second
    after a short burst), gets SIGTERM: it exits 0 at once, and no message is left in flight
    under a lease for its chat to wait out."""
    from tests.e2e.test_crash import ProcessBot, _store

    async def factory(env: SandboxEnv) -> ProcessBot:
        return ProcessBot(env)

    async with Sandbox.start(factory=factory, prepare=Harness.shared().prepare_database) as sb:
        sup = sb.phone(user_id=2001, name="王芳", language="zh-hans")
        await sup.start(await sb.invite("S01"))
        await sup.wait_for("欢迎", timeout=20)
        async with _store(sb.env) as store:
            async with store.unit_of_work() as uow:
                row = await uow.staff.row("S01")
                assert row is not None and row.chat_id is not None
                for n in range(12):
                    await uow.outbox.enqueue(
                        chat_id=row.chat_id,
                        recipient_kind="staff",
                        recipient_id=row.id,
                        template="Hello, {name}. You can:",
                        params={"args": {"name": f"n{n}"}},
                        now=sb.clock.now(),
                    )
                await uow.commit()
            received = len(sup.inbox)
            await sup.wait_for("n3", timeout=20)  # past the burst: the sender paces the chat
            (bot,) = sb.bots
            assert isinstance(bot, ProcessBot) and bot.process is not None
            await sb.stop_bot(bot)  # SIGTERM
            assert bot.process.returncode == 0
            async with store.unit_of_work(readonly=True) as uow:
                in_flight = await uow.outbox.messages(status="in_flight")
                pending = await uow.outbox.messages(status="pending")
            assert in_flight == []
            assert pending and all(m.lease_until is None for m in pending)
            delivered = len(sup.inbox) - received
            assert delivered + len(pending) == 12
