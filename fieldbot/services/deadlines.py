"""Deadline clocks and their escalation ladder (DESIGN.md §4): the use cases.

Start, stop, pause, resume and recompute a clock; acknowledge a level 1 escalation; fire the
steps of a clock that are due (the scheduler calls :func:`advance_ladder`), each exactly once:
the fired-step row and the messages it causes are written in the caller's unit of work.

A clock row is keyed (subject type, subject id, clock name). Its ``started_at`` is the start
of its current running stretch (its start, or its last resume); ``elapsed_before_pause_seconds``
is what it ran before that. The original start is in the ``deadline.started`` event.

Use cases work inside the caller's unit of work and do not commit.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from fieldbot.domain.calendar import WorkCalendar
from fieldbot.domain.errors import DomainError
from fieldbot.domain.model import JobState, Priority, Role
from fieldbot.domain.sla import (
    ClockCalendar,
    Ladder,
    Step,
    elapsed,
    is_met,
    measure,
    plan_ladder,
)
from fieldbot.i18n import N_
from fieldbot.labels import PRIORITY_NAMES
from fieldbot.repositories.clocks import ClockRow, FiredStep
from fieldbot.repositories.jobs import JobRecord
from fieldbot.repositories.outbox import OutboxRepository
from fieldbot.repositories.people import StaffRow
from fieldbot.services.calendars import calendar_of
from fieldbot.services.jobs import arrival_working_hours, assign_hours, contact_hours
from fieldbot.settings import Settings
from fieldbot.store import UnitOfWork

log = logging.getLogger("fieldbot.deadlines")

JOB = "job"
DEADLINE = "deadline"  # the subject of the clocks' audit events: ``job:12:arrival``
ACK_ACTION = "deadline.ack"
ACKNOWLEDGE = N_("Acknowledge")

CLOCK_STARTED = "deadline.started"
CLOCK_STOPPED = "deadline.stopped"
CLOCK_PAUSED = "deadline.paused"
CLOCK_RESUMED = "deadline.resumed"
CLOCK_RECOMPUTED = "deadline.recomputed"
STEP_FIRED = "deadline.step_fired"
ACKNOWLEDGED = "deadline.acknowledged"

CLOCK_NAMES: dict[str, str] = {
    "assign": N_("dispatch"),
    "contact": N_("contacting the customer"),
    "arrival": N_("arrival"),
    "workshop": N_("workshop repair"),
    "complaint_reply": N_("complaint reply"),
    "complaint_verify": N_("complaint verification"),
    "survey": N_("survey"),
}

REMINDER_TEXT = N_("Reminder: {clock} at {customer} is due {due}, {left} left (job {number}).")
OVERDUE_TEXT = N_("Overdue: {clock} at {customer} was due {due} (job {number}).")
LEVEL1_TEXT = N_(
    "Escalation: {clock} at {customer} overdue since {due}. Job {number}, {priority}, {technician}."
)
LEVEL2_TEXT = N_(
    "Level 2: {clock} at {customer} overdue since {due}, job {number}; no supervisor acknowledged."
)
GENERIC_TEXT = N_("Deadline {step}: {clock} of {subject} {id}, due {due}.")
LEFT_HOURS = N_("{hours} h {minutes} min")
LEFT_MINUTES = N_("{minutes} min")
NOBODY_YET = N_("not assigned yet")
STEP_NAMES: dict[str, str] = {
    Step.REMINDER: N_("reminder"),
    Step.OVERDUE: N_("overdue"),
    Step.LEVEL1: N_("level 1"),
    Step.LEVEL2: N_("level 2"),
    Step.LEVEL3: N_("level 3"),
}

# Job states in which each job clock runs; a transition out of them stops it.
JOB_CLOCK_STATES: dict[str, frozenset[JobState]] = {
    "assign": frozenset({JobState.REGISTERED, JobState.DISPATCHED}),
    "contact": frozenset({JobState.ACCEPTED}),
    "arrival": frozenset(
        {
            JobState.REGISTERED,
            JobState.DISPATCHED,
            JobState.ACCEPTED,
            JobState.SCHEDULED,
            JobState.EN_ROUTE,
        }
    ),
    "workshop": frozenset(
        {JobState.IN_WORKSHOP, JobState.AWAITING_INSPECTION, JobState.READY_FOR_RETURN}
    ),
}


class UnknownClock(DomainError):
    code = "unknown_clock"


class ClockNotRunning(DomainError):
    code = "clock_not_running"


class ClockNotPaused(DomainError):
    code = "clock_not_paused"


class PauseNeedsReason(DomainError):
    code = "pause_needs_reason"


def deadline_id(subject_type: str, subject_id: int, clock: str) -> str:
    """The audit subject id of one clock: every clock has its own trail of events."""
    return f"{subject_type}:{subject_id}:{clock}"


# --- calendars --------------------------------------------------------------------------------


@dataclass(slots=True)
class Calendars:
    """Calendars by branch id (None: the company's), read once per unit of work."""

    settings: Settings
    _by_branch: dict[int | None, WorkCalendar] = field(default_factory=dict)

    async def of(self, uow: UnitOfWork, branch_id: int | None) -> WorkCalendar:
        found = self._by_branch.get(branch_id)
        if found is None:
            branch = None if branch_id is None else await uow.branches.by_id(branch_id)
            found = await calendar_of(uow, self.settings, branch)
            self._by_branch[branch_id] = found
        return found


def _target(clock: ClockRow) -> timedelta:
    return timedelta(seconds=clock.target_seconds)


def _before(clock: ClockRow) -> timedelta:
    return timedelta(seconds=clock.elapsed_before_pause_seconds)


def clock_elapsed(clock: ClockRow, calendar: WorkCalendar, now: datetime) -> timedelta:
    """The clock's time at ``now`` (frozen while paused, final once stopped)."""
    if clock.state == "running":
        return elapsed(clock.calendar, calendar, clock.started_at, _before(clock), now)
    return _before(clock)


async def _fired(uow: UnitOfWork, clock: ClockRow) -> dict[Step, FiredStep]:
    steps = await uow.steps.for_subject(clock.subject_type, clock.subject_id, clock.clock)
    return {
        Step(s.step): s
        for s in steps
        if s.generation == clock.generation and s.step in _STEP_VALUES
    }


_STEP_VALUES = frozenset(step.value for step in Step)


def ladder_of(
    clock: ClockRow,
    calendar: WorkCalendar,
    settings: Settings,
    level1: FiredStep | None,
) -> Ladder:
    """Where the ladder of a running clock stands (its reminder, deadline and level 2)."""
    return plan_ladder(
        clock.calendar,
        calendar,
        clock.started_at,
        _before(clock),
        _target(clock),
        percent=settings.reminder_percent,
        urgent=clock.urgent,
        level1_fired_at=None if level1 is None else level1.fired_at,
        level2_hours=settings.level2_working_hours,
    )


async def _scheduled(
    uow: UnitOfWork, settings: Settings, clock: ClockRow, calendar: WorkCalendar
) -> ClockRow:
    """The clock with ``due_at`` and ``wake_at`` set from its ladder (running clocks only)."""
    if clock.state != "running":
        return replace(clock, wake_at=None)
    fired = await _fired(uow, clock)
    ladder = ladder_of(clock, calendar, settings, fired.get(Step.LEVEL1))
    acknowledged = _acknowledged(fired)
    return replace(clock, due_at=ladder.due_at, wake_at=ladder.next_wake(set(fired), acknowledged))


def _acknowledged(fired: Mapping[Step, FiredStep]) -> bool:
    level1 = fired.get(Step.LEVEL1)
    return level1 is not None and level1.acknowledged_at is not None


# --- use cases --------------------------------------------------------------------------------


async def start_clock(
    uow: UnitOfWork,
    settings: Settings,
    *,
    subject_type: str,
    subject_id: int,
    clock: str,
    calendar: ClockCalendar | str,
    target: timedelta,
    started_at: datetime,
    branch_id: int | None,
    urgent: bool,
    now: datetime,
    actor: str = "system",
    record: bool = True,
) -> ClockRow:
    """Start (or restart, as a new generation) a clock; returns it scheduled. ``record``
    False: the caller's own event already says so (``job.registered`` has the deadlines)."""
    calendars = Calendars(settings)
    work_calendar = await calendars.of(uow, branch_id)
    row = ClockRow(
        subject_type=subject_type,
        subject_id=subject_id,
        clock=clock,
        calendar=ClockCalendar(calendar).value,
        target_seconds=max(int(target.total_seconds()), 0),
        started_at=started_at,
        branch_id=branch_id,
        urgent=urgent,
    )
    started = await uow.clocks.start(row, now)
    started = await uow.clocks.save(await _scheduled(uow, settings, started, work_calendar), now)
    if not record:
        return started
    await uow.events.append(
        actor,
        CLOCK_STARTED,
        DEADLINE,
        deadline_id(subject_type, subject_id, clock),
        {
            "clock": clock,
            "generation": started.generation,
            "calendar": started.calendar,
            "target_seconds": started.target_seconds,
            "started_at": started_at,
            "due_at": started.due_at,
            "urgent": urgent,
        },
        now,
    )
    return started


async def _require(uow: UnitOfWork, subject_type: str, subject_id: int, clock: str) -> ClockRow:
    found = await uow.clocks.get(subject_type, subject_id, clock)
    if found is None:
        raise UnknownClock(
            f"{subject_type} {subject_id} has no {clock} clock",
            subject_type=subject_type,
            subject_id=subject_id,
            clock=clock,
        )
    return found


async def stop_clock(
    uow: UnitOfWork,
    settings: Settings,
    *,
    subject_type: str,
    subject_id: int,
    clock: str,
    now: datetime,
    actor: str = "system",
) -> ClockRow | None:
    """Stop a clock and decide met or missed, once: a stopped (or missing) clock is left
    alone (None when there is none)."""
    found = await uow.clocks.get(subject_type, subject_id, clock)
    if found is None or found.state == "stopped":
        return found
    calendar = await Calendars(settings).of(uow, found.branch_id)
    spent = clock_elapsed(found, calendar, now)
    met = is_met(spent, _target(found))
    stopped = await uow.clocks.save(
        replace(
            found,
            state="stopped",
            stopped_at=now,
            elapsed_before_pause_seconds=spent.total_seconds(),
            paused_at=None,
            wake_at=None,
            met=met,
        ),
        now,
    )
    await uow.events.append(
        actor,
        CLOCK_STOPPED,
        DEADLINE,
        deadline_id(subject_type, subject_id, clock),
        {
            "clock": clock,
            "generation": stopped.generation,
            "elapsed_seconds": spent.total_seconds(),
            "target_seconds": stopped.target_seconds,
            "met": met,
        },
        now,
    )
    return stopped


async def pause_clock(
    uow: UnitOfWork,
    settings: Settings,
    *,
    subject_type: str,
    subject_id: int,
    clock: str,
    reason: str,
    now: datetime,
    actor: str,
) -> ClockRow:
    """Pause a running clock (customer unavailable, waiting for a part, ...): it stops
    counting and never escalates until resumed."""
    if not reason.strip():
        raise PauseNeedsReason("pausing a deadline needs a reason", clock=clock)
    found = await _require(uow, subject_type, subject_id, clock)
    if found.state != "running":
        raise ClockNotRunning(f"the {clock} clock is {found.state}", clock=clock)
    calendar = await Calendars(settings).of(uow, found.branch_id)
    spent = clock_elapsed(found, calendar, now)
    paused = await uow.clocks.save(
        replace(
            found,
            state="paused",
            paused_at=now,
            pause_reason=reason.strip(),
            elapsed_before_pause_seconds=spent.total_seconds(),
            due_at=None,
            wake_at=None,
        ),
        now,
    )
    await uow.events.append(
        actor,
        CLOCK_PAUSED,
        DEADLINE,
        deadline_id(subject_type, subject_id, clock),
        {"clock": clock, "reason": reason.strip(), "elapsed_seconds": spent.total_seconds()},
        now,
    )
    return paused


async def resume_clock(
    uow: UnitOfWork,
    settings: Settings,
    *,
    subject_type: str,
    subject_id: int,
    clock: str,
    now: datetime,
    actor: str,
) -> ClockRow:
    """Resume a paused clock from where it stopped; its deadline moves by the pause."""
    found = await _require(uow, subject_type, subject_id, clock)
    if found.state != "paused":
        raise ClockNotPaused(f"the {clock} clock is {found.state}", clock=clock)
    calendar = await Calendars(settings).of(uow, found.branch_id)
    running = replace(found, state="running", started_at=now, paused_at=None, pause_reason=None)
    resumed = await uow.clocks.save(await _scheduled(uow, settings, running, calendar), now)
    await sync_job_deadline(uow, resumed, now)
    await uow.events.append(
        actor,
        CLOCK_RESUMED,
        DEADLINE,
        deadline_id(subject_type, subject_id, clock),
        {"clock": clock, "due_at": resumed.due_at},
        now,
    )
    return resumed


async def recompute(
    uow: UnitOfWork,
    settings: Settings,
    *,
    subject_type: str,
    subject_id: int,
    clock: str,
    now: datetime,
    actor: str,
    reason: str,
    target: timedelta | None = None,
    urgent: bool | None = None,
    calendar: ClockCalendar | str | None = None,
    branch_id: int | None = None,
) -> ClockRow:
    """A changed priority, zone or calendar: the clock keeps its start (and the time it ran
    before any pause) but gets a new target (and urgency, calendar), as a new generation: the
    steps fired for the old one no longer count and the new ladder starts from nothing. Its
    time is counted again on the calendar as it is now, so a holiday added for a day the clock
    already ran through is taken out of it too."""
    found = await _require(uow, subject_type, subject_id, clock)
    if found.state == "stopped":
        raise ClockNotRunning(f"the {clock} clock is stopped", clock=clock)
    calendars = Calendars(settings)
    changed = replace(
        found,
        target_seconds=found.target_seconds
        if target is None
        else max(int(target.total_seconds()), 0),
        urgent=found.urgent if urgent is None else urgent,
        calendar=found.calendar if calendar is None else ClockCalendar(calendar).value,
        branch_id=found.branch_id if branch_id is None else branch_id,
    )
    restarted = await uow.clocks.start(changed, now)
    new_calendar = await calendars.of(uow, restarted.branch_id)
    if restarted.state == "paused":
        restarted = replace(restarted, due_at=None, wake_at=None)
    restarted = await uow.clocks.save(await _scheduled(uow, settings, restarted, new_calendar), now)
    await sync_job_deadline(uow, restarted, now)
    await uow.events.append(
        actor,
        CLOCK_RECOMPUTED,
        DEADLINE,
        deadline_id(subject_type, subject_id, clock),
        {
            "clock": clock,
            "reason": reason,
            "old_generation": found.generation,
            "generation": restarted.generation,
            "old_target_seconds": found.target_seconds,
            "target_seconds": restarted.target_seconds,
            "urgent": restarted.urgent,
            "calendar": restarted.calendar,
            "due_at": restarted.due_at,
        },
        now,
    )
    return restarted


# The job columns that show where each job clock's deadline is (the workshop's is the date
# promised to the customer, not a clock's).
JOB_DUE_COLUMNS = {
    "assign": "assign_due_at",
    "contact": "contact_due_at",
    "arrival": "arrival_due_at",
}


async def sync_job_deadline(uow: UnitOfWork, clock: ClockRow, now: datetime) -> None:
    """Copy a running job clock's deadline to the job's row (the call log and the cards read
    it there)."""
    column = JOB_DUE_COLUMNS.get(clock.clock)
    if clock.subject_type != JOB or column is None or clock.state != "running":
        return
    await uow.jobs.set_deadlines(clock.subject_id, {column: clock.due_at}, now)


async def recompute_for_calendar(
    uow: UnitOfWork,
    settings: Settings,
    branch_code: str | None,
    now: datetime,
    actor: str,
) -> list[ClockRow]:
    """A calendar override changed the working days of a branch (None: of every branch):
    each running working-hours clock there whose deadline moves is recomputed as a new
    generation (its job's due instant follows, an event says so). Returns those clocks."""
    branch_id: int | None = None
    if branch_code is not None:
        branch_id = await uow.branches.id_of(branch_code)
        if branch_id is None:
            return []
    calendars = Calendars(settings)
    moved: list[ClockRow] = []
    for clock in await uow.clocks.open_on(ClockCalendar.WORKING.value, branch_id):
        if clock.state != "running":
            continue  # a paused clock does not count: its deadline is set when it resumes
        calendar = await calendars.of(uow, clock.branch_id)
        fired = await _fired(uow, clock)
        due = ladder_of(clock, calendar, settings, fired.get(Step.LEVEL1)).due_at
        if due == clock.due_at:
            continue
        moved.append(
            await recompute(
                uow,
                settings,
                subject_type=clock.subject_type,
                subject_id=clock.subject_id,
                clock=clock.clock,
                now=now,
                actor=actor,
                reason="calendar",
            )
        )
    return moved


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    """The result of pressing Acknowledge: ``first`` when this press stopped the ladder;
    otherwise ``by`` is who did before (None: the breach is gone)."""

    first: bool
    clock: ClockRow | None
    by: StaffRow | None = None


async def acknowledge(
    uow: UnitOfWork,
    settings: Settings,
    *,
    staff_id: int,
    subject_type: str,
    subject_id: int,
    clock: str,
    generation: int,
    now: datetime,
) -> Acknowledgement:
    """A supervisor acknowledges the level 1 of a breach: the first one stops the ladder for
    that breach (level 2 will not fire); the clock runs on."""
    found = await uow.clocks.get(subject_type, subject_id, clock)
    first = await uow.steps.acknowledge(
        subject_type, subject_id, clock, generation, Step.LEVEL1, staff_id, now
    )
    if not first:
        step = await uow.steps.get(subject_type, subject_id, clock, generation, Step.LEVEL1)
        by = None
        if step is not None and step.acknowledged_by is not None:
            by = await uow.staff.row_by_id(step.acknowledged_by)
        return Acknowledgement(False, found, by)
    if found is not None and found.generation == generation and found.state == "running":
        calendar = await Calendars(settings).of(uow, found.branch_id)
        found = await uow.clocks.save(await _scheduled(uow, settings, found, calendar), now)
    await uow.events.append(
        f"staff:{staff_id}",
        ACKNOWLEDGED,
        DEADLINE,
        deadline_id(subject_type, subject_id, clock),
        {"clock": clock, "generation": generation, "step": Step.LEVEL1},
        now,
    )
    return Acknowledgement(True, found)


# --- job clocks -------------------------------------------------------------------------------


def _urgent(job: JobRecord) -> bool:
    return job.priority is Priority.EMERGENCY


async def start_job_clocks(
    uow: UnitOfWork, settings: Settings, job: JobRecord, now: datetime
) -> list[ClockRow]:
    """The clocks that start at registration (the call time): assign and arrival."""
    assert job.id is not None
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
    return [assign, arrival]


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


# --- the ladder -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Fired:
    clock: ClockRow
    step: Step
    messages: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class _About:
    """What the messages of a clock's steps say about its subject."""

    args: dict[str, Any]
    owners: list[StaffRow]  # who owns the next step (reminder, overdue)
    tz: str


async def supervisors(uow: UnitOfWork, branch_id: int | None) -> list[StaffRow]:
    """The branch's supervisors bound to a chat."""
    found = []
    if branch_id is not None:
        branch = await uow.branches.by_id(branch_id)
        if branch is not None:
            found = await uow.staff.rows(branch=branch.code, role=Role.SUPERVISOR)
    return [row for row in found if row.chat_id is not None]


async def supervisors_or_managers(uow: UnitOfWork, branch_id: int | None) -> list[StaffRow]:
    """The branch's supervisors bound to a chat; none: the managers."""
    return await supervisors(uow, branch_id) or await managers(uow, branch_id)


async def managers(uow: UnitOfWork, branch_id: int | None) -> list[StaffRow]:
    """The branch's managers bound to a chat, else every manager bound to one."""
    everyone = await uow.staff.rows(role=Role.MANAGER)
    bound = [row for row in everyone if row.chat_id is not None]
    own = [row for row in bound if branch_id is not None and row.branch_id == branch_id]
    return own or bound


async def _about(
    uow: UnitOfWork, clock: ClockRow, calendar: WorkCalendar, due_at: datetime
) -> _About:
    due = {"dt": due_at.isoformat(), "tz": calendar.timezone, "fmt": "short"}
    name = {"t": CLOCK_NAMES.get(clock.clock, clock.clock)}
    if clock.subject_type == JOB:
        job = await uow.jobs.get(clock.subject_id)
        if job is not None:
            technician = (
                None if job.technician_id is None else await uow.staff.row_by_id(job.technician_id)
            )
            owners: list[StaffRow]
            if clock.clock != "assign" and technician is not None and technician.chat_id:
                owners = [technician]
            else:
                owners = await supervisors_or_managers(uow, job.branch_id)
            return _About(
                args={
                    "clock": name,
                    "customer": {"customer": job.customer_id, "field": "name"},
                    "due": due,
                    "number": job.number,
                    "priority": {"t": PRIORITY_NAMES[job.priority]},
                    "technician": technician.staff.name if technician else {"t": NOBODY_YET},
                },
                owners=owners,
                tz=calendar.timezone,
            )
    return _About(
        args={"clock": name, "subject": clock.subject_type, "id": clock.subject_id, "due": due},
        owners=await supervisors_or_managers(uow, clock.branch_id),
        tz=calendar.timezone,
    )


def left_arg(remaining: timedelta) -> dict[str, Any]:
    minutes = max(int(remaining.total_seconds() // 60), 0)
    if minutes >= 60:
        return {"t": LEFT_HOURS, "args": {"hours": minutes // 60, "minutes": minutes % 60}}
    return {"t": LEFT_MINUTES, "args": {"minutes": minutes}}


async def _send(
    uow: UnitOfWork,
    calendars: Calendars,
    clock: ClockRow,
    step: Step,
    recipients: Sequence[StaffRow],
    template: str,
    args: Mapping[str, Any],
    now: datetime,
    *,
    acknowledge_button: bool = False,
    left_until: datetime | None = None,
) -> list[int]:
    """Queue the step's message to each recipient bound to a chat, now (the ladder fires a
    step only when it may be delivered). Returns the outbox ids."""
    ids: list[int] = []
    params_args = dict(args)
    if left_until is not None:
        calendar = await calendars.of(uow, clock.branch_id)
        params_args["left"] = left_arg(measure(clock.calendar, calendar, now, left_until))
    for row in recipients:
        if row.chat_id is None:
            continue
        params: dict[str, Any] = {"args": params_args}
        if acknowledge_button and row.telegram_user_id is not None:
            token = await uow.buttons.create(
                row.telegram_user_id,
                ACK_ACTION,
                {
                    "subject_type": clock.subject_type,
                    "subject_id": clock.subject_id,
                    "clock": clock.clock,
                    "generation": clock.generation,
                },
                now,
            )
            params["buttons"] = [[{"label": ACKNOWLEDGE, "token": token}]]
        message_id = await uow.outbox.enqueue(
            chat_id=row.chat_id,
            recipient_kind="staff",
            recipient_id=row.id,
            template=template,
            params=params,
            now=now,
            # a reminder informs; a missed deadline and the levels above it are escalations
            priority=OutboxRepository.PRIORITY_NORMAL
            if step is Step.REMINDER
            else OutboxRepository.PRIORITY_ESCALATION,
            dedupe_key=(
                f"step:{clock.subject_type}:{clock.subject_id}:{clock.clock}:"
                f"{clock.generation}:{step}:{row.id}"
            ),
        )
        if message_id is not None:
            ids.append(message_id)
    return ids


def _template(clock: ClockRow, step: Step, job_template: str) -> str:
    return job_template if clock.subject_type == JOB else GENERIC_TEXT


def _args(clock: ClockRow, step: Step, about: _About) -> dict[str, Any]:
    if clock.subject_type == JOB:
        return dict(about.args)
    return {**about.args, "step": {"t": STEP_NAMES[step]}}


async def advance_ladder(
    uow: UnitOfWork,
    settings: Settings,
    clock: ClockRow,
    now: datetime,
    calendars: Calendars | None = None,
) -> tuple[ClockRow, list[Fired]]:
    """Fire the steps of a running clock that are due at ``now`` (each exactly once: a step
    another sweep fired already sends nothing) and schedule its next wake."""
    calendars = calendars or Calendars(settings)
    if clock.state != "running":
        return clock, []
    calendar = await calendars.of(uow, clock.branch_id)
    fired = await _fired(uow, clock)
    ladder = ladder_of(clock, calendar, settings, fired.get(Step.LEVEL1))
    done: list[Fired] = []
    due = ladder.due_steps(now, set(fired), _acknowledged(fired))
    about = await _about(uow, clock, calendar, ladder.due_at) if due else None
    for step in due:
        assert about is not None
        if not await uow.steps.fire(
            clock.subject_type, clock.subject_id, clock.clock, clock.generation, step, now
        ):
            continue
        ids = await _fire(uow, settings, calendars, clock, step, about, ladder, now)
        done.append(Fired(clock, step, tuple(ids)))
        await uow.events.append(
            "system",
            STEP_FIRED,
            DEADLINE,
            deadline_id(clock.subject_type, clock.subject_id, clock.clock),
            {"clock": clock.clock, "generation": clock.generation, "step": step, "messages": ids},
            now,
        )
    saved = await uow.clocks.save(await _scheduled(uow, settings, clock, calendar), now)
    return saved, done


async def _fire(
    uow: UnitOfWork,
    settings: Settings,
    calendars: Calendars,
    clock: ClockRow,
    step: Step,
    about: _About,
    ladder: Ladder,
    now: datetime,
) -> list[int]:
    args = _args(clock, step, about)
    if step is Step.REMINDER:
        return await _send(
            uow,
            calendars,
            clock,
            step,
            about.owners,
            _template(clock, step, REMINDER_TEXT),
            args,
            now,
            left_until=ladder.due_at,
        )
    if step is Step.OVERDUE:
        ids = await _send(
            uow,
            calendars,
            clock,
            step,
            about.owners,
            _template(clock, step, OVERDUE_TEXT),
            args,
            now,
        )
        return ids
    if step is Step.LEVEL1:
        recipients = await supervisors_or_managers(uow, clock.branch_id)
        ids = await _send(
            uow,
            calendars,
            clock,
            step,
            recipients,
            _template(clock, step, LEVEL1_TEXT),
            args,
            now,
            acknowledge_button=True,
        )
        return ids
    if step is Step.LEVEL2:
        if not await supervisors(uow, clock.branch_id):
            return []  # level 1 already went to the managers
        ids = await _send(
            uow,
            calendars,
            clock,
            step,
            await managers(uow, clock.branch_id),
            _template(clock, step, LEVEL2_TEXT),
            args,
            now,
        )
        return ids
    raise ValueError(f"the sweep does not fire {step}")  # pragma: no cover


async def raise_level3(
    uow: UnitOfWork,
    *,
    subject_type: str,
    subject_id: int,
    clock: str,
    generation: int,
    template: str,
    args: Mapping[str, Any],
    now: datetime,
) -> list[int]:
    """Level 3: tell every deputy GM at once, day or night (a serious complaint). Fires once
    per (subject, clock, generation); returns the outbox ids (empty when it fired before)."""
    if not await uow.steps.fire(subject_type, subject_id, clock, generation, Step.LEVEL3, now):
        return []
    ids: list[int] = []
    for row in await uow.staff.rows(role=Role.DEPUTY_GM):
        if row.chat_id is None:
            continue
        message_id = await uow.outbox.enqueue(
            chat_id=row.chat_id,
            recipient_kind="staff",
            recipient_id=row.id,
            template=template,
            params={"args": dict(args)},
            now=now,
            dedupe_key=f"step:{subject_type}:{subject_id}:{clock}:{generation}:level3:{row.id}",
        )
        if message_id is not None:
            ids.append(message_id)
    await uow.events.append(
        "system",
        STEP_FIRED,
        DEADLINE,
        deadline_id(subject_type, subject_id, clock),
        {"clock": clock, "generation": generation, "step": Step.LEVEL3, "messages": ids},
        now,
    )
    return ids
