"""Issue 11, the ladder's messages, end to end on the sandbox (SQLite and PostgreSQL), the clock
advanced: steps that reach the same person at the same moment are one message; an escalation
says what the reader needs and opens the job; acknowledging takes the Acknowledge button off
the other copies and says who acknowledged."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from fieldbot.sandbox.driver import Phone
from tests.e2e.test_deadline_holds import _call, _desk, _staff, db_url
from tests.e2e.test_deadlines import _second_supervisor

pytestmark = pytest.mark.e2e

__all__ = ["db_url"]  # the fixture, parametrized over SQLite and PostgreSQL

SH = ZoneInfo("Asia/Shanghai")


def local(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SH)


def _about(phone: Phone, number: str, pattern: str) -> list[str]:
    found = re.compile(pattern)
    return [m.text for m in phone.inbox if number in m.text and found.search(m.text)]


async def test_three_unattended_jobs_give_the_supervisor_one_message_each_at_nine_in_chinese(
    db_url: str | None,
) -> None:
    # Three calls Monday 09:00 nobody dispatches: the dispatch clock (24 h) is due Tuesday
    # 09:00; its owner is the supervisor, who used to get "overdue" and "level 1" apart.
    async with _desk(db_url, local(9, 14, 9)) as sb:
        s01 = await _staff(sb, 2001, "S01", "王芳", "zh-hans")
        jobs = [await _call(sb, code) for code in ("C001", "C002", "C003")]
        await sb.clock.advance_to(local(9, 14, 16, 30))
        for job in jobs:
            # the arrival clock of a job no technician has: one message, not two
            assert len(_about(s01, job.number, "已逾期：.*到达")) == 1
            assert not [t for t in _about(s01, job.number, "升级：.*到达") if "已逾期" not in t]
        await sb.clock.advance_to(local(9, 15, 8, 59))  # the reminders came Monday 18:00
        before = len(s01.inbox)
        await sb.clock.advance_to(local(9, 15, 9))
        ladder = [m for m in s01.inbox[before:] if "顺延" not in m.text]  # not the carry-over
        for job in jobs:
            mine = [m for m in ladder if job.number in m.text and "派工" in m.text]
            assert len(mine) == 1, [m.text for m in mine]
            assert "已逾期" in mine[0].text and "升级" in mine[0].text
            assert mine[0].buttons == [["已知悉", "打开工单"]]


async def test_an_escalation_names_what_the_reader_needs_and_opens_the_job_in_english(
    db_url: str | None,
) -> None:
    # C004 is suburban (7 working hours): a call at Monday 10:00 is due to arrive at 18:00.
    async with _desk(db_url, local(9, 14, 10)) as sb:
        s02 = await _staff(sb, 2002, "S02", "David Chen", "en")
        manager = await _staff(sb, 2101, "M01", "刘建国", "zh-hans")
        job = await _call(sb, "C004")
        await sb.clock.advance_to(local(9, 14, 18))
        level1 = await s02.wait_for(re.compile(f"Escalation: arrival.*{job.number}"))
        text = level1.text
        assert "general" in text and "朱家角古镇客栈" in text and "not dispatched" in text
        assert "Fault: 冷藏柜不制冷" in text
        assert "Address: 上海市青浦区朱家角镇北大街218号" in text
        assert "Called: 2026-09-14 10:00" in text
        assert "Nobody else was told." in text
        await s02.tap("Open job", message=level1)
        card = await s02.wait_for(f"Job {job.number}")
        assert card.id != level1.id
        await sb.clock.advance_to(local(9, 15, 10))  # one more working hour: level 2
        level2 = await manager.wait_for("二级升级")
        assert job.number in level2.text and "故障：冷藏柜不制冷" in level2.text
        assert "未确认知悉：David Chen" in level2.text
        assert "地址：上海市青浦区朱家角镇北大街218号" in level2.text
        assert level2.buttons == [["打开工单"]]
        await manager.tap("打开工单")
        assert job.number in (await manager.wait_for(f"工单 {job.number}")).text


async def test_acknowledging_takes_the_button_off_the_other_copy_and_names_who_in_chinese(
    db_url: str | None,
) -> None:
    async with _desk(db_url, local(9, 14, 9)) as sb:
        s01 = await _staff(sb, 2001, "S01", "王芳", "zh-hans")
        s09 = await _second_supervisor(sb)
        manager = await _staff(sb, 2101, "M01", "刘建国", "zh-hans")
        job = await _call(sb, "C001")
        await sb.clock.advance_to(local(9, 14, 16))
        mine = await s01.wait_for(re.compile(f"升级：.*{job.number}"))
        assert "同时通知：Grace Xu" in mine.text and mine.buttons == [["已知悉", "打开工单"]]
        theirs = await s09.wait_for(re.compile(f"Escalation: .*{job.number}"))
        assert "Also told: 王芳" in theirs.text
        await s09.tap("Acknowledge", message=theirs)
        await s09.wait_for("Acknowledged")
        edited = await s01.wait_for("Grace Xu 已于 2026-09-14 16:00")
        assert edited.id == mine.id and edited.edited
        assert edited.buttons == [["打开工单"]] and job.number in edited.text
        own = next(m for m in s09.inbox if m.id == theirs.id)
        assert own.buttons == [["Open job"]] and "Acknowledged by Grace Xu" in own.text
        await sb.clock.advance_to(local(9, 14, 18))
        assert not [m for m in manager.inbox if "二级" in m.text]
