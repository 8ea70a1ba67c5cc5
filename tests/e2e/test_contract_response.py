"""A contract's own response times on the supervisor's job card, end to end on the sandbox
(DESIGN.md §8 contracts ``assign_hours``, ``arrival_working_hours``): the card names them and
its deadline is the contract's, not the settings'."""

from __future__ import annotations

from datetime import date

import pytest

from fieldbot.domain.model import Contract
from fieldbot.repositories.jobs import JobRecord
from fieldbot.sandbox.driver import Sandbox
from fieldbot.services.jobs import register_job
from tests.e2e.test_technician_flow import FAST, FAST_LIMITS, run, staff

pytestmark = pytest.mark.e2e


async def test_the_job_card_shows_the_contracts_response_times() -> None:
    async with Sandbox.start(settings=FAST, limits=FAST_LIMITS) as sb:
        s01 = await staff(sb, "S01", 2001, "王芳", "zh-hans")
        async with sb.bots[0].store.unit_of_work() as uow:
            await uow.contracts.upsert(
                Contract(
                    number="MC-2026-303",
                    customer="C003",
                    starts_on=date(2026, 9, 1),
                    ends_on=date(2027, 8, 31),
                    covers_labour=True,
                    covers_parts=False,
                    assign_hours=8,
                    arrival_working_hours=4,
                )
            )
            await uow.commit()
        job: JobRecord = await run(
            sb,
            register_job,
            customer="C003",
            equipment="CF21-0033",
            kind="repair",
            priority="general",
            fault="Grinder jammed",
            actor="staff:test",
        )
        await s01.send(f"/job {job.number}")
        card = await s01.wait_for(f"工单 {job.number}")
        assert "合同响应时限：8 小时内派工，4 个工作小时内到达" in card.text
        # called Monday 08:30: arrival within 4 working hours is 14:00, not 6 hours' 16:00
        assert "2026-09-14 14:00" in card.text
        assert "2026-09-14 16:00" not in card.text
