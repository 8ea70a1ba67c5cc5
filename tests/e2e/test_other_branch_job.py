"""Issue 11, jobs of another branch: a supervisor who registers a job (/new) for another
branch's customer hands it to that branch — its supervisors are told and dispatch it — instead
of being offered technicians they may not command; on the sandbox (SQLite and PostgreSQL),
Chinese and English."""

from __future__ import annotations

import re

from fieldbot.domain.model import JobState
from tests.e2e.test_calls_queue import _desk, _staff, db_url, local

__all__ = ["db_url"]


async def test_a_job_registered_in_chinese_for_another_branch_goes_to_its_supervisor(
    db_url: str | None,
) -> None:
    async with _desk(db_url, local(14, 9)) as sb:
        s01 = await _staff(sb, 2001, "S01", "王芳", "zh-hans")
        s02 = await _staff(sb, 2002, "S02", "David Chen", "en")
        await s01.send("/new C004")  # a customer of S02's branch
        await s01.wait_for("哪台设备")
        await s01.tap(re.compile("IM24-0210"))
        await s01.tap("维修")
        await s01.tap("一般")
        await s01.wait_for("描述故障")
        await s01.send("制冰机不出冰")
        await s01.tap("电话")
        await s01.wait_for("服务类型")
        await s01.tap("登记")
        done = await s01.wait_for("已转交该站主管派工")
        assert done.buttons == [] and "请选择技术员" not in done.text
        number = re.search(r"J\d{8}-\d{3}", done.text).group(0)  # type: ignore[union-attr]
        told = await s02.wait_for("handed to your branch")
        assert number in told.text and "of another branch" in told.text
        assert "王芳" in told.text  # the registrar, rendered at send time
        assert told.buttons == [["Dispatch"]]
        await s02.tap("Dispatch")
        offer = await s02.wait_for("choose a technician")
        assert ["杨洋 (T04)"] in offer.buttons
        await s02.tap("杨洋 (T04)")
        await s02.wait_for("is dispatched to 杨洋")
        store = sb.bots[0].store  # type: ignore[attr-defined]
        async with store.unit_of_work(readonly=True) as uow:
            job = await uow.jobs.by_number(number)
            assert job is not None and job.state is JobState.DISPATCHED


async def test_a_job_registered_in_english_for_another_branch_is_told_in_chinese(
    db_url: str | None,
) -> None:
    async with _desk(db_url, local(14, 9)) as sb:
        s01 = await _staff(sb, 2001, "S01", "王芳", "zh-hans")
        s02 = await _staff(sb, 2002, "S02", "David Chen", "en")
        await s02.send("/new C001")  # a customer of S01's branch
        await s02.wait_for("Which unit")
        await s02.tap(re.compile("RF25-0001"))
        await s02.tap("repair")
        await s02.tap("general")
        await s02.wait_for("Describe the fault")
        await s02.send("does not cool")
        await s02.tap("phone")
        await s02.wait_for("Service type")
        await s02.tap("Register")
        done = await s02.wait_for("handed to its supervisors, who dispatch it")
        assert done.buttons == []
        told = await s01.wait_for("已转交本站：请派工")
        assert "David Chen" in told.text and told.buttons == [["派工"]]
