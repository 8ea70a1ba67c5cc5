"""The escalation ladder of a clock (DESIGN.md §4): fire the steps of a clock that are due
(the scheduler calls :func:`advance_ladder`), each exactly once: the fired-step row and the
messages it causes are written in the caller's unit of work. Level 1 goes to the supervisors
of the branch (:mod:`fieldbot.services.recipients`), level 3 to every deputy GM.

Use cases work inside the caller's unit of work and do not commit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fieldbot.domain.calendar import WorkCalendar
from fieldbot.domain.model import Role
from fieldbot.domain.sla import Ladder, Step, measure
from fieldbot.i18n import DATE, N_
from fieldbot.labels import PRIORITY_NAMES
from fieldbot.rendering import LINES
from fieldbot.repositories.clocks import ClockRow
from fieldbot.repositories.outbox import OutboxMessage, OutboxRepository
from fieldbot.repositories.people import StaffRow
from fieldbot.services.deadlines.clocks import (
    CLOCK_NAMES,
    DEADLINE,
    JOB,
    STEP_FIRED,
    Acknowledgement,
    Calendars,
    acknowledge,
    deadline_id,
    fired_steps,
    is_acknowledged,
    ladder_of,
    left_arg,
    scheduled,
)
from fieldbot.services.deadlines.slips import tell_slip
from fieldbot.services.recipients import (
    accountants_of,
    bound_supervisors,
    managers_of,
    supervisors_of,
)
from fieldbot.services.workflow import (
    JOB_CARD_ACTION,
    customer_arg,
    dt_arg,
    money_arg,
    staff_arg,
    when_arg,
)
from fieldbot.settings import Settings
from fieldbot.store import UnitOfWork

ACK_ACTION = "deadline.ack"
ACKNOWLEDGE = N_("Acknowledge")
OPEN_JOB = N_("Open job")

REMINDER_TEXT = N_("Reminder: {clock} at {customer} is due {due}, {left} left (job {number}).")
OVERDUE_TEXT = N_("Overdue: {clock} at {customer} was due {due} (job {number}).")
LEVEL1_TEXT = N_(
    "Escalation: {clock} at {customer} overdue since {due}. Job {number}, {priority}, {technician}."
)
LEVEL2_TEXT = N_(
    "Level 2: {clock} at {customer} overdue since {due}, job {number}; no supervisor acknowledged."
)
GENERIC_TEXT = N_("Deadline {step}: {clock} of {subject} {id}, due {due}.")
NOBODY_YET = N_("not dispatched")
COMPLAINT = "complaint"  # a complaint's clocks (services/deadlines/feedback_clocks)
COMPLAINT_SUBJECT = N_("complaint")
# The details an escalation carries (DESIGN.md §4, issue 11): what the reader needs to act.
FAULT_LINE = N_("Fault: {fault}")
ADDRESS_LINE = N_("Address: {address}")
CALLED_LINE = N_("Called: {called}")
INVOICE_LINE = N_("Invoice {invoice}: {amount}, issued {issued}")
ALSO_TOLD_LINE = N_("Also told: {names}")
NOBODY_ELSE_LINE = N_("Nobody else was told.")
NOT_ACKNOWLEDGED_LINE = N_("Not acknowledged by: {names}")
ACKNOWLEDGED_BY_LINE = N_("Acknowledged by {name} at {at}.")
# The clocks whose next step is the supervisors' (dispatching, replying to a customer's own
# request), whoever the technician is.
SUPERVISOR_CLOCKS = frozenset({"assign", "first_reply"})
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
    details: tuple[dict[str, Any], ...] = ()  # the lines an escalation adds about a job
    job_id: int | None = None
    also_told: tuple[StaffRow, ...] = ()  # who else hears of a breach (a receivable's accountants)


Line = dict[str, Any]


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
            invoice: tuple[Line, ...] = ()
            if clock.clock == "receivable":
                # the accountant records the payment; level 1 takes it to the supervisors
                owners = await accountants_of(uow, job.branch_id)
                invoice = await _invoice_lines(uow, clock.subject_id, calendar.timezone)
            elif (
                clock.clock not in SUPERVISOR_CLOCKS
                and technician is not None
                and technician.chat_id
            ):
                owners = [technician]
            else:
                # no technician to tell (none yet, or not bound): the supervisors own it, and
                # their overdue goes out with level 1 as one message
                owners = await supervisors_of(uow, job.branch_id)
            return _About(
                args={
                    "clock": name,
                    "customer": customer_arg(job.customer_id),
                    "due": due,
                    "number": job.number,
                    "priority": {"t": PRIORITY_NAMES[job.priority]},
                    "technician": (staff_arg(technician.id) if technician else {"t": NOBODY_YET}),
                },
                owners=owners,
                tz=calendar.timezone,
                details=(
                    *invoice,
                    {"t": FAULT_LINE, "args": {"fault": job.fault}},
                    {
                        "t": ADDRESS_LINE,
                        "args": {"address": customer_arg(job.customer_id, "address")},
                    },
                    {
                        "t": CALLED_LINE,
                        "args": {"called": when_arg(job.called_at, calendar.timezone)},
                    },
                ),
                job_id=clock.subject_id,
                also_told=tuple(owners) if clock.clock == "receivable" else (),
            )
    if clock.subject_type == COMPLAINT:
        complaint = await uow.complaints.get(clock.subject_id)
        if complaint is not None:
            return _About(
                args={
                    "clock": name,
                    "subject": {"t": COMPLAINT_SUBJECT},
                    "id": complaint.number,
                    "due": due,
                },
                owners=await supervisors_of(uow, clock.branch_id),
                tz=calendar.timezone,
            )
    return _About(
        args={"clock": name, "subject": clock.subject_type, "id": clock.subject_id, "due": due},
        owners=await supervisors_of(uow, clock.branch_id),
        tz=calendar.timezone,
    )


async def _invoice_lines(uow: UnitOfWork, job_id: int, tz: str) -> tuple[Line, ...]:
    """What an overdue receivable's escalation says about the invoice."""
    found = await uow.fieldwork.settlement(job_id)
    if found is None or found.method != "invoice":
        return ()
    args = {
        "invoice": found.invoice_number or "-",
        "amount": money_arg(found.amount_fen),
        "issued": dt_arg(found.settled_at, tz, DATE),
    }
    return ({"t": INVOICE_LINE, "args": args},)


