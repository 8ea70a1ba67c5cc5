"""The clocks of a job (DESIGN.md §4): which start at registration, and how a change of the
job (a transition, a new priority or zone) stops, starts or recomputes them.

Use cases work inside the caller's unit of work and do not commit.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from fieldbot.domain.model import JobState, Priority
from fieldbot.repositories.clocks import ClockRow
from fieldbot.repositories.jobs import JobRecord
from fieldbot.services.contract_terms import job_contract
from fieldbot.services.deadlines.clocks import JOB, Calendars, recompute, start_clock, stop_clock
from fieldbot.services.deadlines.targets import (
    JOB_CLOCK_STATES,
    JOB_CLOCKS,
    WORKSHOP_STATES,
    arrival_working_hours,
    assign_hours,
    contact_hours,
    first_reply_hours,
    is_booked,
    on_time_due,
    receivable_target,
    resolution_target,
    runs_arrival,
    signoff_target,
)
from fieldbot.settings import Settings
from fieldbot.store import UnitOfWork


def _urgent(job: JobRecord, name: str) -> bool:
    """An emergency job's clock steps go out at once (unless the clock is not urgent for
    emergencies: the receivable)."""
    return job.priority is Priority.EMERGENCY and JOB_CLOCKS[name].urgent_for_emergencies


async def _start(
    uow: UnitOfWork,
    settings: Settings,
    job: JobRecord,
    name: str,
    target: timedelta,
    started_at: datetime,
    now: datetime,
    actor: str = "system",
    record: bool = True,
) -> ClockRow:
    """Start (or restart, as a new generation) the job clock ``name`` of the registry
    (:data:`~.targets.JOB_CLOCKS`: its calendar, whether an emergency makes it urgent)."""
    assert job.id is not None
    return await start_clock(
        uow,
        settings,
        subject_type=JOB,
        subject_id=job.id,
        clock=name,
        calendar=JOB_CLOCKS[name].calendar,
        target=target,
        started_at=started_at,
        branch_id=job.branch_id,
        urgent=_urgent(job, name),
        now=now,
        actor=actor,
        record=record,
    )


async def _stop(
    uow: UnitOfWork, settings: Settings, job_id: int, name: str, now: datetime, actor: str
) -> ClockRow | None:
    """Stop the job clock ``name`` (met or missed is final from now on)."""
    return await stop_clock(
        uow, settings, subject_type=JOB, subject_id=job_id, clock=name, now=now, actor=actor
    )


async def start_job_clocks(
    uow: UnitOfWork, settings: Settings, job: JobRecord, now: datetime
) -> list[ClockRow]:
    """The clocks that start at registration (the call time): the first reply of a customer's
    own request; assign; arrival for repairs and
    emergencies (:func:`~.targets.runs_arrival`); resolution unless the kind is booked (then
    it starts at the appointment)."""
    calendar = await Calendars(settings).of(uow, job.branch_id)
    contract = await job_contract(uow, settings, job)
    started: list[ClockRow] = []
    if job.own_request:  # DESIGN.md §4 "first reply", a customer's own request
        started.append(
            await _start(
                uow,
                settings,
                job,
                "first_reply",
                timedelta(hours=first_reply_hours(settings)),
                job.called_at,
                now,
                record=False,
            )
        )
    started.append(
        await _start(
            uow,
            settings,
            job,
            "assign",
            timedelta(hours=assign_hours(settings, job.priority, contract)),
            job.called_at,
            now,
            record=False,
        )
    )
    if runs_arrival(job.kind, job.priority):
        started.append(
            await _start(
                uow,
                settings,
                job,
                "arrival",
                timedelta(hours=arrival_working_hours(settings, job.zone, job.priority, contract)),
                job.called_at,
                now,
                record=False,
            )
        )
    if not is_booked(job.kind, job.priority):
        started.append(
            await _start(
                uow,
                settings,
                job,
                "resolution",
                resolution_target(calendar, settings),
                job.called_at,
                now,
            )
        )
    if job.appointment_at is not None:  # a booked visit planned at intake (maintenance)
        await _appointment_set(uow, settings, job, {}, now, "system")
    return started


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
    contact, arrival stops arrival and on_time, awaiting_signoff or take-back stops resolution,
    sign-off stops signoff, the return stops workshop, cancel stops all); accept starts
    contact, an appointment of a booked job starts on_time (a new one: a new generation) and
    its resolution, awaiting_signoff starts signoff, take-back and carry-in start workshop
    (target: the promised date; a new promised date restarts it); a changed priority or zone
    recomputes the clocks it sets.
    """
    assert after.id is not None
    running = {c.clock: c for c in await uow.clocks.for_subject(JOB, after.id)}
    for name, clock in running.items():
        states = JOB_CLOCK_STATES.get(name)
        if clock.state != "stopped" and states is not None and after.state not in states:
            await _stop(uow, settings, after.id, name, now, actor)
    if after.state is JobState.ACCEPTED and before.state is not JobState.ACCEPTED:
        # Accepted, or back from waiting for a part: a (new) appointment is due.
        await _start(
            uow,
            settings,
            after,
            "contact",
            timedelta(hours=contact_hours(settings, after.priority)),
            now,
            now,
            actor,
        )
    if (
        after.state is JobState.SCHEDULED
        and after.appointment_at is not None
        and (before.state is not after.state or before.appointment_at != after.appointment_at)
    ):
        await _appointment_set(uow, settings, after, running, now, actor)
    if after.state is JobState.AWAITING_SIGNOFF and before.state is not JobState.AWAITING_SIGNOFF:
        calendar = await Calendars(settings).of(uow, after.branch_id)
        target = signoff_target(calendar, settings)
        await _start(uow, settings, after, "signoff", target, now, now, actor)
    if after.state in WORKSHOP_STATES and after.workshop_due_at is not None:
        promised = after.workshop_due_at
        workshop = running.get("workshop")
        taken_back = after.state is JobState.IN_WORKSHOP and before.state in (
            JobState.ON_SITE,
            JobState.REGISTERED,  # carried in
        )
        moved = (
            before.state in WORKSHOP_STATES
            and before.workshop_due_at != promised
            and workshop is not None
            and workshop.state != "stopped"
        )
        if taken_back or moved:
            await _start(
                uow, settings, after, "workshop", max(promised - now, timedelta(0)), now, now, actor
            )
    if before.priority is not after.priority or before.zone is not after.zone:
        await _recompute_job(uow, settings, before, after, now, actor)


