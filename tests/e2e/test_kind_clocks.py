"""Issue 11, kinds and their clocks, the resolution and sign-off clocks, and telling the
customer of a slip, end to end on the sandbox (the clock advanced, never slept): a booked
installation is on time or late against its appointment and raises no arrival alarm; a repair
waiting for a part misses its resolution clock, the customer is told and then told the new
time; the sign-off clock reminds the technician; a consultation runs no arrival clock. In
Chinese and in English."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from fieldbot.cli.jobs import details_json
from fieldbot.repositories.clocks import ClockRow
from fieldbot.repositories.jobs import JobRecord
from fieldbot.sandbox.driver import Phone, Sandbox
from fieldbot.services import dispatch, spare_parts, visit, work_record
from fieldbot.services.job_details import job_details
from fieldbot.services.jobs import register_job
from tests.e2e.test_technician_flow import FAST, FAST_LIMITS, customer, run, staff, wake

pytestmark = pytest.mark.e2e

SH = ZoneInfo("Asia/Shanghai")
SETTINGS = {**FAST, "renewal_notice_days": 1}


def local(day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, 9, day, hour, minute, tzinfo=SH)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str | None:
    return str(request.getfixturevalue("pg_url")) if request.param == "postgresql" else None


def _bot(sb: Sandbox) -> Any:
    return sb.bots[0]


async def _job(
    sb: Sandbox,
    customer_code: str,
    serial: str | None,
    technician: str | None,
    kind: str,
    priority: str = "general",
) -> JobRecord:
    """Register a call of ``kind`` and dispatch and accept it, as the chats would."""
    bot = _bot(sb)
    settings = bot.deps.settings
    async with bot.store.unit_of_work() as uow:
        job = await register_job(
            uow,
            settings,
            bot.clock,
            customer=customer_code,
            equipment=serial,
            kind=kind,
            priority=priority,
            fault="安装新制冰机 install the new unit",
            actor="staff:test",
        )
        if technician is not None:
            await dispatch.dispatch(
                uow, settings, bot.clock, job=job.id, technician=technician, actor="S01"
            )
            await dispatch.accept(uow, settings, bot.clock, job=job.id, actor=technician)
        await uow.commit()
    await wake(sb)
    return job


async def _clocks(sb: Sandbox, job: JobRecord) -> dict[str, ClockRow]:
    assert job.id is not None
    async with _bot(sb).store.unit_of_work(readonly=True) as uow:
        return {c.clock: c for c in await uow.clocks.for_subject("job", job.id)}


async def _shown(sb: Sandbox, job: JobRecord) -> dict[str, dict[str, Any]]:
    """``fieldbot job show --json``'s clocks, by name."""
    async with _bot(sb).store.unit_of_work(readonly=True) as uow:
        details = await job_details(uow, job.number)
    return {c["name"]: c for c in details_json(details, SH)["clocks"]}


async def _li_ji(sb: Sandbox) -> Phone:
    """C001 (李记餐厅, zh_CN) binds by sharing their own contact."""
    phone = sb.phone(user_id=5001, name="李记", language="zh-hans")
    await phone.share_contact(phone="862163281001")
    await phone.wait_for("客户")
    return phone


def _about(phone: Phone, job: JobRecord, *words: str) -> list[str]:
    return [m.text for m in phone.inbox if job.number in m.text and all(w in m.text for w in words)]


