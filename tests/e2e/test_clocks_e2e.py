"""Every job clock end to end on the sandbox, the clock advanced (never slept): met and missed
(dispatch, contact, arrival urban and suburban, workshop), across National Day 2026 and the
make-up Sunday of 20 September, paused and resumed in the supervisor's chat, recomputed by a
priority /override and by a holiday added to the calendar. Read on the clock rows and on what
the phones see, in Chinese and in English."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from fieldbot.repositories.clocks import ClockRow, FiredStep
from fieldbot.repositories.jobs import JobRecord
from fieldbot.sandbox.driver import Phone, Sandbox
from fieldbot.services import custody, dispatch, visit, workshop
from fieldbot.services.calendar_overrides import set_override
from tests.e2e.test_technician_flow import FAST, FAST_LIMITS, new_job, run, staff

pytestmark = pytest.mark.e2e

SH = ZoneInfo("Asia/Shanghai")
# Fast sends; no renewal notices of the sample contracts in the supervisors' chats.
SETTINGS = {**FAST, "renewal_notice_days": 1}


def local(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SH)


def _start(now: datetime | None = None) -> Any:
    return Sandbox.start(settings=SETTINGS, limits=FAST_LIMITS, now=now)


def _bot(sb: Sandbox) -> Any:
    return sb.bots[0]


async def _clock(sb: Sandbox, job: JobRecord, name: str) -> ClockRow:
    assert job.id is not None
    async with _bot(sb).store.unit_of_work(readonly=True) as uow:
        found = await uow.clocks.get("job", job.id, name)
    assert found is not None
    return found


async def _steps(sb: Sandbox, job: JobRecord, name: str) -> list[FiredStep]:
    assert job.id is not None
    async with _bot(sb).store.unit_of_work(readonly=True) as uow:
        return list(await uow.steps.for_subject("job", job.id, name))


async def _job(sb: Sandbox, job: JobRecord) -> JobRecord:
    assert job.id is not None
    async with _bot(sb).store.unit_of_work(readonly=True) as uow:
        found = await uow.jobs.get(job.id)
    assert found is not None
    return found


def _about(phone: Phone, job: JobRecord, *words: str) -> list[str]:
    """The texts this phone got about the job that contain every word."""
    return [m.text for m in phone.inbox if job.number in m.text and all(w in m.text for w in words)]


def _supervisor(customer: str) -> str:
    return "S02" if customer == "C004" else "S01"  # C004 is a customer of SH02


async def _accepted(sb: Sandbox, customer: str, technician: str) -> JobRecord:
    job = await new_job(sb, customer, None, technician, supervisor=_supervisor(customer))
    await run(sb, dispatch.accept, job=job.id, actor=technician)
    return job


async def _scheduled(sb: Sandbox, customer: str, technician: str) -> JobRecord:
    job = await _accepted(sb, customer, technician)
    at = sb.clock.now() + timedelta(minutes=30)
    await run(sb, visit.set_appointment, job=job.id, actor=technician, at=at)
    return job


async def _on_site(sb: Sandbox, customer: str, technician: str) -> JobRecord:
    job = await _scheduled(sb, customer, technician)
    await run(sb, visit.arrive, job=job.id, actor=technician)
    return job


# --- met and missed ------------------------------------------------------------------------------


async def test_dispatch_met_and_missed_in_english() -> None:
    async with _start() as sb:
        s02 = await staff(sb, "S02", 2002, "David Chen", "en")
        met = await new_job(sb, "C004", None, "T04", supervisor="S02")
        late = await new_job(sb, "C004", None, None)
        await run(sb, dispatch.accept, job=met.id, actor="T04")
        assert (await _clock(sb, met, "assign")).met is True
        await sb.clock.advance_to(local(9, 15, 9))  # 24 h after 08:30, held until nine
        overdue = await s02.wait_for(re.compile(f"Overdue: dispatch.*{late.number}"))
        assert "was due 2026-09-15 08:30" in overdue.text
        await run(sb, dispatch.dispatch, job=late.id, technician="T04", actor="S02")
        await run(sb, dispatch.accept, job=late.id, actor="T04")
        assign = await _clock(sb, late, "assign")
        assert assign.state == "stopped" and assign.met is False
        assert not _about(s02, met, "Overdue: dispatch")


async def test_contact_met_and_missed_in_chinese() -> None:
    async with _start() as sb:
        t01 = await staff(sb, "T01", 1001, "张磊", "zh-hans")
        met = await _accepted(sb, "C001", "T01")
        late = await _accepted(sb, "C002", "T01")
        soon = sb.clock.now() + timedelta(hours=2)
        await run(sb, visit.set_appointment, job=met.id, actor="T01", at=soon)
        assert (await _clock(sb, met, "contact")).met is True
        await sb.clock.advance_to(local(9, 15, 9))  # 24 h after the accept at 08:30
        overdue = await t01.wait_for(re.compile(f"已逾期：.*联系客户.*{late.number}"))
        assert "2026-09-15 08:30（周二）" in overdue.text
        later = sb.clock.now() + timedelta(hours=1)
        await run(sb, visit.set_appointment, job=late.id, actor="T01", at=later)
        contact = await _clock(sb, late, "contact")
        assert contact.state == "stopped" and contact.met is False
        assert not _about(t01, met, "已逾期", "联系客户")


async def test_arrival_urban_six_working_hours_met_and_missed_in_chinese() -> None:
    async with _start(now=local(9, 14, 9)) as sb:
        s01 = await staff(sb, "S01", 2001, "王芳", "zh-hans")
        met = await _scheduled(sb, "C001", "T01")
        late = await _scheduled(sb, "C003", "T01")
        assert (await _clock(sb, met, "arrival")).due_at == local(9, 14, 16)
        await sb.clock.advance_to(local(9, 14, 15, 30))
        await run(sb, visit.arrive, job=met.id, actor="T01")
        assert (await _clock(sb, met, "arrival")).met is True
        await sb.clock.advance_to(local(9, 14, 16, 30))
        overdue = await s01.wait_for(re.compile(f"已逾期：.*到达.*{late.number}"))
        assert "16:00" in overdue.text
        await run(sb, visit.arrive, job=late.id, actor="T01")
        arrival = await _clock(sb, late, "arrival")
        assert arrival.met is False and arrival.elapsed_before_pause_seconds == 6.5 * 3600
        assert not _about(s01, met, "已逾期", "到达")


async def test_arrival_suburban_seven_working_hours_met_and_missed_in_english() -> None:
    async with _start(now=local(9, 14, 9)) as sb:
        s02 = await staff(sb, "S02", 2002, "David Chen", "en")
        met = await _scheduled(sb, "C004", "T04")
        late = await _scheduled(sb, "C004", "T05")
        assert (await _clock(sb, met, "arrival")).due_at == local(9, 14, 17)
        await sb.clock.advance_to(local(9, 14, 16, 59))
        await run(sb, visit.arrive, job=met.id, actor="T04")
        assert (await _clock(sb, met, "arrival")).met is True
        await sb.clock.advance_to(local(9, 14, 17, 30))
        overdue = await s02.wait_for(re.compile(f"Overdue: arrival.*{late.number}"))
        assert "was due 2026-09-14 17:00 (Mon)" in overdue.text
        await run(sb, visit.arrive, job=late.id, actor="T05")
        assert (await _clock(sb, late, "arrival")).met is False
        assert not _about(s02, met, "Overdue: arrival")


async def _returned(sb: Sandbox, job: JobRecord, technician: str) -> None:
    await run(sb, workshop.record_repair, job=job.id, actor=technician, minutes=60, notes="泵")
    await run(sb, workshop.pass_inspection, job=job.id, actor="S01")
    await run(sb, workshop.return_unit, job=job.id, actor=technician)


async def test_workshop_promised_date_met_and_missed() -> None:
    async with _start(now=local(9, 14, 9)) as sb:
        t02 = await staff(sb, "T02", 1002, "Li Wei", "en")
        met = await _on_site(sb, "C003", "T02")
        late = await _on_site(sb, "C001", "T02")
        promised = local(9, 16, 16)  # within working hours: no breach held
        await run(sb, custody.take_back, job=met.id, actor="T02", promised_at=promised)
        await run(sb, custody.take_back, job=late.id, actor="T02", promised_at=promised)
        assert (await _clock(sb, met, "workshop")).due_at == promised
        await sb.clock.advance_to(local(9, 16, 10))
        await _returned(sb, met, "T02")
        assert (await _clock(sb, met, "workshop")).met is True
        await sb.clock.advance_to(local(9, 16, 16, 30))
        overdue = await t02.wait_for(re.compile(f"Overdue: workshop repair.*{late.number}"))
        assert "was due 2026-09-16 16:00 (Wed)" in overdue.text
        await _returned(sb, late, "T02")
        workshop_clock = await _clock(sb, late, "workshop")
        assert workshop_clock.state == "stopped" and workshop_clock.met is False
        assert not _about(t02, met, "Overdue")


# --- the calendar: National Day and the make-up Sunday ------------------------------------------


async def test_arrival_across_national_day_2026_is_due_on_the_eighth() -> None:
    async with _start(now=local(9, 30, 16)) as sb:
        s01 = await staff(sb, "S01", 2001, "王芳", "zh-hans")
        job = await new_job(sb, "C001", None, None)
        assert (await _clock(sb, job, "arrival")).due_at == local(10, 8, 14)
        await s01.send(f"/job {job.number}")
        card = await s01.wait_for(f"工单 {job.number}：")
        assert "到达时限 2026-10-08 14:00" in card.text
        await sb.clock.advance_to(local(10, 8, 9))
        assert not _about(s01, job, "到达", "提醒") and not _about(s01, job, "到达", "已逾期")
        await sb.clock.advance_to(local(10, 8, 12))  # 80 %: 2 h on the 30th, 2.8 h on the 8th
        reminder = await s01.wait_for(re.compile(f"提醒：.*到达.*{job.number}"))
        assert "14:00" in reminder.text
        await sb.clock.advance_to(local(10, 8, 14, 1))
        await s01.wait_for(re.compile(f"已逾期：.*到达.*{job.number}"))


async def test_arrival_over_the_make_up_sunday_is_due_and_escalates_that_sunday() -> None:
    async with _start(now=local(9, 18, 17, 30)) as sb:  # a Friday
        s01 = await staff(sb, "S01", 2001, "王芳", "zh-hans")
        job = await new_job(sb, "C001", None, None)
        assert (await _clock(sb, job, "arrival")).due_at == local(9, 20, 15, 30)
        await sb.clock.advance_to(local(9, 19, 23, 59))  # Saturday is off
        assert not _about(s01, job, "到达", "提醒")
        await sb.clock.advance_to(local(9, 20, 14, 30))  # reminder at 14:18 that Sunday
        reminder = await s01.wait_for(re.compile(f"提醒：.*到达.*{job.number}"))
        assert "15:30" in reminder.text
        assert not _about(s01, job, "到达", "已逾期")
        await sb.clock.advance_to(local(9, 20, 15, 31))
        overdue = await s01.wait_for(re.compile(f"已逾期：.*到达.*{job.number}"))
        assert "2026-09-20 15:30（周日）" in overdue.text


# --- pause and resume in the chat ----------------------------------------------------------------


async def test_pause_by_command_never_escalates_and_resume_moves_the_deadline() -> None:
    async with _start(now=local(9, 14, 9)) as sb:
        s02 = await staff(sb, "S02", 2002, "David Chen", "en")
        job = await new_job(sb, "C004", None, None)  # suburban: due 17:00
        await sb.clock.advance_to(local(9, 14, 10))
        await s02.send(f"/pause {job.number} arrival customer unavailable")
        paused = await s02.wait_for("is paused")
        assert "arrival" in paused.text and "customer unavailable" in paused.text
        assert "1 h 0 min of 7 h 0 min" in paused.text
        assert (await _clock(sb, job, "arrival")).state == "paused"
        await sb.clock.advance_to(local(9, 15, 10))  # a working day past the old deadline
        assert not [
            m
            for m in s02.inbox
            if "arrival" in m.text
            and job.number in m.text
            and re.search("Reminder|Overdue|Escalation", m.text)
        ]
        await s02.send(f"/job {job.number}")
        card = await s02.wait_for(f"Job {job.number}: registered")
        assert ["Pause dispatch", "Resume arrival"] in card.buttons
        await s02.tap("Resume arrival")
        resumed = await s02.wait_for("runs again")
        # 1 h used; 6 h left from Tuesday 10:00 (10-12, 13-17)
        assert (
            "now due 2026-09-15 17:00" in resumed.text and "1 h 0 min of 7 h 0 min" in resumed.text
        )
        assert (await _job(sb, job)).arrival_due_at == local(9, 15, 17)
        await sb.clock.advance_to(local(9, 15, 17, 1))
        await s02.wait_for(re.compile(f"Overdue: arrival.*{job.number}"))


async def test_pause_by_button_asks_the_reason_and_others_may_not_in_chinese() -> None:
    async with _start(now=local(9, 14, 9)) as sb:
        s01 = await staff(sb, "S01", 2001, "王芳", "zh-hans")
        s02 = await staff(sb, "S02", 2002, "David Chen", "en")
        job = await new_job(sb, "C001", None, None)
        await s02.send(f"/pause {job.number} arrival not mine")
        await s02.wait_for("You may not do that")
        await s01.send(f"/job {job.number}")
        await s01.wait_for(f"工单 {job.number}：")
        await s01.tap("暂停到达计时")
        await s01.wait_for("为何暂停")
        await s01.send("等待配件")
        paused = await s01.wait_for("已暂停")
        assert "等待配件" in paused.text and job.number in paused.text
        clock = await _clock(sb, job, "arrival")
        assert clock.state == "paused" and clock.pause_reason == "等待配件"
        await s01.send(f"/resume {job.number} arrival")
        resumed = await s01.wait_for("已恢复计时")
        assert "2026-09-14 16:00" in resumed.text  # no working time passed while paused
        await s01.send(f"/resume {job.number} arrival")
        await s01.wait_for("未暂停")


# --- recomputation ------------------------------------------------------------------------------


async def test_priority_override_recomputes_dispatch_and_only_the_new_generation_fires() -> None:
    async with _start(now=local(9, 14, 9)) as sb:
        s02 = await staff(sb, "S02", 2002, "David Chen", "en")
        job = await new_job(sb, "C004", None, None)
        await sb.clock.advance_to(local(9, 14, 10))
        await s02.send(f"/override {job.number} priority emergency freezer down")
        reply = await s02.wait_for("priority")
        assert "emergency" in reply.text and "dispatch by 2026-09-14 11:00" in reply.text
        assign = await _clock(sb, job, "assign")
        assert assign.generation == 2 and assign.due_at == local(9, 14, 11)
        assert (await _job(sb, job)).assign_due_at == local(9, 14, 11)
        await sb.clock.advance_to(local(9, 14, 11, 1))
        merged = await s02.wait_for(re.compile(f"Overdue: dispatch.*{job.number}"))
        assert re.search(f"Escalation: dispatch.*{job.number}", merged.text)  # one message
        await sb.clock.advance_to(local(9, 15, 10))  # past the general deadline (Tue 09:00)
        steps = await _steps(sb, job, "assign")
        assert steps and {s.generation for s in steps} == {2}
        assert len(_about(s02, job, "Overdue: dispatch")) == 1


async def test_a_holiday_added_moves_a_running_arrival_deadline() -> None:
    async with _start(now=local(9, 14, 14)) as sb:
        s01 = await staff(sb, "S01", 2001, "王芳", "zh-hans")
        job = await new_job(sb, "C001", None, None)  # 4 h Monday, 2 h Tuesday
        assert (await _clock(sb, job, "arrival")).due_at == local(9, 15, 11)
        await sb.clock.advance_to(local(9, 14, 15))
        bot = _bot(sb)
        async with bot.store.unit_of_work() as uow:
            await set_override(
                uow,
                bot.clock,
                day=date(2026, 9, 15),
                is_working=False,
                branch_code=None,
                actor="admin:test",
                settings=bot.deps.settings,
            )
            await uow.commit()
        arrival = await _clock(sb, job, "arrival")
        assert arrival.generation == 2 and arrival.due_at == local(9, 16, 11)
        await s01.send(f"/job {job.number}")
        card = await s01.wait_for(f"工单 {job.number}：")
        assert "到达时限 2026-09-16 11:00" in card.text
        await sb.clock.advance_to(local(9, 15, 12))
        assert not _about(s01, job, "到达", "已逾期")
        await sb.clock.advance_to(local(9, 16, 11, 1))
        await s01.wait_for(re.compile(f"已逾期：.*到达.*{job.number}"))
