"""A customer asks for the status of their jobs and sees only their own."""

from __future__ import annotations

import pytest

from fieldbot.sandbox.driver import Sandbox
from fieldbot.services import dispatch, visit
from tests.e2e.test_technician_flow import FAST, FAST_LIMITS, customer, new_job, run, staff

pytestmark = pytest.mark.e2e


async def test_status_lists_the_customers_own_jobs_with_who_comes_and_when() -> None:
    async with Sandbox.start(settings=FAST, limits=FAST_LIMITS) as sb:
        await staff(sb, "S01", 2001, "王芳", "zh-hans")
        await staff(sb, "T02", 1002, "Li Wei", "en")
        cafe = await customer(sb, "+8613601710003", 5003, "Bund Corner Café")
        other = await customer(sb, "+8613901710002", 5002, "Blue Harbour Bistro")
        await cafe.send("/status")
        await cafe.wait_for("no service jobs")
        job = await new_job(sb, "C003", "CF21-0033", technician="T02")
        await new_job(sb, "C002", "CF22-0107", technician=None)
        await run(sb, dispatch.accept, job=job.id, actor="T02")
        when = sb.clock.now().replace(hour=6, minute=0)  # 14:00 in Shanghai
        await run(sb, visit.set_appointment, job=job.id, actor="T02", at=when)
        await cafe.send("/status")
        status = await cafe.wait_for("Your service jobs")
        assert job.number in status.text and "Li Wei comes" in status.text
        assert "2026-09-14 14:00" in status.text
        assert "C002" not in status.text and status.text.count("J2026") == 1
        await other.send("/status")
        theirs = await other.wait_for("Your service jobs")
        assert job.number not in theirs.text and "not assigned yet" in theirs.text