async def test_an_installation_is_on_time_or_late_against_its_appointment_in_chinese(
    db_url: str | None,
) -> None:
    async with Sandbox.start(db_url=db_url, settings=SETTINGS, limits=FAST_LIMITS) as sb:
        t01 = await staff(sb, "T01", 1001, "张磊", "zh-hans")
        s01 = await staff(sb, "S01", 2001, "王芳", "zh-hans")
        owner = await _li_ji(sb)
        on_time = await _job(sb, "C001", "RF25-0001", "T01", "installation")
        late = await _job(sb, "C001", "RF25-0001", "T01", "installation")
        offer = await t01.wait_for(f"新工单 {on_time.number}")
        assert "与客户约定的时间" in offer.text  # a booked visit: no 6-hour arrival deadline
        for job in (on_time, late):
            await run(sb, visit.set_appointment, job=job.id, actor="T01", at=local(14, 11))
            clocks = await _clocks(sb, job)
            assert "arrival" not in clocks  # booked: no arrival clock at all
            assert clocks["on_time"].due_at == local(14, 11, 30)  # + 30 min tolerance
            # a booked job's resolution clock starts at the appointment: due Thu 11:00
            assert clocks["resolution"].started_at == local(14, 11)
            assert clocks["resolution"].due_at == local(17, 11)

        await sb.clock.advance_to(local(14, 11, 20))
        await run(sb, visit.arrive, job=on_time.id, actor="T01")
        assert (await _clocks(sb, on_time))["on_time"].met is True

        await sb.clock.advance_to(local(14, 11, 31))  # the appointment + tolerance passed
        overdue = await t01.wait_for(re.compile(f"已逾期：.*按约到达.*{late.number}"))
        assert "2026-09-14 11:30" in overdue.text
        sorry = await owner.wait_for(re.compile(f"工单 {late.number}：非常抱歉"))
        assert "未能按约定时间 2026-09-14 11:00（周一） 到达" in sorry.text
        assert "尽快告知您新的时间" in sorry.text
        assert _about(s01, late, "升级", "按约到达")  # level 1 to the supervisor
        assert not _about(owner, on_time, "非常抱歉")  # the visit on time is not a slip

        await run(sb, visit.set_appointment, job=late.id, actor="T01", at=local(14, 14))
        new_time = await owner.wait_for(re.compile(f"工单 {late.number}：新的时间"))
        assert "2026-09-14 14:00（周一）" in new_time.text
        again = (await _clocks(sb, late))["on_time"]
        assert again.generation == 2 and again.due_at == local(14, 14, 30)
        await sb.clock.advance_to(local(14, 14, 10))
        await run(sb, visit.arrive, job=late.id, actor="T01")
        shown = await _shown(sb, late)
        assert shown["on_time"]["state"] == "stopped" and shown["on_time"]["met"] is True
        assert "arrival" not in shown and shown["resolution"]["state"] == "running"

        # well past six working hours from the call: no arrival alarm for a booked job
        await sb.clock.advance_to(local(14, 17, 30))
        ladder = re.compile("(提醒|已逾期|升级)：.*的到达")
        assert not [m.text for m in t01.inbox + s01.inbox if ladder.search(m.text)]
        assert len(_about(owner, late, "非常抱歉")) == 1  # told once


async def test_resolution_missed_waiting_for_a_part_tells_the_customer_then_the_new_time(
    db_url: str | None,
) -> None:
    async with Sandbox.start(db_url=db_url, settings=SETTINGS, limits=FAST_LIMITS) as sb:
        t02 = await staff(sb, "T02", 1002, "Li Wei", "en")
        s01 = await staff(sb, "S01", 2001, "王芳", "zh-hans")
        cafe = await customer(sb, "8613601710003", 5003, "Bund Corner")
        job = await _job(sb, "C003", "CF21-0033", "T02", "repair")
        await run(sb, visit.set_appointment, job=job.id, actor="T02", at=local(14, 10))
        await sb.clock.advance_to(local(14, 10))
        await run(sb, visit.arrive, job=job.id, actor="T02")
        assert (await _clocks(sb, job))["arrival"].met is True
        needed = await run(sb, spare_parts.need_part, job=job.id, actor="T02", parts=[("P004", 1)])
        resolution = (await _clocks(sb, job))["resolution"]
        # three working days from the call at Monday 08:30 (counted from 09:00): Wed 18:00
        assert resolution.state == "running" and resolution.due_at == local(16, 18)

        await sb.clock.advance_to(local(16, 18, 1))  # still waiting for the part: it counts
        overdue = await t02.wait_for(re.compile(f"Overdue: resolution .*{job.number}"))
        assert "was due 2026-09-16 18:00 (Wed)" in overdue.text
        sorry = await cafe.wait_for(f"Job {job.number}: we are sorry, the repair is taking")
        assert "(it was due 2026-09-16 18:00 (Wed))" in sorry.text
        assert "We will tell you the new time shortly." in sorry.text
        assert _about(s01, job, "升级", "问题解决")  # level 1: the supervisors

        (request,) = needed.requests
        await run(sb, spare_parts.deliver_part, request_id=request.id, actor="K01")
        await sb.clock.advance_to(local(17, 9))
        assert len(_about(cafe, job, "we are sorry")) == 1  # once per breach
        await run(sb, visit.set_appointment, job=job.id, actor="T02", at=local(17, 14))
        told = await cafe.wait_for(f"Job {job.number}: the new time:")
        assert "Li Wei will visit you at 2026-09-17 14:00 (Thu)." in told.text
        assert told.buttons == [["This time suits me", "Another time, please"]]
        shown = await _shown(sb, job)
        assert shown["resolution"]["state"] == "running" and shown["resolution"]["met"] is None
        await sb.clock.advance_to(local(17, 14))
        await run(sb, visit.arrive, job=job.id, actor="T02")
        await run(sb, work_record.finish, job=job.id, actor="T02", work="New pump", minutes=45)
        shown = await _shown(sb, job)
        assert shown["resolution"]["state"] == "stopped" and shown["resolution"]["met"] is False
        assert shown["signoff"]["state"] == "running"
        await s01.send(f"/job {job.number}")
        card = await s01.wait_for("问题解决：")
        assert job.number in card.text and "签字确认时限" in card.text
        assert "问题解决：未达标（时限 2026-09-16 18:00）" in card.text


