"""The escalation ladder of a clock (DESIGN.md §4): fire the steps of a clock that are due
(the scheduler calls :func:`advance_ladder`), each exactly once: the fired-step row and the
messages it causes are written in the caller's unit of work. Level 1 goes to the supervisors
of the branch (:mod:`fieldbot.services.recipients`), level 3 to every deputy GM.

Use cases work inside the caller's unit of work and do not commit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fieldbot.domain.calendar import WorkCalendar
from fieldbot.domain.model import Role
from fieldbot.domain.sla import Ladder, Step, measure
from fieldbot.i18n import N_
from fieldbot.labels import PRIORITY_NAMES
from fieldbot.repositories.clocks import ClockRow
from fieldbot.repositories.outbox import OutboxRepository
from fieldbot.repositories.people import StaffRow
from fieldbot.services.deadlines.clocks import (
    CLOCK_NAMES,
    DEADLINE,
    JOB,
    STEP_FIRED,
    Calendars,
    deadline_id,
    fired_steps,
    is_acknowledged,
    ladder_of,
    left_arg,
    scheduled,
)
from fieldbot.services.recipients import bound_supervisors, managers_of, supervisors_of
from fieldbot.services.workflow import when_arg
from fieldbot.settings import Settings
from fieldbot.store import UnitOfWork

ACK_ACTION = "deadline.ack"
ACKNOWLEDGE = N_("Acknowledge")

REMINDER_TEXT = N_("Reminder: {clock} at {customer} is due {due}, {left} left (job {number}).")
OVERDUE_TEXT = N_("Overdue: {clock} at {customer} was due {due} (job {number}).")
LEVEL1_TEXT = N_(
    "Escalation: {clock} at {customer} overdue since {due}. Job {number}, {priority}, {technician}."
)
LEVEL2_TEXT = N_(
    "Level 2: {clock} at {customer} overdue since {due}, job {number}; no supervisor acknowledged."
)
GENERIC_TEXT = N_("Deadline {step}: {clock} of {subject} {id}, due {due}.")
NOBODY_YET = N_("not assigned yet")
STEP_NAMES: dict[str, str] = {
    Step.REMINDER: N_("reminder"),
    Step.OVERDUE: N_("overdue"),
    Step.LEVEL1: N_("level 1"),
    Step.LEVEL2: N_("level 2"),
    Step.LEVEL3: N_("level 3"),
}


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


async def _about(
    uow: UnitOfWork, clock: ClockRow, calendar: WorkCalendar, due_at: datetime
) -> _About:
    due = when_arg(due_at, calendar.timezone)
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
                owners = await supervisors_of(uow, job.branch_id)
            return _About(
                args={
                    "clock": name,
                    "customer": {"customer": job.customer_id, "field": "name"},
                    "due": due,
                    "number": job.number,
                    "priority": {"t": PRIORITY_NAMES[job.priority]},
                    "technician": (
                        {"staff": technician.id, "field": "name"}
                        if technician
                        else {"t": NOBODY_YET}
                    ),
                },
                owners=owners,
                tz=calendar.timezone,
            )
    return _About(
        args={"clock": name, "subject": clock.subject_type, "id": clock.subject_id, "due": due},
        owners=await supervisors_of(uow, clock.branch_id),
        tz=calendar.timezone,
    )


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
    fired = await fired_steps(uow, clock)
    ladder = ladder_of(clock, calendar, settings, fired.get(Step.LEVEL1))
    done: list[Fired] = []
    due = ladder.due_steps(now, set(fired), is_acknowledged(fired))
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
    saved = await uow.clocks.save(await scheduled(uow, settings, clock, calendar), now)
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
        recipients = await supervisors_of(uow, clock.branch_id)
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
        if not await bound_supervisors(uow, clock.branch_id):
            return []  # level 1 already went to the managers
        ids = await _send(
            uow,
            calendars,
            clock,
            step,
            await managers_of(uow, clock.branch_id),
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
