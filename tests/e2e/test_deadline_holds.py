"""Issue 11, the deadline bugs seen, end to end on the sandbox (SQLite and PostgreSQL), the
clock advanced: a reminder held to its deadline arrives the evening before instead of never; a
deadline at a window's end is announced at that end, not the next morning; a night emergency
still undispatched is on the make-up Sunday's carry-over list."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from fieldbot.repositories.jobs import JobRecord
from fieldbot.sandbox.driver import Phone, Sandbox
from fieldbot.services.jobs import register_job
from tests.e2e.test_technician_flow import FAST, FAST_LIMITS

pytestmark = pytest.mark.e2e

SH = ZoneInfo("Asia/Shanghai")
SETTINGS = {**FAST, "renewal_notice_days": 1}  # no renewal notices of the sample contracts


def local(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SH)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str | None:
    return str(request.getfixturevalue("pg_url")) if request.param == "postgresql" else None


@asynccontextmanager
async def _desk(db_url: str | None, now: datetime) -> AsyncIterator[Sandbox]:
    async with Sandbox.start(db_url=db_url, settings=SETTINGS, limits=FAST_LIMITS, now=now) as sb:
        yield sb


async def _staff(sb: Sandbox, user_id: int, code: str, name: str, language: str) -> Phone:
    phone = sb.phone(user_id=user_id, name=name, language=language)
    await phone.start(await sb.invite(code))
    await phone.wait_for(re.compile("Welcome|欢迎"))
    return phone


async def _call(sb: Sandbox, customer: str, **kwargs: Any) -> JobRecord:
    """A call registered now, as the supervisor's /new does."""
    bot: Any = sb.bots[0]
    async with bot.store.unit_of_work() as uow:
        job = await register_job(
            uow,
            bot.settings,
            bot.clock,
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


def _texts(phone: Phone, job: JobRecord, pattern: str) -> list[str]:
    found = re.compile(pattern)
    return [m.text for m in phone.inbox if job.number in m.text and found.search(m.text)]


async def test_a_reminder_held_to_its_deadline_arrives_the_evening_before_in_chinese(
    db_url: str | None,
) -> None:
    # General call Monday 09:00, dispatch due Tuesday 09:00: the reminder (Tuesday 04:12) used
    # to be held to 09:00 and dropped; it arrives Monday 18:00.
    async with _desk(db_url, local(9, 14, 9)) as sb:
        s01 = await _staff(sb, 2001, "S01", "王芳", "zh-hans")
        job = await _call(sb, "C001")
        await sb.clock.advance_to(local(9, 14, 17, 59))
        assert not _texts(s01, job, "提醒：.*派工")
        await sb.clock.advance_to(local(9, 14, 18))
        reminder = await s01.wait_for(re.compile(f"提醒：.*派工.*{job.number}"))
        assert "还剩15小时0分钟" in reminder.text
        await sb.clock.advance_to(local(9, 15, 9))
        await s01.wait_for(re.compile(f"已逾期：.*派工.*{job.number}"))
        assert len(_texts(s01, job, "提醒：.*派工")) == 1


async def test_a_deadline_at_the_end_of_the_working_day_is_announced_at_18_00_in_english(
    db_url: str | None,
) -> None:
    # C004 is suburban (7 working hours): a call at Monday 10:00 is due to arrive at 18:00.
    async with _desk(db_url, local(9, 14, 10)) as sb:
        s02 = await _staff(sb, 2002, "S02", "David Chen", "en")
        job = await _call(sb, "C004")
        await sb.clock.advance_to(local(9, 14, 17, 59))
        assert not _texts(s02, job, "Overdue: arrival|Escalation: arrival")
        await sb.clock.advance_to(local(9, 14, 18))
        level1 = await s02.wait_for(re.compile(f"Overdue: arrival.*{job.number}"))
        assert re.search(f"Escalation: arrival.*{job.number}", level1.text)  # one message
        assert level1.buttons == [["Acknowledge", "Open job"]]
        assert sb.clock.now() == local(9, 14, 18)


async def test_a_night_emergency_is_on_the_make_up_sundays_carry_over_list(
    db_url: str | None,
) -> None:
    # Friday 18 September 20:00, never dispatched; Saturday is off, Sunday 20 September 2026
    # is a make-up working day (调休): its morning list names the emergency.
    async with _desk(db_url, local(9, 18, 19, 30)) as sb:
        s01 = await _staff(sb, 2001, "S01", "王芳", "zh-hans")
        await sb.clock.advance_to(local(9, 18, 20))
        emergency = await _call(sb, "C001", priority="emergency")
        await sb.clock.advance_to(local(9, 20, 8, 59))
        assert not [m for m in s01.inbox if "早上好" in m.text]
        await sb.clock.advance_to(local(9, 20, 9, 1))
        notice = await s01.wait_for("早上好")
        assert emergency.number in notice.text
        async with sb.bots[0].store.unit_of_work(readonly=True) as uow:  # type: ignore[attr-defined]
            stored = await uow.jobs.by_number(emergency.number)
        assert stored is not None and stored.carried_over
