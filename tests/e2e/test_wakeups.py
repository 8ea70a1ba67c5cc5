"""`fieldbot run` wakes its sweep with python-telegram-bot's JobQueue: periodically, and at
the next due instant when the clock is the system's."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fieldbot.bot.runtime import NEXT_DUE_JOB, SWEEP_JOB, BotRuntime
from fieldbot.clock import SystemClock
from fieldbot.sandbox.driver import Sandbox, SandboxEnv
from fieldbot.sandbox.harness import prepare_database, sandbox_settings

pytestmark = pytest.mark.e2e


async def _system_clock_bot(env: SandboxEnv) -> BotRuntime:
    settings = sandbox_settings(env.settings, database_url=env.db_url)
    return BotRuntime(settings, SystemClock(), poll_timeout=1, sweep_every=3600)


async def test_the_job_queue_wakes_the_sweep_and_the_next_due_instant() -> None:
    async with Sandbox.start(factory=_system_clock_bot, prepare=prepare_database) as sb:
        runtime = sb.bots[0]
        assert isinstance(runtime, BotRuntime) and runtime.application is not None
        queue = runtime.application.job_queue
        assert queue is not None
        sweep = queue.get_jobs_by_name(SWEEP_JOB)
        assert len(sweep) == 1 and sweep[0].job.trigger.interval == timedelta(hours=1)
        assert runtime.store is not None
        later = SystemClock().now() + timedelta(minutes=10)
        async with runtime.store.unit_of_work() as uow:
            await uow.outbox.enqueue(
                chat_id=1,
                recipient_kind="chat",
                recipient_id=None,
                template="This button is no longer valid.",
                now=SystemClock().now(),
                not_before=later,
            )
            await uow.commit()
        await runtime._sweep_job(None)
        (wake,) = queue.get_jobs_by_name(NEXT_DUE_JOB)
        assert wake.next_t is not None and abs(wake.next_t - later) < timedelta(seconds=1)