async def test_the_sign_off_clock_reminds_the_technician_in_chinese() -> None:
    async with Sandbox.start(settings=SETTINGS, limits=FAST_LIMITS) as sb:
        t01 = await staff(sb, "T01", 1001, "张磊", "zh-hans")
        job = await _job(sb, "C001", "RF25-0001", "T01", "repair")
        await run(sb, visit.set_appointment, job=job.id, actor="T01", at=local(14, 9))
        await sb.clock.advance_to(local(14, 9))
        await run(sb, visit.arrive, job=job.id, actor="T01")
        await sb.clock.advance_to(local(14, 10))
        await run(sb, work_record.finish, job=job.id, actor="T01", work="更换门封条", minutes=60)
        signoff = (await _clocks(sb, job))["signoff"]
        # two working days from Monday 10:00: Wednesday 10:00; the reminder at 80 %
        assert signoff.started_at == local(14, 10) and signoff.due_at == local(16, 10)
        assert (await _clocks(sb, job))["resolution"].met is True
        await sb.clock.advance_to(local(15, 16))  # 80 %: 12.8 working hours, Tue 15:48
        reminder = await t01.wait_for(re.compile(f"提醒：.*签字确认.*{job.number}"))
        assert "2026-09-16 10:00（周三）" in reminder.text
        await sb.clock.advance_to(local(16, 10, 1))
        await t01.wait_for(re.compile(f"已逾期：.*签字确认.*{job.number}"))
        shown = await _shown(sb, job)
        assert shown["signoff"]["state"] == "running"
        assert shown["signoff"]["due_at"] == "2026-09-16T10:00:00+08:00"


async def test_a_consultation_runs_no_arrival_clock_in_english() -> None:
    async with Sandbox.start(settings=SETTINGS, limits=FAST_LIMITS) as sb:
        sup = await staff(sb, "S02", 2002, "David Chen", "en")
        await sup.send("/new C004")
        await sup.tap("No particular unit")
        await sup.tap("consultation")
        await sup.tap("consult")
        await sup.send("asks about descaling")
        await sup.tap("phone")
        card = await sup.wait_for("Service type")
        assert "No arrival deadline: usually resolved remotely" in card.text
        assert "Arrival by" not in card.text
        # three working days from Monday 08:30, counted from 09:00: Wednesday 18:00
        assert "Resolve by 2026-09-16 18:00 (3 working days)" in card.text
        await sup.tap("Register")
        registered = await sup.wait_for("Registered job")
        number = re.search(r"J\d{8}-\d{3}", registered.text).group(0)  # type: ignore[union-attr]
        async with _bot(sb).store.unit_of_work(readonly=True) as uow:
            details = await job_details(uow, number)
        clocks = details_json(details, SH)["clocks"]
        assert [c["name"] for c in clocks] == ["assign", "resolution"]
        assert clocks[1] == {
            "name": "resolution",
            "state": "running",
            "started_at": "2026-09-14T08:30:00+08:00",
            "due_at": "2026-09-16T18:00:00+08:00",
            "met": None,
        }
        assert details.job.arrival_due_at is None
        await sb.clock.advance_to(local(14, 17, 30))  # past what an arrival clock would be
        ladder = re.compile("(Reminder|Overdue|Escalation): arrival")
        assert not [m.text for m in sup.inbox if ladder.search(m.text)]


async def test_an_intake_of_a_maintenance_visit_shows_the_appointment_rule() -> None:
    async with Sandbox.start(settings=SETTINGS, limits=FAST_LIMITS) as sb:
        sup = await staff(sb, "S01", 2001, "王芳", "zh-hans")
        await sup.send("/new C001")
        await sup.tap(re.compile("RF25-0001"))
        await sup.tap("保养")
        await sup.tap("一般")
        await sup.send("年度保养")
        await sup.tap("电话")
        card = await sup.wait_for("服务类型")
        assert "按与客户约定的时间到达（宽限 30 分钟）" in card.text
        assert "自约定时间起 3 个工作日内解决" in card.text
        assert "到达时限" not in card.text