async def _appointment_set(
    uow: UnitOfWork,
    settings: Settings,
    job: JobRecord,
    clocks: dict[str, ClockRow],
    now: datetime,
    actor: str,
) -> None:
    """A booked job's visit is due at the appointment plus the tolerance: the on_time clock
    starts (again, as a new generation, when the appointment moves); its resolution clock
    starts at the first appointment, and moves with it while that has not come yet."""
    assert job.appointment_at is not None
    if not is_booked(job.kind, job.priority) or "arrival" in clocks:
        return  # repairs and emergencies run the arrival clock instead
    due = on_time_due(settings, job.appointment_at)
    await _start(uow, settings, job, "on_time", max(due - now, timedelta(0)), now, now, actor)
    resolution = clocks.get("resolution")
    if resolution is None or (resolution.state == "running" and resolution.started_at > now):
        calendar = await Calendars(settings).of(uow, job.branch_id)
        await _start(
            uow,
            settings,
            job,
            "resolution",
            resolution_target(calendar, settings),
            max(job.appointment_at, now),
            now,
            actor,
        )


async def start_receivable_clock(
    uow: UnitOfWork, settings: Settings, job: JobRecord, issued_at: datetime, now: datetime
) -> ClockRow:
    """An invoice was issued: the receivable clock runs until it is recorded paid, also
    after the job is closed (no job state stops it)."""
    return await _start(
        uow, settings, job, "receivable", receivable_target(settings), issued_at, now
    )


async def stop_receivable_clock(
    uow: UnitOfWork, settings: Settings, job_id: int, now: datetime, actor: str
) -> ClockRow | None:
    """The invoice was recorded paid: the receivable clock stops (met or missed)."""
    return await _stop(uow, settings, job_id, "receivable", now, actor)


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
    contract = await job_contract(uow, settings, after)
    if before.priority is not after.priority:
        targets["assign"] = timedelta(hours=assign_hours(settings, after.priority, contract))
        targets["contact"] = timedelta(hours=contact_hours(settings, after.priority))
    if before.priority is not after.priority or before.zone is not after.zone:
        targets["arrival"] = timedelta(
            hours=arrival_working_hours(settings, after.zone, after.priority, contract)
        )
    for clock in await uow.clocks.for_subject(JOB, after.id):
        if clock.state == "stopped" or clock.clock in ("workshop", "receivable"):
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
            urgent=_urgent(after, clock.clock),
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
