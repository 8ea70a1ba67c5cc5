"""Issue 11: /calls is the supervisor's queue — every open job of the branch, carried-over first,
then by call time, paged — and /calls all the whole call log in call order, paged; end to end on
the sandbox (SQLite and PostgreSQL), Chinese and English."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from fieldbot.repositories.jobs import JobRecord
from fieldbot.sandbox.driver import Phone, Sandbox
from fieldbot.services import dispatch as dispatching
from fieldbot.services.jobs import register_job
from tests.e2e.test_technician_flow import FAST, FAST_LIMITS

pytestmark = pytest.mark.e2e

SH = ZoneInfo("Asia/Shanghai")
SETTINGS = {**FAST, "renewal_notice_days": 1}
NUMBER = re.compile(r"J\d{8}-\d{3}")


def local(day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, 9, day, hour, minute, tzinfo=SH)


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


async def _call(sb: Sandbox, customer: str, called_at: datetime) -> JobRecord:
    bot: Any = sb.bots[0]
    async with bot.store.unit_of_work() as uow:
        job = await register_job(
            uow,
            bot.settings,
            bot.clock,
            customer=customer,
            equipment=None,
            kind="repair",
            priority="general",
            fault="冷藏柜不制冷",
            actor="staff:test",
            called_at=called_at,
        )
        await uow.commit()
    return job


async def _dispatch(sb: Sandbox, number: str, technician: str, actor: str) -> None:
    bot: Any = sb.bots[0]
    async with bot.store.unit_of_work() as uow:
        await dispatching.dispatch(
            uow, bot.settings, bot.clock, job=number, technician=technician, actor=actor
        )
        await uow.commit()


def _numbers(text: str) -> list[str]:
    return NUMBER.findall(text)


async def test_calls_queue_puts_yesterdays_carried_over_jobs_first_and_pages_in_chinese(
    db_url: str | None,
) -> None:
    # Tuesday 08:50: twelve calls of Monday (the first one dispatched), then the morning
    # carry-over, then twelve calls of Tuesday: 24 open jobs, two pages of 20.
    async with _desk(db_url, local(15, 8, 50)) as sb:
        sup = await _staff(sb, 2001, "S01", "王芳", "zh-hans")
        monday = [
            (await _call(sb, "C001", local(14, 10) + timedelta(minutes=10 * i))).number
            for i in range(12)
        ]
        await _dispatch(sb, monday[0], "T01", "S01")
        await sb.clock.advance(minutes=15)  # 09:05: the carry-over of Monday's registered jobs
        await sup.wait_for("顺延")
        tuesday = [
            (await _call(sb, "C001", local(15, 9, 10) + timedelta(minutes=i))).number
            for i in range(12)
        ]
        queue = monday[1:] + monday[:1] + tuesday
        await sup.send("/calls")
        first = await sup.wait_for(re.compile("第 1 页，共 2 页"))
        assert _numbers(first.text) == queue[:20]
        assert f"{monday[1]} C001 · 已登记，上日结转" in first.text
        assert "/calls 2" in first.text
        await sup.send("/calls 2")
        second = await sup.wait_for(re.compile("第 2 页，共 2 页"))
        assert _numbers(second.text) == queue[20:]
        assert "/calls 3" not in second.text
        await sup.send("/calls all")
        log = await sup.wait_for(re.compile("叫修登记簿.*第 1 页，共 2 页"))
        assert _numbers(log.text) == (monday + tuesday)[:20]
        assert "/calls all 2" in log.text
        await sup.send("/calls all 2")
        rest = await sup.wait_for(re.compile("叫修登记簿.*第 2 页，共 2 页"))
        assert _numbers(rest.text) == (monday + tuesday)[20:]
        await sup.send("/calls 3")
        refused = await sup.wait_for("没有这一页")
        assert not _numbers(refused.text)


async def test_calls_all_keeps_closed_jobs_and_a_bad_page_is_refused_in_english(
    db_url: str | None,
) -> None:
    async with _desk(db_url, local(14, 10)) as sb:
        sup = await _staff(sb, 2002, "S02", "David Chen", "en")
        called = await _call(sb, "C004", local(14, 9, 30))
        await sup.send("/calls")
        queue = await sup.wait_for("Your queue: 1 open jobs")
        assert "page 1 of 1" in queue.text and called.number in queue.text
        assert "Next page" not in queue.text
        await sup.send("/calls all")
        log = await sup.wait_for("Call log: 1 jobs, in the order of the call — page 1 of 1.")
        assert called.number in log.text
        for bad in ("/calls 2", "/calls zwei", "/calls all 0"):
            await sup.send(bad)
            refused = await sup.wait_for("There is no such page")
            assert "Nothing was changed" in refused.text
