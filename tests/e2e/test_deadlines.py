"""Deadlines and escalation end to end: the real bot, its sweep and sender on the sandbox."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from fieldbot.domain.model import Language, Role, Staff
from fieldbot.repositories.jobs import JobRecord
from fieldbot.sandbox.driver import Phone, Sandbox
from fieldbot.services.jobs import register_job
from fieldbot.store import Store

pytestmark = pytest.mark.e2e

SH = ZoneInfo("Asia/Shanghai")
# The sample company has four contracts ending within 30 days of the start: their renewal
# notices would queue up in S01's chat (paced per chat in real time) in tests not about them;
# a ladder step sends a few messages at once: the sandbox's per-chat burst allows five.
QUIET = {"renewal_notice_days": 1, "send_burst_per_chat": 5}


def local(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SH)


def _store(sb: Sandbox) -> Store:
    store: Store = sb.bots[0].store  # type: ignore[attr-defined]
    return store


async def _staff(sb: Sandbox, user_id: int, code: str, name: str, language: str) -> Phone:
    phone = sb.phone(user_id=user_id, name=name, language=language)
    await phone.start(await sb.invite(code))
    await phone.wait_for(re.compile("Welcome|欢迎"))
    return phone


async def _job(sb: Sandbox, customer: str = "C001", **kwargs: Any) -> JobRecord:
    store = _store(sb)
    bot = sb.bots[0]
    async with store.unit_of_work() as uow:
        job = await register_job(
            uow,
            bot.settings,  # type: ignore[attr-defined]
            bot.clock,  # type: ignore[attr-defined]
            customer=customer,
            equipment=None,
            kind="repair",
            priority=kwargs.pop("priority", "general"),
            fault="冷藏柜不制冷",
            actor="staff:test",
            **kwargs,
        )
        await uow.commit()
    return job


async def _second_supervisor(sb: Sandbox) -> Phone:
    async with _store(sb).unit_of_work() as uow:
        await uow.staff.upsert(
            Staff(
                code="S09",
                name="Grace Xu",
                roles=frozenset({Role.SUPERVISOR}),
                phone="+8613800009999",
                language=Language.EN,
                branch="SH01",
            )
        )
        await uow.commit()
    return await _staff(sb, 2009, "S09", "Grace Xu", "en")


async def test_reminder_then_level1_to_both_supervisors_and_the_first_ack_wins() -> None:
    async with Sandbox.start(settings=QUIET) as sb:
        s01 = await _staff(sb, 2001, "S01", "王芳", "zh-hans")
        s09 = await _second_supervisor(sb)
        manager = await _staff(sb, 2101, "M01", "刘建国", "zh-hans")
        job = await _job(sb, called_at=local(9, 14, 9))
        await sb.clock.advance_to(local(9, 14, 14, 48))
        reminder = await s01.wait_for("提醒")
        assert "李记餐厅的到达" in reminder.text
        assert "1小时12分钟" in reminder.text and job.number in reminder.text
        await sb.clock.advance_to(local(9, 14, 16))
        # the supervisors own the arrival of a job nobody has: overdue and level 1 are one message
        level1_zh = await s01.wait_for("已逾期")
        assert "升级" in level1_zh.text
        assert level1_zh.buttons == [["已知悉", "打开工单"]] and job.number in level1_zh.text
        level1_en = await s09.wait_for("Escalation")
        assert level1_en.buttons == [["Acknowledge", "Open job"]]
        assert "李记餐厅" in level1_en.text and "arrival" in level1_en.text
        await s09.tap("Acknowledge")
        done = await s09.wait_for("Acknowledged")
        assert job.number in done.text
        # the other copy loses its Acknowledge button and says who acknowledged (issue 11)
        edited = await s01.wait_for("Grace Xu 已于")
        assert edited.id == level1_zh.id and edited.buttons == [["打开工单"]]
        await sb.clock.advance_to(local(9, 14, 18))
        assert not [m for m in manager.inbox if "二级" in m.text]


async def test_level2_reaches_the_manager_an_hour_after_an_unacknowledged_level1() -> None:
    async with Sandbox.start(settings=QUIET) as sb:
        s02 = await _staff(sb, 2002, "S02", "David Chen", "en")
        manager = await _staff(sb, 2101, "M01", "刘建国", "zh-hans")
        job = await _job(sb, "C004", called_at=local(9, 14, 9))  # suburban: 7 working hours
        await sb.clock.advance_to(local(9, 14, 17))
        await s02.wait_for("Escalation")
        assert not [m for m in manager.inbox if "二级" in m.text]
        await sb.clock.advance_to(local(9, 15, 9, 0))
        level2 = await manager.wait_for("二级升级")
        assert job.number in level2.text and "朱家角古镇客栈" in level2.text


async def test_an_off_hours_breach_waits_until_nine() -> None:
    async with Sandbox.start(settings=QUIET) as sb:
        s01 = await _staff(sb, 2001, "S01", "王芳", "zh-hans")
        job = await _job(sb, called_at=local(9, 14, 8, 30))  # assign due Tuesday 08:30
        await sb.clock.advance_to(local(9, 15, 8, 59))
        assert not [m for m in s01.inbox if "的派工自" in m.text]
        await sb.clock.advance_to(local(9, 15, 9))
        held = await s01.wait_for("的派工自")
        assert job.number in held.text


async def test_an_emergency_breach_is_sent_at_once_at_night() -> None:
    async with Sandbox.start(settings=QUIET, now=local(9, 14, 20)) as sb:
        s02 = await _staff(sb, 2002, "S02", "David Chen", "en")
        job = await _job(sb, "C004", priority="emergency")
        await sb.clock.advance_to(local(9, 14, 22))
        breach = await s02.wait_for(re.compile("Escalation: dispatch"))
        assert "emergency" in breach.text and job.number in breach.text
        assert sb.clock.now() == local(9, 14, 22)


async def test_jobs_left_undispatched_are_carried_over_in_the_morning() -> None:
    async with Sandbox.start(settings=QUIET) as sb:
        s02 = await _staff(sb, 2002, "S02", "David Chen", "en")
        job = await _job(sb, "C004", called_at=local(9, 14, 10))
        await sb.clock.advance_to(local(9, 15, 9, 1))
        notice = await s02.wait_for("Carried over")
        assert job.number in notice.text
        async with _store(sb).unit_of_work(readonly=True) as uow:
            stored = await uow.jobs.by_number(job.number)
        assert stored is not None and stored.carried_over


async def test_renewal_notice_for_c005_reaches_the_customer_and_the_supervisor() -> None:
    async with Sandbox.start() as sb:
        s01 = await _staff(sb, 2001, "S01", "王芳", "zh-hans")
        customer = sb.phone(user_id=5005, name="和悦", language="zh-hans")
        await customer.share_contact(phone="+862164151005")
        await customer.wait_for("和悦大酒店")
        await sb.clock.advance_to(local(9, 14, 9))
        notice = await customer.wait_for("保养合同")
        assert "MC-2025-005" in notice.text and "2026-10-08" in notice.text
        staff = await s01.wait_for(re.compile("和悦大酒店的合同 MC-2025-005"))
        assert "续约" in staff.text
        await sb.clock.advance_to(local(9, 15, 9))
        assert len([m for m in customer.inbox if "保养合同" in m.text]) == 1


async def test_an_unknown_next_year_is_warned_in_december() -> None:
    async with Sandbox.start(settings=QUIET, now=local(12, 7, 8, 30)) as sb:
        s02 = await _staff(sb, 2002, "S02", "David Chen", "en")
        await sb.clock.advance_to(local(12, 7, 9))
        warning = await s02.wait_for("make-up working days of 2027")
        assert "fieldbot calendar" in warning.text
