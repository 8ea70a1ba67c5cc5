"""Recomputing deadlines: a priority changed by /override, a calendar override, a resume. The
job's due instants follow its clocks; the old generation's steps never fire."""

from __future__ import annotations

from datetime import date

from fieldbot.repositories.jobs import JobRecord
from fieldbot.services.calendar_overrides import remove_override, set_override
from fieldbot.services.deadlines import clocks as deadlines
from fieldbot.services.jobs import override_job
from tests.services.deadlines.conftest import Desk, local


async def _job_now(desk: Desk, job: JobRecord) -> JobRecord:
    assert job.id is not None
    async with desk.store.unit_of_work(readonly=True) as uow:
        found = await uow.jobs.get(job.id)
    assert found is not None
    return found


async def _events(desk: Desk, job: JobRecord, clock: str) -> list[dict[str, object]]:
    assert job.id is not None
    async with desk.store.unit_of_work(readonly=True) as uow:
        found = await uow.events.for_subject("deadline", f"job:{job.id}:{clock}")
    return [dict(e.payload) | {"kind": e.kind} for e in found]


async def _holiday(desk: Desk, day: date, branch: str | None, *, remove: bool = False) -> None:
    async with desk.store.unit_of_work() as uow:
        use_case = remove_override if remove else set_override
        await use_case(
            uow,
            desk.clock,
            day=day,
            is_working=False,
            branch_code=branch,
            actor="admin:test",
            settings=desk.settings,
        )
        await uow.commit()


async def test_priority_raised_to_emergency_recomputes_dispatch_as_a_new_generation(
    desk: Desk,
) -> None:
    desk.clock.set(local(9, 14, 9))
    job = await desk.job()
    desk.clock.set(local(9, 14, 10))
    async with desk.store.unit_of_work() as uow:
        changed = await override_job(
            uow,
            desk.settings,
            desk.clock,
            job=job.number,
            actor="S01",
            reason="冷库全停",
            priority="emergency",
        )
        await uow.commit()
    assign = await desk.clock_of(job, "assign")
    assert assign.generation == 2 and assign.urgent
    assert assign.target_seconds == 2 * 3600
    assert assign.due_at == local(9, 14, 11)  # an hour used, two allowed
    assert changed.assign_due_at == local(9, 14, 11)
    assert (await _job_now(desk, job)).assign_due_at == local(9, 14, 11)
    recomputed = [
        e for e in await _events(desk, job, "assign") if e["kind"] == "deadline.recomputed"
    ]
    assert recomputed and recomputed[0]["reason"] == "priority"
    assert recomputed[0]["old_generation"] == 1 and recomputed[0]["generation"] == 2
    await desk.at(local(9, 14, 10, 40))
    await desk.at(local(9, 15, 9))
    steps = await desk.steps(job, "assign")
    assert {s.step for s in steps} >= {"reminder", "overdue", "level1"}
    assert {s.generation for s in steps} == {2}


async def test_a_holiday_added_company_wide_moves_a_running_arrival_deadline(
    desk: Desk,
) -> None:
    desk.clock.set(local(9, 14, 14))
    job = await desk.job()  # 4 working hours Monday (to 18:00), 2 on Tuesday
    assert job.arrival_due_at == local(9, 15, 11)
    desk.clock.set(local(9, 14, 15))
    await _holiday(desk, date(2026, 9, 15), None)
    arrival = await desk.clock_of(job, "arrival")
    assert arrival.generation == 2 and arrival.due_at == local(9, 16, 11)
    assert (await _job_now(desk, job)).arrival_due_at == local(9, 16, 11)
    kinds = [e for e in await _events(desk, job, "arrival") if e["kind"] == "deadline.recomputed"]
    assert kinds and kinds[0]["reason"] == "calendar"
    assign = await desk.clock_of(job, "assign")
    assert assign.generation == 1  # calendar hours: a holiday does not move it
    await _holiday(desk, date(2026, 9, 15), None, remove=True)
    arrival = await desk.clock_of(job, "arrival")
    assert arrival.generation == 3 and arrival.due_at == local(9, 15, 11)


async def test_a_holiday_of_another_branch_leaves_the_clock_alone(desk: Desk) -> None:
    desk.clock.set(local(9, 14, 14))
    job = await desk.job()
    await _holiday(desk, date(2026, 9, 15), "SH02")
    arrival = await desk.clock_of(job, "arrival")
    assert arrival.generation == 1 and arrival.due_at == local(9, 15, 11)
    await _holiday(desk, date(2026, 9, 15), "SH01")
    assert (await desk.clock_of(job, "arrival")).due_at == local(9, 16, 11)


async def test_a_paused_clock_is_not_recomputed_and_its_resume_moves_the_job_deadline(
    desk: Desk,
) -> None:
    desk.clock.set(local(9, 14, 9))
    job = await desk.job()
    assert job.id is not None
    async with desk.store.unit_of_work() as uow:
        await deadlines.pause_clock(
            uow,
            desk.settings,
            subject_type="job",
            subject_id=job.id,
            clock="arrival",
            reason="customer unavailable",
            now=local(9, 14, 10),
            actor="staff:1",
        )
        await uow.commit()
    desk.clock.set(local(9, 14, 11))
    await _holiday(desk, date(2026, 9, 15), None)
    paused = await desk.clock_of(job, "arrival")
    assert paused.state == "paused" and paused.generation == 1
    version = (await _job_now(desk, job)).version
    async with desk.store.unit_of_work() as uow:
        resumed = await deadlines.resume_clock(
            uow,
            desk.settings,
            subject_type="job",
            subject_id=job.id,
            clock="arrival",
            now=local(9, 14, 14),
            actor="staff:1",
        )
        await uow.commit()
    # one hour used before the pause; five more from 14:00 Monday: 4 today, 1 on Wednesday
    assert resumed.due_at == local(9, 16, 10)
    after = await _job_now(desk, job)
    assert after.arrival_due_at == local(9, 16, 10)
    assert after.version == version  # the deadline follows the clock: buttons stay valid