def _line(clock: ClockRow, step: Step, job_template: str, about: _About) -> Line:
    """The step's own line: the job's text, or the generic one for other subjects."""
    if clock.subject_type == JOB:
        return {"t": job_template, "args": dict(about.args)}
    return {"t": GENERIC_TEXT, "args": {**about.args, "step": {"t": STEP_NAMES[step]}}}


def _others_line(reader: StaffRow, told: Sequence[StaffRow]) -> Line:
    others = [row.id for row in told if row.id != reader.id and row.chat_id is not None]
    if not others:
        return {"t": NOBODY_ELSE_LINE}
    return {"t": ALSO_TOLD_LINE, "args": {"names": {"staff_list": others}}}


async def _send(
    uow: UnitOfWork,
    clock: ClockRow,
    step: Step,
    recipients: Sequence[StaffRow],
    lines_for: Callable[[StaffRow], list[Line]],
    now: datetime,
    *,
    about: _About,
    acknowledge_button: bool = False,
) -> list[int]:
    """Queue the step's message to each recipient bound to a chat, now (the ladder fires a
    step only when it may be delivered); an escalation of a job carries a button opening its
    card. Returns the outbox ids."""
    ids: list[int] = []
    escalation = step in (Step.LEVEL1, Step.LEVEL2)
    for row in recipients:
        if row.chat_id is None:
            continue
        lines = lines_for(row)
        params: dict[str, Any] = (
            {"args": lines[0].get("args", {})} if len(lines) == 1 else {"lines": lines}
        )
        template = lines[0]["t"] if len(lines) == 1 else LINES
        buttons: list[dict[str, Any]] = []
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
            buttons.append({"label": ACKNOWLEDGE, "token": token})
        if escalation and about.job_id is not None and row.telegram_user_id is not None:
            token = await uow.buttons.create(
                row.telegram_user_id, JOB_CARD_ACTION, {"job_id": about.job_id}, now
            )
            buttons.append({"label": OPEN_JOB, "token": token})
        if buttons:
            params["buttons"] = [buttons]
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
            dedupe_key=_step_key(
                clock.subject_type, clock.subject_id, clock.clock, clock.generation, step, row.id
            ),
        )
        if message_id is not None:
            ids.append(message_id)
    return ids


