"""Deadline clocks (DESIGN.md §4): start, stop, pause, resume and recompute a clock, keep a
job's due instants in step with its clocks, and acknowledge a level 1 escalation.

A clock row is keyed (subject type, subject id, clock name). Its ``started_at`` is the start
of its current running stretch (its start, or its last resume); ``elapsed_before_pause_seconds``
is what it ran before that. The original start is in the ``deadline.started`` event.

Use cases work inside the caller's unit of work and do not commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from fieldbot.domain.calendar import WorkCalendar
from fieldbot.domain.errors import DomainError
from fieldbot.domain.sla import ClockCalendar, Ladder, Step, elapsed, is_met, plan_ladder
from fieldbot.i18n import N_
from fieldbot.repositories.clocks import ClockRow, FiredStep
from fieldbot.repositories.people import StaffRow
from fieldbot.services.calendars import calendar_of
from fieldbot.settings import Settings
from fieldbot.store import UnitOfWork

JOB = "job"
DEADLINE = "deadline"  # the subject of the clocks' audit events: ``job:12:arrival``

CLOCK_STARTED = "deadline.started"
CLOCK_STOPPED = "deadline.stopped"
CLOCK_PAUSED = "deadline.paused"
CLOCK_RESUMED = "deadline.resumed"
CLOCK_RECOMPUTED = "deadline.recomputed"
STEP_FIRED = "deadline.step_fired"
ACKNOWLEDGED = "deadline.acknowledged"

CLOCK_NAMES: dict[str, str] = {
    "first_reply": N_("first reply to the customer"),
    "assign": N_("dispatch"),
    "contact": N_("contacting the customer"),
    "arrival": N_("arrival"),
    "on_time": N_("arrival at the appointment"),
    "resolution": N_("resolution"),
    "signoff": N_("sign-off"),
    "workshop": N_("workshop repair"),
    "receivable": N_("payment of the invoice"),
    "complaint_reply": N_("complaint reply"),
    "complaint_verify": N_("complaint verification"),
    "survey": N_("survey"),
}
LEFT_HOURS = N_("{hours} h {minutes} min")
LEFT_MINUTES = N_("{minutes} min")


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


def left_arg(remaining: timedelta) -> dict[str, Any]:
    """How much time is left, as a message argument (hours and minutes, or minutes)."""
    minutes = max(int(remaining.total_seconds() // 60), 0)
    if minutes >= 60:
        return {"t": LEFT_HOURS, "args": {"hours": minutes // 60, "minutes": minutes % 60}}
    return {"t": LEFT_MINUTES, "args": {"minutes": minutes}}


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


async def fired_steps(uow: UnitOfWork, clock: ClockRow) -> dict[Step, FiredStep]:
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


async def scheduled(
    uow: UnitOfWork, settings: Settings, clock: ClockRow, calendar: WorkCalendar
) -> ClockRow:
    """The clock with ``due_at`` and ``wake_at`` set from its ladder (running clocks only)."""
    if clock.state != "running":
        return replace(clock, wake_at=None)
    fired = await fired_steps(uow, clock)
    ladder = ladder_of(clock, calendar, settings, fired.get(Step.LEVEL1))
    acknowledged = is_acknowledged(fired)
    return replace(clock, due_at=ladder.due_at, wake_at=ladder.next_wake(set(fired), acknowledged))


def is_acknowledged(fired: Mapping[Step, FiredStep]) -> bool:
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
    started = await uow.clocks.save(await scheduled(uow, settings, started, work_calendar), now)
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
    resumed = await uow.clocks.save(await scheduled(uow, settings, running, calendar), now)
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
    restarted = await uow.clocks.save(await scheduled(uow, settings, restarted, new_calendar), now)
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
        fired = await fired_steps(uow, clock)
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
        found = await uow.clocks.save(await scheduled(uow, settings, found, calendar), now)
    await uow.events.append(
        f"staff:{staff_id}",
        ACKNOWLEDGED,
        DEADLINE,
        deadline_id(subject_type, subject_id, clock),
        {"clock": clock, "generation": generation, "step": Step.LEVEL1},
        now,
    )
    return Acknowledgement(True, found)
