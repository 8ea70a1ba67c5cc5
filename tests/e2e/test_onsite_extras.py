"""On site: a defective part taken out is recorded; a job cancelled meanwhile stops cleanly."""

from __future__ import annotations

import re

import pytest

from fieldbot.domain.model import JobState
from fieldbot.sandbox.driver import Sandbox
from fieldbot.services import dispatch
from tests.e2e.conftest import push_callback
from tests.e2e.test_technician_flow import (
    FAST,
    FAST_LIMITS,
    accept_and_arrive,
    as_shown,
    callback_data,
    events,
    job_now,
    new_job,
    run,
    staff,
)

pytestmark = pytest.mark.e2e


async def test_a_defective_part_taken_out_is_recorded_on_the_job() -> None:
    async with Sandbox.start(settings=FAST, limits=FAST_LIMITS) as sb:
        await staff(sb, "S01", 2001, "王芳", "zh-hans")
        tech = await staff(sb, "T02", 1002, "Li Wei", "en")
        job = await new_job(sb, "C003", "CF21-0033", technician="T02")
        await tech.wait_for("New job")
        await accept_and_arrive(tech, at=None)
        await tech.send("/jobs")
        await tech.wait_for("on site")
        await tech.tap("Defective part taken out")
        await tech.wait_for("which defective part")
        await tech.send("P018")
        await tech.wait_for("Parts matching")
        await tech.tap(re.compile("^P018 "))
        await tech.wait_for("How many of")
        await tech.send("1")
        done = await tech.wait_for("taken out as defective")
        assert job.number in done.text
        assert "job.defective_returned" in await events(sb, job.id)
        assert (await job_now(sb, job.id)).state is JobState.ON_SITE


async def test_a_job_cancelled_while_the_technician_is_on_site_stops_cleanly() -> None:
    async with Sandbox.start(settings=FAST, limits=FAST_LIMITS) as sb:
        await staff(sb, "S01", 2001, "王芳", "zh-hans")
        tech = await staff(sb, "T02", 1002, "Li Wei", "en")
        job = await new_job(sb, "C003", "CF21-0033", technician="T02")
        await tech.wait_for("New job")
        await accept_and_arrive(tech, at=None)
        await tech.send("/jobs")
        card = await tech.wait_for("on site")
        defective = callback_data(sb, 1002, card.id, "Defective part taken out")
        await tech.tap("Finish")
        await tech.wait_for("what did you do")
        await run(sb, dispatch.cancel, job=job.id, actor="S01", reason="客户取消")
        told = await tech.wait_for("was cancelled")
        assert "客户取消" in told.text
        # the open form ends at the next message, and the old card's buttons change nothing
        await tech.send("Replaced the gasket")
        closed = await tech.wait_for("the form is closed")
        assert "cancelled" in closed.text and job.number in closed.text
        await sb.settle()
        assert as_shown(tech, card.id).buttons == []  # the card's buttons went with the job
        push_callback(sb, 1002, card.id, defective)  # pressed anyway: refused
        refused = await tech.wait_for(re.compile("no longer valid|no longer possible"))
        assert refused is not None
        assert (await job_now(sb, job.id)).state is JobState.CANCELLED
