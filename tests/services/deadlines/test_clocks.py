"""Deadline clocks of jobs as use cases on the real store: start at registration, stop on
the job's transitions, met or missed, pause and resume, recomputation (DESIGN.md §4)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from fieldbot.domain.model import JobState, Priority
from fieldbot.repositories.clocks import ClockRow
from fieldbot.repositories.jobs import JobRecord
from fieldbot.services.deadlines.clocks import (
    CLOCK_RECOMPUTED,
    ClockNotRunning,
    PauseNeedsReason,
    pause_clock,
    resume_clock,
    stop_clock,
)
from fieldbot.services.deadlines.job_clocks import on_job_transition
from tests.services.deadlines.conftest import Desk, local


async def _stop(desk: Desk, job: JobRecord, name: str, at: datetime) -> ClockRow:
    assert job.id is not None
    desk.clock.set(at)
    async with desk.store.unit_of_work() as uow:
        stopped = await stop_clock(
            uow, desk.settings, subject_type="job", subject_id=job.id, clock=name, now=at
        )
        await uow.commit()
    assert stopped is not None
    return stopped


async def test_registration_starts_the_assign_and_arrival_clocks_at_the_call(desk: Desk) -> None:
    job = await desk.job(called_at=local(9, 14, 8, 0))
    assign = await desk.clock_of(job, "assign")
    arrival = await desk.clock_of(job, "arrival")
    assert assign.due_at == job.assign_due_at == local(9, 15, 8)
    assert arrival.due_at == job.arrival_due_at == local(9, 14, 16)
    assert (assign.calendar, arrival.calendar) == ("calendar", "working")
    assert arrival.wake_at == local(9, 14, 14, 48)  # the 80 % reminder
    assert assign.state == arrival.state == "running" and not arrival.urgent


async def test_arrival_across_national_day_is_met_until_its_deadline(desk: Desk) -> None:
    called = local(9, 30, 16)
    met = await desk.job(called_at=called)
    missed = await desk.job(called_at=called)
    assert met.arrival_due_at == local(10, 8, 14)
    on_time = await _stop(desk, met, "arrival", local(10, 8, 13, 59))
    late = await _stop(desk, missed, "arrival", local(10, 8, 14, 1))
    assert on_time.met is True and late.met is False
    assert late.elapsed_before_pause_seconds == 6 * 3600 + 60


async def test_arrival_on_the_make_up_sunday_counts_that_day(desk: Desk) -> None:
    called = local(9, 19, 10)  # Saturday
    met = await desk.job(called_at=called)
    missed = await desk.job(called_at=called)
    assert met.arrival_due_at == local(9, 20, 16)
    assert (await _stop(desk, met, "arrival", local(9, 20, 15, 30))).met is True
    assert (await _stop(desk, missed, "arrival", local(9, 20, 16, 30))).met is False


async def test_assign_clock_counts_plain_hours_met_and_missed(desk: Desk) -> None:
    called = local(9, 18, 17, 30)  # Friday evening: 24 h run over the weekend night
    met = await desk.job(called_at=called)
    missed = await desk.job(called_at=called, priority="emergency")
    assert (await _stop(desk, missed, "assign", local(9, 18, 19, 31))).met is False
    assert (await _stop(desk, met, "assign", local(9, 19, 17, 30))).met is True


async def test_a_stopped_clock_is_final(desk: Desk) -> None:
    job = await desk.job(called_at=local(9, 14, 9))
    first = await _stop(desk, job, "arrival", local(9, 14, 10))
    again = await _stop(desk, job, "arrival", local(9, 20, 10))
    assert first.met is True and again == first


async def test_the_job_transitions_stop_and_start_its_clocks(desk: Desk) -> None:
    job = await desk.job(called_at=local(9, 14, 9))
    assert job.id is not None
    now = local(9, 14, 10)
    desk.clock.set(now)
    steps = [
        (JobState.DISPATCHED, {}),
        (JobState.ACCEPTED, {}),
        (JobState.SCHEDULED, {}),
        (JobState.ON_SITE, {}),
        (JobState.IN_WORKSHOP, {"workshop_due_at": local(9, 18, 18)}),
        (JobState.AWAITING_INSPECTION, {}),
        (JobState.READY_FOR_RETURN, {}),
        (JobState.SIGNED_OFF, {}),
    ]
    before = job
    seen: dict[JobState, dict[str, str]] = {}
    for state, extra in steps:
        after = replace(before, state=state, **extra)
        async with desk.store.unit_of_work() as uow:
            await on_job_transition(uow, desk.settings, before, after, now)
            clocks = await uow.clocks.for_subject("job", job.id)
            await uow.commit()
        seen[state] = {c.clock: c.state for c in clocks}
        before = after
    # a repair runs resolution from the call too; the workshop's promised date governs there
    assert seen[JobState.DISPATCHED] == {
        "assign": "running",
        "arrival": "running",
        "resolution": "running",
    }
    assert seen[JobState.ON_SITE]["resolution"] == "running"
    assert seen[JobState.IN_WORKSHOP]["resolution"] == "stopped"
    assert seen[JobState.ACCEPTED]["assign"] == "stopped"
    assert seen[JobState.ACCEPTED]["contact"] == "running"
    assert seen[JobState.SCHEDULED]["contact"] == "stopped"
    assert seen[JobState.ON_SITE]["arrival"] == "stopped"
    assert seen[JobState.IN_WORKSHOP]["workshop"] == "running"
    assert seen[JobState.READY_FOR_RETURN]["workshop"] == "running"
    assert seen[JobState.SIGNED_OFF]["workshop"] == "stopped"
    workshop = await desk.clock_of(job, "workshop")
    assert workshop.due_at == local(9, 18, 18) and workshop.met is True


async def test_cancelling_a_job_stops_every_clock(desk: Desk) -> None:
    job = await desk.job(called_at=local(9, 14, 9))
    async with desk.store.unit_of_work() as uow:
        await on_job_transition(
            uow, desk.settings, job, replace(job, state=JobState.CANCELLED), local(9, 14, 9, 30)
        )
        await uow.commit()
    assert (await desk.clock_of(job, "assign")).state == "stopped"
    assert (await desk.clock_of(job, "arrival")).state == "stopped"


async def test_a_paused_clock_does_not_run_and_resumes_where_it_stopped(desk: Desk) -> None:
    job = await desk.job(called_at=local(9, 14, 9))
    assert job.id is not None
    async with desk.store.unit_of_work() as uow:
        with pytest.raises(PauseNeedsReason):
            await pause_clock(
                uow,
                desk.settings,
                subject_type="job",
                subject_id=job.id,
                clock="arrival",
                reason=" ",
                now=local(9, 14, 10),
                actor="staff:1",
            )
        paused = await pause_clock(
            uow,
            desk.settings,
            subject_type="job",
            subject_id=job.id,
            clock="arrival",
            reason="customer unavailable",
            now=local(9, 14, 11),
            actor="staff:1",
        )
        await uow.commit()
    assert paused.state == "paused" and paused.wake_at is None
    assert paused.elapsed_before_pause_seconds == 2 * 3600
    async with desk.store.unit_of_work() as uow:
        resumed = await resume_clock(
            uow,
            desk.settings,
            subject_type="job",
            subject_id=job.id,
            clock="arrival",
            now=local(9, 15, 9),
            actor="staff:1",
        )
        await uow.commit()
    # 2 h before the pause, 4 h to go from Tuesday 09:00.
    assert resumed.state == "running" and resumed.due_at == local(9, 15, 14)
    assert (await _stop(desk, job, "arrival", local(9, 15, 13))).met is True


async def test_a_changed_priority_recomputes_as_a_new_generation(desk: Desk) -> None:
    job = await desk.job(called_at=local(9, 14, 12))
    assert job.id is not None
    await desk.at(local(9, 15, 9))  # 80 % of 24 h came at 07:12, held until 09:00
    (old,) = await desk.steps(job, "assign")
    assert (old.step, old.generation) == ("reminder", 1)
    now = local(9, 15, 9, 30)
    desk.clock.set(now)
    urgent = replace(job, priority=Priority.EMERGENCY)
    async with desk.store.unit_of_work() as uow:
        await on_job_transition(uow, desk.settings, job, urgent, now)
        await uow.commit()
    async with desk.store.unit_of_work(readonly=True) as uow:
        events = [
            event
            for name in ("assign", "arrival")
            for event in await uow.events.for_subject("deadline", f"job:{job.id}:{name}")
        ]
    assign = await desk.clock_of(job, "assign")
    assert assign.generation == 2 and assign.urgent
    assert assign.target_seconds == 2 * 3600
    # The deadline of an emergency called at 12:00 was 14:00 that day: long past, so the
    # new generation is overdue at once.
    assert assign.due_at == local(9, 14, 14)
    recomputed = [e for e in events if e.kind == CLOCK_RECOMPUTED]
    assert {e.payload["clock"] for e in recomputed} == {"assign", "arrival"}
    await desk.at(now)
    fired = {(s.generation, s.step) for s in await desk.steps(job, "assign")}
    # The old generation's reminder does not count: the new ladder fires its own steps.
    assert fired == {(1, "reminder"), (2, "overdue"), (2, "level1")}


async def test_a_stopped_clock_cannot_be_paused(desk: Desk) -> None:
    job = await desk.job(called_at=local(9, 14, 9))
    assert job.id is not None
    await _stop(desk, job, "arrival", local(9, 14, 10))
    async with desk.store.unit_of_work() as uow:
        with pytest.raises(ClockNotRunning):
            await pause_clock(
                uow,
                desk.settings,
                subject_type="job",
                subject_id=job.id,
                clock="arrival",
                reason="waiting for a part",
                now=local(9, 14, 11),
                actor="staff:1",
            )


async def test_a_part_delivered_restarts_the_contact_clock_for_a_new_appointment(
    desk: Desk,
) -> None:
    job = await desk.job(called_at=local(9, 14, 9))
    assert job.id is not None
    now = local(9, 14, 10)
    desk.clock.set(now)
    accepted = replace(job, state=JobState.ACCEPTED)
    waiting = replace(job, state=JobState.WAITING_PART)
    async with desk.store.unit_of_work() as uow:
        await on_job_transition(
            uow, desk.settings, replace(job, state=JobState.DISPATCHED), accepted, now
        )
        await on_job_transition(uow, desk.settings, waiting, accepted, local(9, 15, 10))
        await uow.commit()
    contact = await desk.clock_of(job, "contact")
    assert contact.generation == 2 and contact.due_at == local(9, 16, 10)
