"""Who saw a customer's phone (DESIGN.md §6): the dispatch card on the technician's phone and
the supervisor's /job card each write an access event (who, when, where), listed per
customer as ``fieldbot audit access`` lists them."""

from __future__ import annotations

import pytest

from fieldbot.sandbox.driver import Sandbox
from fieldbot.services.access_log import accesses
from tests.e2e.test_technician_flow import FAST, FAST_LIMITS, new_job, staff

pytestmark = pytest.mark.e2e


async def test_the_dispatch_card_and_the_job_card_record_who_saw_the_phone() -> None:
    async with Sandbox.start(settings=FAST, limits=FAST_LIMITS) as sb:
        sup = await staff(sb, "S01", 2001, "王芳", "zh-hans")
        tech = await staff(sb, "T02", 1002, "Li Wei", "en")
        job = await new_job(sb, "C002", "CF22-0107", technician="T02")
        card = await tech.wait_for(job.number)
        assert "+8613901710002" in card.text
        await sup.send(f"/job {job.number}")
        shown = await sup.wait_for(f"工单 {job.number}")
        assert "电话：+8613901710002" in shown.text
        store = sb.bots[0].store  # type: ignore[attr-defined]
        async with store.unit_of_work(readonly=True) as uow:
            found = await accesses(uow, "C002")
        assert [(a.who, a.name, a.shown, a.job) for a in found] == [
            ("T02", "Li Wei", "dispatch_card", job.number),
            ("S01", "王芳", "job_card", job.number),
        ]
        assert found[0].at <= found[1].at == sb.clock.now()