def _step_key(
    subject_type: str, subject_id: int, clock: str, generation: int, step: Step, staff_id: int
) -> str:
    return f"step:{subject_type}:{subject_id}:{clock}:{generation}:{step}:{staff_id}"


async def advance_ladder(
    uow: UnitOfWork,
    settings: Settings,
    clock: ClockRow,
    now: datetime,
    calendars: Calendars | None = None,
) -> tuple[ClockRow, list[Fired]]:
    """Fire the steps of a running clock that are due at ``now`` (each exactly once: a step
    another sweep fired already sends nothing) and schedule its next wake. Steps that reach
    the same person at the same moment go out as one message (DESIGN.md §4)."""
    calendars = calendars or Calendars(settings)
    if clock.state != "running":
        return clock, []
    calendar = await calendars.of(uow, clock.branch_id)
    fired = await fired_steps(uow, clock)
    ladder = ladder_of(clock, calendar, settings, fired.get(Step.LEVEL1))
    due = ladder.due_steps(now, set(fired), is_acknowledged(fired))
    firing = [
        step
        for step in due
        if await uow.steps.fire(
            clock.subject_type, clock.subject_id, clock.clock, clock.generation, step, now
        )
    ]
    done: list[Fired] = []
    if firing:
        about = await _about(uow, clock, calendar, ladder.due_at)
        sent = await _fire_all(uow, calendars, clock, firing, about, ladder, now)
        if Step.OVERDUE in firing:
            # a bound customer hears of the slip with the overdue (once per breach)
            await tell_slip(uow, clock, ladder.due_at, calendar.timezone, now)
        for step in firing:
            ids = sent.get(step, [])
            done.append(Fired(clock, step, tuple(ids)))
            await uow.events.append(
                "system",
                STEP_FIRED,
                DEADLINE,
                deadline_id(clock.subject_type, clock.subject_id, clock.clock),
                {
                    "clock": clock.clock,
                    "generation": clock.generation,
                    "step": step,
                    "messages": ids,
                },
                now,
            )
    saved = await uow.clocks.save(await scheduled(uow, settings, clock, calendar), now)
    return saved, done


async def _fire_all(
    uow: UnitOfWork,
    calendars: Calendars,
    clock: ClockRow,
    firing: Sequence[Step],
    about: _About,
    ladder: Ladder,
    now: datetime,
) -> dict[Step, list[int]]:
    """The messages of the steps fired together; an owner who also gets level 1 gets the
    overdue in it (one message, the level 1 one, with its Acknowledge button)."""
    sent: dict[Step, list[int]] = {}
    level1_to = await supervisors_of(uow, clock.branch_id) if Step.LEVEL1 in firing else []
    merged = {row.id for row in level1_to} if Step.OVERDUE in firing else set()
    overdue_line = _line(clock, Step.OVERDUE, OVERDUE_TEXT, about)
    if Step.REMINDER in firing:
        calendar = await calendars.of(uow, clock.branch_id)
        line = _line(clock, Step.REMINDER, REMINDER_TEXT, about)
        line["args"]["left"] = left_arg(measure(clock.calendar, calendar, now, ladder.due_at))
        sent[Step.REMINDER] = await _send(
            uow, clock, Step.REMINDER, about.owners, lambda row: [line], now, about=about
        )
    if Step.OVERDUE in firing:
        owners = [row for row in about.owners if row.id not in merged]
        sent[Step.OVERDUE] = await _send(
            uow, clock, Step.OVERDUE, owners, lambda row: [overdue_line], now, about=about
        )
    if Step.LEVEL1 in firing:
        level1_line = _line(clock, Step.LEVEL1, LEVEL1_TEXT, about)
        owner_ids = {row.id for row in about.owners} & merged

        def level1_lines(row: StaffRow) -> list[Line]:
            head = [overdue_line] if row.id in owner_ids else []
            told = [*level1_to, *about.also_told]
            return [*head, level1_line, *about.details, _others_line(row, told)]

        ids = await _send(
            uow,
            clock,
            Step.LEVEL1,
            level1_to,
            level1_lines,
            now,
            about=about,
            acknowledge_button=True,
        )
        sent[Step.LEVEL1] = ids
        if owner_ids:
            sent.setdefault(Step.OVERDUE, []).extend(ids)
    if Step.LEVEL2 in firing:
        sent[Step.LEVEL2] = await _level2(uow, clock, about, now)
    return sent


