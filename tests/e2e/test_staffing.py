"""Staff who leave or are away (DESIGN.md §6), end to end on the sandbox: the manager's
/leave with its Confirm hands over a technician's jobs in several states, van stock and cash,
then the leaver's old buttons and commands are refused as a stranger's; /away and /back take
a technician out of the supervisor's suggestions and back."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from fieldbot.domain.entitlement import FeeKind, FeeLine
from fieldbot.domain.model import JobState
from fieldbot.domain.money import Money
from fieldbot.repositories.jobs import JobRecord
from fieldbot.sandbox.driver import Sandbox
from fieldbot.services import dispatch, settlement, visit, work_record
from tests.e2e.conftest import push_callback
from tests.e2e.test_technician_flow import (
    FAST,
    FAST_LIMITS,
    as_shown,
    callback_data,
    job_now,
    new_job,
    run,
    staff,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
async def sb() -> AsyncIterator[Sandbox]:
    async with Sandbox.start(settings=FAST, limits=FAST_LIMITS) as sandbox:
        yield sandbox


async def _van(sb: Sandbox, code: str) -> dict[str, int]:
    async with sb.bots[0].store.unit_of_work(readonly=True) as uow:
        return {s.part: s.quantity for s in await uow.stock.at_location(f"van:{code}")}


async def _on_site(sb: Sandbox, customer: str, serial: str | None) -> JobRecord:
    """Dispatched to T02, accepted, booked in an hour and arrived (manually), by the services."""
    job = await new_job(sb, customer, serial, "T02")
    await run(sb, dispatch.accept, job=job.id, actor="T02")
    at = sb.clock.now() + timedelta(hours=1)
    await run(sb, visit.set_appointment, job=job.id, actor="T02", at=at)
    await run(sb, visit.arrive, job=job.id, actor="T02")
    return job


async def _leaving_with_jobs_stock_and_cash(sb: Sandbox) -> None:
    manager = await staff(sb, "M01", 2101, "刘建国", "zh-hans")
    supervisor = await staff(sb, "S01", 2001, "王芳", "zh-hans")
    tech = await staff(sb, "T02", 1002, "Li Wei", "en")
    # on site at C001's; awaiting sign-off at C002's with ¥50.00 cash collected; dispatched
    on_site = await _on_site(sb, "C001", None)
    signing = await _on_site(sb, "C002", "CF22-0107")
    fees = [FeeLine(FeeKind.TRAVEL, "travel", Money.yuan(50))]
    await run(
        sb, work_record.finish, job=signing.id, actor="T02", work="Descaled", minutes=60, fees=fees
    )
    await run(sb, settlement.record_payment, job=signing.id, actor="T02", method="cash")
    dispatched = await new_job(sb, "C001", None, "T02")
    card = await tech.wait_for(f"New job {dispatched.number}")
    accept = callback_data(sb, 1002, card.id, "Accept")
    van = await _van(sb, "T02")
    assert sum(van.values()) > 0

    await manager.send("/leave T02")
    plan = await manager.wait_for("即将离职")
    assert dispatched.number in plan.text and on_site.number in plan.text
    assert signing.number in plan.text and "¥50.00" in plan.text
    await manager.tap("确认")
    done = await manager.wait_for("已离职")
    assert "2 个工单退回待派队列" in done.text and "1 个保持原状态" in done.text
    assert "¥50.00" in done.text and "王芳" in done.text

    back = await supervisor.wait_for(f"工单 {dispatched.number} 已退回您的待派队列")
    assert back.buttons == [["派工"]]
    await supervisor.wait_for(re.compile(f"工单 {on_site.number} 当时为.*请改派"))
    kept = await supervisor.wait_for("保持原状态")
    assert signing.number in kept.text
    await supervisor.wait_for("已交由您保管，待会计员确认")
    for job, state in (
        (dispatched, JobState.REGISTERED),
        (on_site, JobState.REGISTERED),
        (signing, JobState.AWAITING_SIGNOFF),
    ):
        assert (await job_now(sb, job.id)).state is state
    assert set((await _van(sb, "T02")).values()) <= {0}

    # the leaver's cards lost their keyboards; an old button pressed all the same is
    # refused, and their commands are answered as a stranger's
    assert as_shown(tech, card.id).buttons == []
    alerts = len(tech.alerts)
    push_callback(sb, 1002, card.id, accept)
    await sb.settle()
    assert len(tech.alerts) == alerts + 1
    assert str(tech.alerts[-1]) == "This button is no longer valid."
    assert (await job_now(sb, dispatched.id)).state is JobState.REGISTERED
    await tech.send("/jobs")
    await tech.wait_for("This is the service bot of our after-sales department")

    # leaving again changes nothing
    await manager.send("/leave T02")
    await manager.wait_for(re.compile(r"已于 2026-09-14.* 离职。未做任何更改"))


async def test_leaving_hands_over_jobs_stock_and_cash_and_the_leaver_is_a_stranger(
    sb: Sandbox,
) -> None:
    """(PostgreSQL: the service tests of tests/services/workflow/test_staffing.py.)"""
    await _leaving_with_jobs_stock_and_cash(sb)


def _labels(message: Any) -> list[str]:
    return [label for row in message.buttons for label in row]


async def test_away_and_back_change_the_suggestions(sb: Sandbox) -> None:
    supervisor = await staff(sb, "S01", 2001, "王芳", "zh-hans")
    tech = await staff(sb, "T02", 1002, "Li Wei", "en")
    job = await new_job(sb, "C003", "CF21-0033", None)  # coffee: T02's line
    await supervisor.send(f"/job {job.number}")
    await supervisor.wait_for(job.number)
    await supervisor.tap("派工")
    before = await supervisor.wait_for("选择技术员")
    assert any("T02" in label for label in _labels(before))

    await tech.send("/away 2026-09-14 next week")
    await tech.wait_for("Send /away FROM TO")
    await supervisor.send("/away T02 2026-09-14 2026-09-16 年假")
    await supervisor.wait_for("Li Wei 2026-09-14 至 2026-09-16 请假：期间派工不会推荐其")
    await supervisor.send(f"/job {job.number}")
    await supervisor.wait_for(job.number)
    await supervisor.tap("派工")
    away = await supervisor.wait_for("选择技术员")
    assert not any("T02" in label for label in _labels(away))
    assert "未推荐：Li Wei（T02）请假至 2026-09-16" in away.text

    await tech.send("/back")
    await tech.wait_for("Welcome back")
    await supervisor.send(f"/job {job.number}")
    await supervisor.wait_for(job.number)
    await supervisor.tap("派工")
    after = await supervisor.wait_for("选择技术员")
    assert any("T02" in label for label in _labels(after)) and "未推荐" not in after.text
