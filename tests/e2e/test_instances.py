"""Several bot instances on one PostgreSQL database: updates shared through webhooks, every
deadline step fired once, one elected sender."""

from __future__ import annotations

import pytest

from fieldbot.sandbox.driver import Sandbox
from fieldbot.services.jobs import register_job

pytestmark = [pytest.mark.e2e, pytest.mark.pg]


async def test_two_webhook_instances_and_a_worker_fire_each_step_once(pg_url: str) -> None:
    async with Sandbox.start(db_url=pg_url, settings={"sandbox_webhook": True}) as sb:
        await sb.spawn_bot()
        await sb.spawn_bot(sandbox_role="worker")
        assert len(sb.bots) == 3
        sup = sb.phone(user_id=2001, name="王芳", language="zh-hans")
        await sup.start(await sb.invite("S01"))
        await sup.wait_for("欢迎")
        other = sb.phone(user_id=2002, name="David Chen", language="en")
        await other.start(await sb.invite("S02"))
        await other.wait_for("Welcome")
        # the updates went to both webhook instances, in turn
        handled = [bot.webhook.handled for bot in sb.bots[:2]]  # type: ignore[attr-defined]
        assert all(count > 0 for count in handled), handled
        runtime = sb.bots[0]
        store = runtime.store  # type: ignore[attr-defined]
        async with store.unit_of_work() as uow:
            job = await register_job(
                uow,
                runtime.settings,  # type: ignore[attr-defined]
                sb.clock,
                customer="C001",
                equipment="RF25-0001",
                kind="repair",
                priority="emergency",
                fault="冷柜不制冷",
                actor="staff:test",
            )
            await uow.commit()
        await sb.clock.advance(hours=3)
        escalations = [m for m in sup.inbox if job.number in m.text and "已知悉" in str(m.buttons)]
        assert len(escalations) == 1, [m.text for m in sup.inbox]
        async with store.unit_of_work(readonly=True) as uow:
            steps = await uow.steps.for_subject("job", job.id)
            sent = await uow.outbox.messages(status="sent")
        keys = [(s.clock, s.generation, s.step) for s in steps]
        assert len(keys) == len(set(keys)) and ("assign", 1, "level1") in keys
        assert all(m.reclaims == 0 for m in sent)
