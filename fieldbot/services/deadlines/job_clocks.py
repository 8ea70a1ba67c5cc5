"""The clocks of a job (DESIGN.md §4): which start at registration, and how a change of the
job (a transition, a new priority or zone) stops, starts or recomputes them.

Use cases work inside the caller's unit of work and do not commit.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from fieldbot.domain.model import JobState, Priority
from fieldbot.domain.sla import ClockCalendar
from fieldbot.repositories.clocks import ClockRow
from fieldbot.repositories.jobs import JobRecord
from fieldbot.services.deadlines.clocks import JOB, recompute, start_clock, stop_clock
from fieldbot.services.deadlines.targets import (
    JOB_CLOCK_STATES,
    arrival_working_hours,
    assign_hours,
    contact_hours,
    first_reply_hours,
)
from fieldbot.settings import Settings
from fieldbot.store import UnitOfWork


def _urgent(job: JobRecord) -> bool:
    return job.priority is Priority.EMERGENCY


async def start_job_clocks(
    uow: UnitOfWork, settings: Settings, job: JobRecord, now: datetime
) -> list[ClockRow]:
    """The clocks that start at registration (the call time): assign and arrival, and the
    first reply for a customer's own request."""
    assert job.id is not None
    first: list[ClockRow] = []
    if job.own_request:
        first.append(
            await start_clock(
                uow,
                settings,
                subject_type=JOB,
                subject_id=job.id,
                clock="first_reply",
                calendar=ClockCalendar.CALENDAR,
                target=timedelta(hours=first_reply_hours(settings)),
                started_at=job.called_at,
                branch_id=job.branch_id,
                urgent=_urgent(job),
                now=now,
                record=False,
            )
        )
    assign = await start_clock(
        uow,
        settings,
        subject_type=JOB,
        subject_id=job.id,
        clock="assign",
        calendar=ClockCalendar.CALENDAR,
        target=timedelta(hours=assign_hours(settings, job.priority)),
        started_at=job.called_at,
        branch_id=job.branch_id,
        urgent=_urgent(job),
        now=now,
        record=False,
    )
    arrival = await start_clock(
        uow,
        settings,
        subject_type=JOB,
        subject_id=job.id,
        clock="arrival",
        calendar=ClockCalendar.WORKING,
        target=timedelta(hours=arrival_working_hours(settings, job.zone)),
        started_at=job.called_at,
        branch_id=job.branch_id,
        urgent=_urgent(job),
        now=now,
        record=False,
    )
    return [*first, assign, arrival]


async def on_job_transition(
    uow: UnitOfWork,
    settings: Settings,
    before: JobRecord,
    after: JobRecord,
    now: datetime,
    actor: str = "system",
) -> None:
    """Keep the job's clocks in step with a change of the job (call it after saving it).

    Leaving the states a clock runs in stops it (accept stops assign, the appointment stops
    contact, arrival stops arrival, the return stops workshop, cancel stops all); accept
    starts contact, take-back starts workshop (target: the promised date); a changed
    priority or zone recomputes the clocks it sets.
    """
    assert after.id is not None
    running = {c.clock: c for c in await uow.clocks.for_subject(JOB, after.id)}
    for name, clock in running.items():
        states = JOB_CLOCK_STATES.get(name)
        if clock.state != "stopped" and states is not None and after.state not in states:
            await stop_clock(
                uow,
                settings,
                subject_type=JOB,
                subject_id=after.id,
                clock=name,
                now=now,
                actor=actor,
            )
    if after.state is JobState.ACCEPTED and before.state is not JobState.ACCEPTED:
        # Accepted, or back from waiting for a part: a (new) appointment is due.
        await start_clock(
            uow,
            settings,
            subject_type=JOB,
            subject_id=after.id,
            clock="contact",
            calendar=ClockCalendar.CALENDAR,
            target=timedelta(hours=contact_hours(settings, after.priority)),
            started_at=now,
            branch_id=after.branch_id,
            urgent=_urgent(after),
            now=now,
            actor=actor,
        )
    if after.state is JobState.IN_WORKSHOP and before.state is JobState.ON_SITE:
        promised = after.workshop_due_at or now
        await start_clock(
            uow,
            settings,
            subject_type=JOB,
            subject_id=after.id,
            clock="workshop",
            calendar=ClockCalendar.CALENDAR,
            target=max(promised - now, timedelta(0)),
            started_at=now,
            branch_id=after.branch_id,
            urgent=False,
            now=now,
            actor=actor,
        )
    if before.priority is not after.priority or before.zone is not after.zone:
        await _recompute_job(uow, settings, before, after, now, actor)


async def _recompute_job(
    uow: UnitOfWork,
    settings: Settings,
    before: JobRecord,
    after: JobRecord,
    now: datetime,
    actor: str,
) -> None:
    assert after.id is not None
    targets: dict[str, timedelta] = {}
    if before.priority is not after.priority:
        targets["assign"] = timedelta(hours=assign_hours(settings, after.priority))
        targets["contact"] = timedelta(hours=contact_hours(settings, after.priority))
    if before.zone is not after.zone:
        targets["arrival"] = timedelta(hours=arrival_working_hours(settings, after.zone))
    for clock in await uow.clocks.for_subject(JOB, after.id):
        if clock.state == "stopped" or clock.clock == "workshop":
            continue
        if clock.clock not in targets and before.priority is after.priority:
            continue
        reason = "priority" if before.priority is not after.priority else "zone"
        await recompute(
            uow,
            settings,
            subject_type=JOB,
            subject_id=after.id,
            clock=clock.clock,
            now=now,
            actor=actor,
            reason=reason,
            target=targets.get(clock.clock),
            urgent=_urgent(after),
        )


# The order of DESIGN.md §4 (and of ``fieldbot job show --json``'s ``clocks``).
CLOCK_ORDER = (
    "first_reply",
    "assign",
    "contact",
    "arrival",
    "on_time",
    "resolution",
    "signoff",
    "workshop",
    "receivable",
)


async def job_clocks(uow: UnitOfWork, job: JobRecord) -> list[ClockRow]:
    """The clocks a job has had, in the order of §4 (a clock that does not apply is absent):
    a stopped one says met or missed (``met``), a running one its deadline."""
    assert job.id is not None
    found = await uow.clocks.for_subject(JOB, job.id)
    rank = {name: index for index, name in enumerate(CLOCK_ORDER)}
    return sorted(found, key=lambda c: (rank.get(c.clock, len(rank)), c.clock))


def past_deadline(clock: ClockRow, now: datetime) -> bool:
    """A running clock already past its deadline (it will be missed when it stops)."""
    return clock.state == "running" and clock.due_at is not None and clock.due_at < now