async def _level2(uow: UnitOfWork, clock: ClockRow, about: _About, now: datetime) -> list[int]:
    if not await bound_supervisors(uow, clock.branch_id):
        return []  # level 1 already went to the managers
    managers = await managers_of(uow, clock.branch_id)
    unacknowledged = sorted(
        {
            m.recipient_id
            for m in await level1_messages(
                uow, clock.subject_type, clock.subject_id, clock.clock, clock.generation
            )
            if m.recipient_id is not None
        }
    )
    line = _line(clock, Step.LEVEL2, LEVEL2_TEXT, about)
    missing: list[Line] = (
        [{"t": NOT_ACKNOWLEDGED_LINE, "args": {"names": {"staff_list": unacknowledged}}}]
        if unacknowledged
        else []
    )

    def lines(row: StaffRow) -> list[Line]:
        return [line, *about.details, *missing, _others_line(row, managers)]

    return await _send(uow, clock, Step.LEVEL2, managers, lines, now, about=about)


async def level1_messages(
    uow: UnitOfWork, subject_type: str, subject_id: int, clock: str, generation: int
) -> list[OutboxMessage]:
    """The level 1 messages of a breach (one per supervisor told), as the step recorded them."""
    ids: list[int] = []
    for event in await uow.events.for_subject(
        DEADLINE, deadline_id(subject_type, subject_id, clock)
    ):
        params = event.payload
        if (
            event.kind == STEP_FIRED
            and params.get("step") == Step.LEVEL1
            and params.get("generation") == generation
        ):
            ids.extend(int(i) for i in params.get("messages", []))
    found = [await uow.outbox.get(i) for i in ids]
    return [m for m in found if m is not None and m.method == "send"]


async def mark_acknowledged(
    uow: UnitOfWork,
    *,
    subject_type: str,
    subject_id: int,
    clock: str,
    generation: int,
    by_staff_id: int,
    tz: str,
    now: datetime,
) -> list[int]:
    """Once a level 1 is acknowledged, every copy of it loses its Acknowledge button and says
    who acknowledged (outbox edits of the sent messages); returns the edits' ids."""
    ids: list[int] = []
    ack_line: Line = {
        "t": ACKNOWLEDGED_BY_LINE,
        "args": {"name": staff_arg(by_staff_id), "at": when_arg(now, tz)},
    }
    for message in await level1_messages(uow, subject_type, subject_id, clock, generation):
        params = dict(message.params)
        lines = (
            list(params.get("lines", []))
            if message.template == LINES
            else [{"t": message.template, "args": params.get("args", {})}]
        )
        kept = [
            [b for b in row if b.get("label") != ACKNOWLEDGE] for row in params.get("buttons", [])
        ]
        edited: dict[str, Any] = {"lines": [*lines, ack_line]}
        if any(kept):
            edited["buttons"] = [row for row in kept if row]
        edit_id = await uow.outbox.enqueue(
            chat_id=message.chat_id,
            recipient_kind="staff",
            recipient_id=message.recipient_id,
            template=LINES,
            params=edited,
            now=now,
            priority=OutboxRepository.PRIORITY_ESCALATION,
            dedupe_key=f"ack-edit:{message.id}",
            method="edit",
            ref_outbox_id=message.id,
        )
        if edit_id is not None:
            ids.append(edit_id)
    return ids


async def acknowledge_escalation(
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
    """A supervisor presses Acknowledge on a level 1: the first press stops the ladder
    (:func:`~fieldbot.services.deadlines.clocks.acknowledge`) and every copy of that level 1
    loses its button and says who acknowledged."""
    result = await acknowledge(
        uow,
        settings,
        staff_id=staff_id,
        subject_type=subject_type,
        subject_id=subject_id,
        clock=clock,
        generation=generation,
        now=now,
    )
    if result.first:
        branch = result.clock.branch_id if result.clock is not None else None
        calendar = await Calendars(settings).of(uow, branch)
        await mark_acknowledged(
            uow,
            subject_type=subject_type,
            subject_id=subject_id,
            clock=clock,
            generation=generation,
            by_staff_id=staff_id,
            tz=calendar.timezone,
            now=now,
        )
    return result


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
