"""The sweep on the real store (SQLite and PostgreSQL): the ladder step by step, each step
exactly once with its messages, off-hours holds, acknowledgement, carry-over, renewals and the
unknown-year warning (DESIGN.md §4, §7)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, timedelta

from fieldbot.domain.model import JobState
from fieldbot.repositories.outbox import OutboxMessage, OutboxRepository
from fieldbot.scheduler import next_wake, sweep
from fieldbot.services.calendar_overrides import YEAR_UNKNOWN_TEXT
from fieldbot.services.carry_over import CARRY_OVER_TEXT
from fieldbot.services.deadlines.clocks import acknowledge, pause_clock, start_clock
from fieldbot.services.deadlines.ladder import (
    ACK_ACTION,
    GENERIC_TEXT,
    LEVEL1_TEXT,
    LEVEL2_TEXT,
    OVERDUE_TEXT,
    REMINDER_TEXT,
    raise_level3,
)
from fieldbot.services.renewals import RENEWAL_CUSTOMER_TEXT, RENEWAL_STAFF_TEXT
from tests.services.deadlines.conftest import Desk, local, views


def only(messages: list[OutboxMessage], template: str, clock: str | None = None) -> OutboxMessage:
    (found,) = [
        m
        for m in views(messages)
        if m.template == template and (clock is None or m.params["args"]["clock"] == {"t": clock})
    ]
    return found


async def test_arrival_reminder_at_eighty_percent_names_the_job(desk: Desk) -> None:
    job = await desk.job(called_at=local(9, 14, 9))
    await desk.at(local(9, 14, 14, 47))
    assert REMINDER_TEXT not in await desk.templates("S01")
    report = await desk.at(local(9, 14, 14, 48))
    assert [(f.clock.clock, f.step) for f in report.fired] == [("arrival", "reminder")]
    reminder = only(await desk.outbox("S01"), REMINDER_TEXT)  # not dispatched: the supervisor
    args = reminder.params["args"]
    assert args["number"] == job.number
    assert args["customer"] == {"customer": job.customer_id, "field": "name"}
    assert args["clock"] == {"t": "arrival"}
    assert args["due"] == {
        "dt": local(9, 14, 16).astimezone(UTC).isoformat(),
        "tz": "Asia/Shanghai",
        "fmt": "weekday",  # a deadline: 2026-09-14 16:00 (Mon)
    }
    assert args["left"] == {"t": "{hours} h {minutes} min", "args": {"hours": 1, "minutes": 12}}
    assert reminder.next_attempt_at == local(9, 14, 14, 48)


async def test_reminder_goes_to_the_assigned_technician(desk: Desk) -> None:
    job = await desk.job(called_at=local(9, 14, 9))
    async with desk.store.unit_of_work() as uow:
        t01 = await uow.staff.row("T01")
    assert t01 is not None
    await desk.set_job(job, state=JobState.DISPATCHED, technician_id=t01.id)
    await desk.at(local(9, 14, 14, 48))
    assert REMINDER_TEXT in await desk.templates("T01")
    assert REMINDER_TEXT not in await desk.templates("S01")


async def test_deadline_sends_overdue_and_level1_to_every_supervisor(desk: Desk) -> None:
    await desk.add_supervisor("S09", 2009)
    job = await desk.job(called_at=local(9, 14, 9))
    await desk.at(local(9, 14, 16))
    s01 = await desk.outbox("S01")
    assert OVERDUE_TEXT in [m.template for m in views(s01)]
    for code in ("S01", "S09"):
        level1 = only(await desk.outbox(code), LEVEL1_TEXT)
        (row,) = level1.params["buttons"]
        assert row[0]["label"] == "Acknowledge"
        assert level1.params["args"]["number"] == job.number
        assert level1.params["args"]["priority"] == {"t": "general"}
        assert level1.priority == OutboxRepository.PRIORITY_ESCALATION  # before information
    assert LEVEL1_TEXT not in await desk.templates("S02")  # another branch
    clock = await desk.clock_of(job, "arrival")
    assert clock.wake_at == local(9, 14, 17)  # level 2: one more working hour


async def test_level2_reaches_the_manager_when_nobody_acknowledged(desk: Desk) -> None:
    job = await desk.job(called_at=local(9, 14, 9))
    await desk.at(local(9, 14, 16))
    await desk.at(local(9, 14, 16, 59))
    assert LEVEL2_TEXT not in await desk.templates("M01")
    await desk.at(local(9, 14, 17))
    level2 = only(await desk.outbox("M01"), LEVEL2_TEXT)
    assert level2.params["args"]["number"] == job.number
    assert (await desk.clock_of(job, "arrival")).wake_at is None
    await desk.at(local(9, 15, 17))
    assert (await desk.templates("M01")).count(LEVEL2_TEXT) == 1


async def test_the_first_acknowledgement_stops_the_ladder(desk: Desk) -> None:
    await desk.add_supervisor("S09", 2009)
    job = await desk.job(called_at=local(9, 14, 9))
    assert job.id is not None
    await desk.at(local(9, 14, 16))
    async with desk.store.unit_of_work() as uow:
        s01, s09 = await uow.staff.row("S01"), await uow.staff.row("S09")
        assert s01 is not None and s09 is not None
        buttons = [
            await uow.buttons.get(m.params["buttons"][0][0]["token"])
            for m in [only(await desk.outbox("S01"), LEVEL1_TEXT)]
        ]
        assert buttons[0] is not None and buttons[0].action == ACK_ACTION
        payload = buttons[0].payload
        first = await acknowledge(
            uow,
            desk.settings,
            staff_id=s09.id,
            subject_type="job",
            subject_id=job.id,
            clock="arrival",
            generation=int(payload["generation"]),
            now=local(9, 14, 16, 10),
        )
        second = await acknowledge(
            uow,
            desk.settings,
            staff_id=s01.id,
            subject_type="job",
            subject_id=job.id,
            clock="arrival",
            generation=int(payload["generation"]),
            now=local(9, 14, 16, 20),
        )
        await uow.commit()
    assert first.first and not second.first
    assert second.by is not None and second.by.staff.code == "S09"
    await desk.at(local(9, 14, 18))
    assert LEVEL2_TEXT not in await desk.templates("M01")
    clock = await desk.clock_of(job, "arrival")
    assert clock.state == "running" and clock.wake_at is None  # the clock itself runs on


async def test_an_off_hours_breach_is_held_until_nine_and_level2_counts_from_then(
    desk: Desk,
) -> None:
    job = await desk.job(called_at=local(9, 14, 20))  # assign due Tuesday 20:00
    await desk.at(local(9, 15, 20))
    assert (await desk.clock_of(job, "assign")).wake_at == local(9, 16, 9)
    assert [s.step for s in await desk.steps(job, "assign")] == ["reminder"]
    await desk.at(local(9, 16, 9))
    level1 = only(await desk.outbox("S01"), LEVEL1_TEXT, "dispatch")
    assert level1.next_attempt_at == local(9, 16, 9)
    assert level1.params["args"]["due"]["dt"] == local(9, 15, 20).astimezone(UTC).isoformat()
    assign = await desk.clock_of(job, "assign")
    assert assign.wake_at == local(9, 16, 10)
    await desk.at(local(9, 16, 10))
    assert only(await desk.outbox("M01"), LEVEL2_TEXT, "dispatch").next_attempt_at == local(
        9, 16, 10
    )


async def test_an_emergency_breach_goes_out_at_once_at_night(desk: Desk) -> None:
    job = await desk.job(called_at=local(9, 14, 20), priority="emergency")  # due 22:00
    reminder = await desk.at(local(9, 14, 21, 36))
    assert [f.step for f in reminder.fired] == ["reminder"]
    await desk.at(local(9, 14, 22))
    level1 = only(await desk.outbox("S01"), LEVEL1_TEXT)
    assert level1.next_attempt_at == local(9, 14, 22)
    assert level1.params["args"]["priority"] == {"t": "emergency"}
    assert (await desk.clock_of(job, "assign")).wake_at == local(9, 14, 23)


async def test_a_paused_clock_never_escalates(desk: Desk) -> None:
    job = await desk.job(called_at=local(9, 14, 9))
    assert job.id is not None
    async with desk.store.unit_of_work() as uow:
        await pause_clock(
            uow,
            desk.settings,
            subject_type="job",
            subject_id=job.id,
            clock="arrival",
            reason="waiting for a part",
            now=local(9, 14, 10),
            actor="staff:1",
        )
        await uow.commit()
    await desk.at(local(9, 16, 18))
    assert [s.step for s in await desk.steps(job, "arrival")] == []


async def test_each_step_fires_once_when_sweeps_run_together(desk: Desk) -> None:
    await desk.job(called_at=local(9, 14, 9))
    await desk.job(called_at=local(9, 14, 9), customer="C002")
    desk.clock.set(local(9, 14, 16))
    reports = await asyncio.gather(
        *(sweep(desk.store, desk.settings, desk.clock) for _ in range(3))
    )
    fired = [
        (f.clock.subject_id, f.step) for r in reports for f in r.fired if f.clock.clock == "arrival"
    ]
    assert len(fired) == len(set(fired)) == 4  # two jobs × (overdue, level1)
    templates = await desk.templates("S01")
    assert templates.count(LEVEL1_TEXT) == 2 and templates.count(OVERDUE_TEXT) == 2


async def test_a_clock_the_workflow_forgot_to_stop_is_stopped_not_escalated(desk: Desk) -> None:
    job = await desk.job(called_at=local(9, 14, 9))
    desk.clock.set(local(9, 14, 11))
    await desk.set_job(job, state=JobState.ON_SITE)
    report = await desk.at(local(9, 14, 16))
    arrival = await desk.clock_of(job, "arrival")
    assert report.stale_stopped == 1 and arrival.state == "stopped" and arrival.met is True
    assert LEVEL1_TEXT not in await desk.templates("S01")


async def test_jobs_left_undispatched_are_carried_over_next_morning_once(desk: Desk) -> None:
    old = await desk.job(called_at=local(9, 14, 10))
    morning = await desk.job(called_at=local(9, 15, 8))  # after Monday's working day
    report = await desk.at(local(9, 15, 9))
    assert report.carried_over == [old.number]
    async with desk.store.unit_of_work(readonly=True) as uow:
        stored_old = await uow.jobs.get(old.id or 0)
        stored_new = await uow.jobs.get(morning.id or 0)
    assert stored_old is not None and stored_old.carried_over
    assert stored_old.priority is old.priority
    assert stored_new is not None and not stored_new.carried_over
    notice = only(await desk.outbox("S01"), CARRY_OVER_TEXT)
    assert notice.params["args"]["numbers"] == old.number
    again = await desk.at(local(9, 15, 15))
    assert again.carried_over == []
    assert (await desk.templates("S01")).count(CARRY_OVER_TEXT) == 1


async def test_contract_renewal_notice_for_c005_once(desk: Desk) -> None:
    async with desk.store.unit_of_work() as uow:
        await uow.customers.bind_telegram("C005", 3005, 3005)
        await uow.commit()
    early = await desk.at(local(9, 14, 8, 40))
    assert early.renewals == []  # no notices before the working day
    report = await desk.at(local(9, 14, 9))
    assert "MC-2025-005" in report.renewals
    async with desk.store.unit_of_work(readonly=True) as uow:
        customer = await uow.outbox.messages(chat_id=3005)
    (notice,) = customer
    assert notice.template == RENEWAL_CUSTOMER_TEXT
    assert notice.params["args"] == {
        "number": "MC-2025-005",
        "date": {"day": "2026-10-08", "fmt": "date"},
    }
    assert notice.next_attempt_at == local(9, 14, 9)
    staff = [m for m in await desk.outbox("S01") if m.template == RENEWAL_STAFF_TEXT]
    assert "MC-2025-005" in {m.params["args"]["number"] for m in staff}
    again = await desk.at(local(9, 15, 9))
    assert "MC-2025-005" not in again.renewals


async def test_an_unknown_next_year_is_warned_once_a_week_from_december(desk: Desk) -> None:
    november = await desk.at(local(11, 30, 9))
    assert november.year_warnings == []
    first = await desk.at(local(12, 7, 9))
    assert first.year_warnings == [2027, 2027]  # each branch
    warning = only(await desk.outbox("S01"), YEAR_UNKNOWN_TEXT)
    assert warning.params["args"] == {"year": 2027}
    assert (await desk.at(local(12, 9, 9))).year_warnings == []
    assert (await desk.at(local(12, 14, 9))).year_warnings == [2027, 2027]


async def test_next_wake_is_the_next_step_or_the_next_working_morning(desk: Desk) -> None:
    settings = desk.settings
    assert await next_wake(desk.store, settings, local(9, 14, 8, 30)) == local(9, 14, 9)
    await desk.job(called_at=local(9, 14, 9))
    assert await next_wake(desk.store, settings, local(9, 14, 9)) == local(9, 14, 14, 48)
    job = await desk.job(called_at=local(9, 14, 9), priority="emergency")
    assert await next_wake(desk.store, settings, local(9, 14, 9)) == local(9, 14, 10, 36)
    await desk.set_job(job, state=JobState.CANCELLED)
    assert replace(job, state=JobState.CANCELLED).state is JobState.CANCELLED


async def test_level1_goes_to_the_manager_when_the_branch_has_no_supervisor(desk: Desk) -> None:
    async with desk.store.unit_of_work() as uow:
        await uow.staff.set_active("S01", False)
        await uow.commit()
    job = await desk.job(called_at=local(9, 14, 9))
    await desk.at(local(9, 14, 16))
    level1 = only(await desk.outbox("M01"), LEVEL1_TEXT, "arrival")
    assert level1.params["buttons"][0][0]["label"] == "Acknowledge"
    assert LEVEL1_TEXT not in await desk.templates("S01")
    await desk.at(local(9, 14, 17))
    assert LEVEL2_TEXT not in await desk.templates("M01")  # the manager has it already
    assert (await desk.clock_of(job, "arrival")).wake_at is None


async def test_a_clock_of_another_subject_escalates_with_the_generic_text(desk: Desk) -> None:
    async with desk.store.unit_of_work() as uow:
        branch_id = await uow.branches.require_id("SH01")
        await start_clock(
            uow,
            desk.settings,
            subject_type="complaint",
            subject_id=7,
            clock="complaint_reply",
            calendar="calendar",
            target=timedelta(hours=24),
            started_at=local(9, 14, 10),
            branch_id=branch_id,
            urgent=False,
            now=local(9, 14, 10),
        )
        await uow.commit()
    await desk.at(local(9, 15, 9))  # the reminder of 05:12, held until the working day
    await desk.at(local(9, 15, 10))
    messages = [m for m in views(await desk.outbox("S01")) if m.template == GENERIC_TEXT]
    steps = [m.params["args"]["step"] for m in messages]
    assert steps == [{"t": "reminder"}, {"t": "overdue"}, {"t": "level 1"}]
    assert messages[-1].params["args"]["clock"] == {"t": "complaint reply"}


async def test_level3_reaches_the_deputy_gm_at_once_and_only_once(desk: Desk) -> None:
    desk.clock.set(local(9, 14, 23))
    for _ in range(2):
        async with desk.store.unit_of_work() as uow:
            ids = await raise_level3(
                uow,
                subject_type="complaint",
                subject_id=9,
                clock="complaint_reply",
                generation=1,
                template=GENERIC_TEXT,
                args={"step": {"t": "level 3"}, "clock": {"t": "complaint reply"}},
                now=local(9, 14, 23),
            )
            await uow.commit()
    messages = await desk.outbox("G01")
    assert [m.next_attempt_at for m in messages] == [local(9, 14, 23)]
    assert ids == []  # the second call fired nothing


# --- issue 11: holes in the holds -------------------------------------------------------------


async def test_a_reminder_held_to_its_deadline_goes_out_the_evening_before(desk: Desk) -> None:
    # Monday 09:00, dispatch in 24 h: the 80 % point (Tuesday 04:12) is held to 09:00, the
    # deadline itself; the supervisor is reminded at Monday 18:00 instead.
    desk.clock.set(local(9, 14, 9))
    job = await desk.job(called_at=local(9, 14, 9))
    assert (await desk.clock_of(job, "assign")).due_at == local(9, 15, 9)
    await desk.at(local(9, 14, 17, 59))
    assert not [
        m
        for m in await desk.outbox("S01")
        if m.params.get("args", {}).get("clock") == {"t": "dispatch"}
    ]
    report = await desk.at(local(9, 14, 18))
    assert ("assign", "reminder") in [(f.clock.clock, f.step) for f in report.fired]
    reminder = only(await desk.outbox("S01"), REMINDER_TEXT, clock="dispatch")
    assert reminder.next_attempt_at == local(9, 14, 18)
    assert reminder.params["args"]["left"] == {
        "t": "{hours} h {minutes} min",
        "args": {"hours": 15, "minutes": 0},
    }
    assert (await desk.clock_of(job, "assign")).wake_at == local(9, 15, 9)
    await desk.at(local(9, 15, 9))
    only(await desk.outbox("S01"), OVERDUE_TEXT, clock="dispatch")
    only(await desk.outbox("S01"), LEVEL1_TEXT, clock="dispatch")
    only(await desk.outbox("S01"), REMINDER_TEXT, clock="dispatch")  # still once


async def test_a_deadline_at_a_windows_end_is_announced_at_that_end(desk: Desk) -> None:
    desk.clock.set(local(9, 14, 11))
    job = await desk.job(called_at=local(9, 14, 11))  # arrival: 6 working hours, due 18:00
    arrival = await desk.clock_of(job, "arrival")
    assert arrival.due_at == local(9, 14, 18) and arrival.wake_at == local(9, 14, 16, 48)
    await desk.at(local(9, 14, 16, 48))
    assert (await desk.clock_of(job, "arrival")).wake_at == local(9, 14, 18)
    report = await desk.at(local(9, 14, 18))
    fired = [(f.clock.clock, f.step) for f in report.fired]
    assert ("arrival", "overdue") in fired and ("arrival", "level1") in fired
    overdue = only(await desk.outbox("S01"), OVERDUE_TEXT, clock="arrival")
    level1 = only(await desk.outbox("S01"), LEVEL1_TEXT, clock="arrival")
    assert overdue.next_attempt_at == level1.next_attempt_at == local(9, 14, 18)
    assert (await desk.clock_of(job, "arrival")).wake_at == local(9, 15, 10)  # level 2


async def test_a_night_emergency_is_carried_over_on_the_make_up_sunday(desk: Desk) -> None:
    desk.clock.set(local(9, 18, 20))  # Friday night
    emergency = await desk.job(called_at=local(9, 18, 20), priority="emergency")
    desk.clock.set(local(9, 19, 15))  # the Saturday is off
    saturday = await desk.job("C002", called_at=local(9, 19, 15))
    desk.clock.set(local(9, 20, 8, 30))  # Sunday 20 September 2026 is a make-up working day
    sunday = await desk.job("C002", called_at=local(9, 20, 8, 30))
    report = await desk.at(local(9, 20, 9))
    assert sorted(report.carried_over) == sorted([emergency.number, saturday.number])
    async with desk.store.unit_of_work(readonly=True) as uow:
        stored = {n: await uow.jobs.by_number(n) for n in (emergency.number, sunday.number)}
    assert stored[emergency.number] is not None and stored[emergency.number].carried_over  # type: ignore[union-attr]
    assert stored[sunday.number] is not None and not stored[sunday.number].carried_over  # type: ignore[union-attr]
    notice = only(await desk.outbox("S01"), CARRY_OVER_TEXT)
    assert emergency.number in notice.params["args"]["numbers"]
    assert sunday.number not in notice.params["args"]["numbers"]
