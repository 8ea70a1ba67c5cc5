"""What every step of a job's life shares (DESIGN.md §3): finding the job and the person,
checking WHO may act, moving the state through :func:`fieldbot.domain.states.transition`,
saving with the version check, the audit event, and notifications through the outbox.

Use cases work inside the caller's unit of work and do not commit. They never reply to the
person acting (the handler does, from the returned value); they notify other people through
the outbox, in the same unit of work, and only people bound to a chat.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, Literal

from fieldbot.domain.entitlement import MissingReason
from fieldbot.domain.errors import DomainError, IllegalTransition, NotAllowed
from fieldbot.domain.model import JobState
from fieldbot.domain.permissions import Permission, may
from fieldbot.domain.states import Action, transition
from fieldbot.i18n import DATE, DATETIME, N_, WEEKDAY
from fieldbot.rendering import KEYBOARD
from fieldbot.repositories.jobs import JobRecord
from fieldbot.repositories.outbox import OutboxRepository
from fieldbot.repositories.people import CustomerRow, StaffRow
from fieldbot.services.deadlines.job_clocks import on_job_transition
from fieldbot.services.recipients import may_act_for_branch, supervisors_of
from fieldbot.settings import Settings
from fieldbot.store import ConcurrencyConflict, UnitOfWork

JobRef = int | str  # a job's id, or its number (J20260914-001)

# Button labels that stay the same (DESIGN §9); acceptance tests tap them.
ACCEPT = N_("Accept")
DECLINE = N_("Decline")
ON_MY_WAY = N_("On my way")
ARRIVED = N_("Arrived")
CONFIRM = N_("Confirm")
DISPUTE = N_("Dispute")
ACKNOWLEDGE = N_("Acknowledge")
APPROVE = N_("Approve")
REJECT = N_("Reject")
# The next step a notice offers (DESIGN.md §3 "Every card offers the next step"); the
# technician's job card offers the same buttons.
SET_APPOINTMENT = N_("Set appointment")
RETURN_UNIT = N_("Returned to the customer")
RECORD_AGAIN = N_("Record the work again")  # after rejected fees, or a failed inspection
CASH = N_("Cash collected")
INVOICE = N_("Invoice")


class UnknownStaff(DomainError):
    code = "unknown_staff"


class InvalidInput(DomainError):
    code = "invalid_input"


class UnknownJob(DomainError):
    code = "unknown_job"


class UnknownCustomer(DomainError):
    code = "unknown_customer"


@dataclass(frozen=True, slots=True)
class JobChange:
    """What a step did: the job as saved, the step, where it came from, and the outbox ids of
    the notifications it queued for other people."""

    job: JobRecord
    action: Action
    previous: JobState
    notified: tuple[int, ...] = ()

    @property
    def state(self) -> JobState:
        return self.job.state


@dataclass(slots=True)
class Notices:
    """Outbox ids queued by one use case."""

    ids: list[int] = field(default_factory=list)

    def add(self, message_id: int | None) -> None:
        if message_id is not None:
            self.ids.append(message_id)

    def extend(self, ids: Iterable[int]) -> None:
        self.ids.extend(ids)

    def tuple(self) -> tuple[int, ...]:
        return tuple(self.ids)


# --- who ---------------------------------------------------------------------------------------


def staff_tag(row: StaffRow) -> str:
    return f"staff:{row.id}"


def customer_tag(row: CustomerRow) -> str:
    return f"customer:{row.id}"


SYSTEM = "system"


async def load_job(uow: UnitOfWork, job: JobRef, expected_version: int | None = None) -> JobRecord:
    """The job by id or number. ``expected_version`` (what the person saw, e.g. carried in a
    button) makes a job changed meanwhile raise :class:`ConcurrencyConflict`."""
    found = await (uow.jobs.get(job) if isinstance(job, int) else uow.jobs.by_number(job.strip()))
    if found is None or found.id is None:
        raise UnknownJob(f"unknown job {job!r}", job=str(job))
    if expected_version is not None and found.version != expected_version:
        raise ConcurrencyConflict(
            f"job {found.number} changed meanwhile (version {found.version}, "
            f"expected {expected_version})"
        )
    return found


def job_id(job: JobRecord) -> int:
    assert job.id is not None
    return job.id


async def load_staff(uow: UnitOfWork, code: str) -> StaffRow:
    row = await uow.staff.row(code.strip())
    if row is None:
        raise UnknownStaff(f"unknown staff {code!r}", staff=code)
    if not row.staff.active:
        raise NotAllowed(f"staff {row.staff.code} is inactive", staff=row.staff.code)
    return row


async def load_customer(uow: UnitOfWork, code: str) -> CustomerRow:
    row = await uow.customers.row(code.strip())
    if row is None:
        raise UnknownCustomer(f"unknown customer {code!r}", customer=code)
    return row


def require_permission(row: StaffRow, permission: Permission, action: Action | str) -> None:
    if not may(row.staff.roles, permission):
        raise NotAllowed(
            f"{row.staff.code} may not {action}",
            staff=row.staff.code,
            action=str(action),
            permission=permission.value,
        )


async def require_supervisor(
    uow: UnitOfWork, code: str, job: JobRecord, permission: Permission, action: Action | str
) -> StaffRow:
    """A staff member who may take the supervisor's decision ``permission`` on the job: a
    supervisor of the job's branch holding it (a supervisor with no branch supervises every
    branch), or whoever the branch's notices fall back to, for the decisions they ask for
    (:func:`fieldbot.services.recipients.may_act_for_branch`)."""
    row = await load_staff(uow, code)
    if await may_act_for_branch(uow, row, job.branch_id, permission):
        return row
    require_permission(row, permission, action)
    raise NotAllowed(
        f"{row.staff.code} does not supervise the branch of job {job.number}",
        staff=row.staff.code,
        action=str(action),
        job=job.number,
    )


async def require_assigned(
    uow: UnitOfWork, code: str, job: JobRecord, action: Action | str
) -> StaffRow:
    """The technician the job is assigned to, and nobody else."""
    row = await load_staff(uow, code)
    require_permission(row, Permission.WORK_JOBS, action)
    if job.technician_id != row.id:
        raise NotAllowed(
            f"job {job.number} is not assigned to {row.staff.code}",
            staff=row.staff.code,
            action=str(action),
            job=job.number,
        )
    return row


async def require_customer_of(
    uow: UnitOfWork, code: str, job: JobRecord, action: Action | str
) -> CustomerRow:
    row = await load_customer(uow, code)
    if row.id != job.customer_id:
        raise NotAllowed(
            f"job {job.number} is not customer {row.customer.code}'s",
            customer=row.customer.code,
            action=str(action),
            job=job.number,
        )
    return row


def require_reason(reason: str | None, action: Action | str) -> str:
    text = (reason or "").strip()
    if not text:
        raise MissingReason(f"{action} needs a reason", action=str(action))
    return text


def require_state(job: JobRecord, states: Iterable[JobState], what: str) -> None:
    """For steps that change no state (parts, payment): refuse them in other states."""
    allowed = frozenset(states)
    if job.state not in allowed:
        raise IllegalTransition(
            f"cannot {what} a job that is {job.state.value}", state=job.state.value, action=what
        )


# --- the step ----------------------------------------------------------------------------------


async def apply(
    uow: UnitOfWork,
    job: JobRecord,
    action: Action,
    actor: str,
    now: datetime,
    *,
    settings: Settings,
    over_approval_limit: bool = False,
    changes: Mapping[str, Any] | None = None,
    payload: Mapping[str, Any] | None = None,
) -> JobRecord:
    """Move ``job`` by ``action`` (the transition table decides the target or refuses), save
    it against its version and append ``job.<action>``. A job leaving awaiting_signoff
    expires its sign-off links. The job's deadline clocks follow the change (stop, start,
    recompute: :func:`fieldbot.services.deadlines.job_clocks.on_job_transition`)."""
    target = transition(job.state, action, over_approval_limit=over_approval_limit)
    updated = replace(job, state=target, **dict(changes or {}))
    saved = await uow.jobs.update(updated, now)
    event: dict[str, Any] = {"number": job.number, "from": job.state, "to": target}
    event.update(payload or {})
    await uow.events.append(
        actor=actor,
        kind=f"job.{action.value}",
        subject_type="job",
        subject_id=job_id(job),
        payload=event,
        at=now,
    )
    if job.state is JobState.AWAITING_SIGNOFF and target is not JobState.AWAITING_SIGNOFF:
        await uow.invites.expire_for_job(job_id(job), now)
    await retire_cards(uow, card_key(job), now)
    await on_job_transition(uow, settings, job, saved, now, actor)
    return saved


async def record(
    uow: UnitOfWork,
    job: JobRecord,
    kind: str,
    actor: str,
    now: datetime,
    payload: Mapping[str, Any],
) -> None:
    """An audit event for a step that changes no state (``job.parts_used`` ...)."""
    await uow.events.append(
        actor=actor,
        kind=kind,
        subject_type="job",
        subject_id=job_id(job),
        payload={"number": job.number, **payload},
        at=now,
    )


# --- notifications -----------------------------------------------------------------------------

# A label is a msgid, or {"t": msgid, "args": {...}} when it names someone (by reference).
ButtonLabel = str | Mapping[str, Any]
ButtonSpec = tuple[ButtonLabel, str, Mapping[str, Any]]  # label, action, payload


def label_params(label: ButtonLabel) -> dict[str, Any]:
    """A button's label as the outbox keeps it (see :mod:`fieldbot.rendering`)."""
    if isinstance(label, str):
        return {"label": label}
    return {"label": str(label["t"]), "label_args": dict(label.get("args", {}))}


async def _buttons(
    uow: UnitOfWork, user_id: int | None, specs: Sequence[ButtonSpec], now: datetime
) -> list[list[dict[str, str]]]:
    if not specs or user_id is None:
        return []
    row = []
    for label, action, payload in specs:
        token = await uow.buttons.create(user_id, action, payload, now)
        row.append({**label_params(label), "token": token})
    return [row]


async def notify(
    uow: UnitOfWork,
    *,
    kind: Literal["staff", "customer"],
    recipient_id: int,
    chat_id: int | None,
    user_id: int | None,
    template: str,
    args: Mapping[str, Any],
    now: datetime,
    buttons: Sequence[ButtonSpec] = (),
    priority: int = OutboxRepository.PRIORITY_NORMAL,
    dedupe_key: str | None = None,
) -> int | None:
    """Queue a message for someone bound to a chat (nobody else is told); ``dedupe_key``
    makes a notice that may be attempted again (a sweep) go out once."""
    if chat_id is None:
        return None
    params: dict[str, Any] = {"args": dict(args)}
    rows = await _buttons(uow, user_id, buttons, now)
    if rows:
        params["buttons"] = rows
    return await uow.outbox.enqueue(
        chat_id=chat_id,
        recipient_kind=kind,
        recipient_id=recipient_id,
        template=template,
        params=params,
        now=now,
        priority=priority,
        dedupe_key=dedupe_key,
    )


async def notify_staff(
    uow: UnitOfWork,
    row: StaffRow,
    template: str,
    args: Mapping[str, Any],
    now: datetime,
    buttons: Sequence[ButtonSpec] = (),
    priority: int = OutboxRepository.PRIORITY_NORMAL,
    dedupe_key: str | None = None,
) -> int | None:
    return await notify(
        uow,
        kind="staff",
        recipient_id=row.id,
        chat_id=row.chat_id,
        user_id=row.telegram_user_id,
        template=template,
        args=args,
        now=now,
        buttons=buttons,
        priority=priority,
        dedupe_key=dedupe_key,
    )


async def notify_customer(
    uow: UnitOfWork,
    row: CustomerRow,
    template: str,
    args: Mapping[str, Any],
    now: datetime,
    buttons: Sequence[ButtonSpec] = (),
    dedupe_key: str | None = None,
    *,
    informational: bool = False,
) -> int | None:
    """Tell a customer (bound to a chat) about their job. ``informational`` marks a notice a
    customer may mute (/mute, DESIGN.md §5: registered, technician assigned, appointment, on
    the way, arrived, take-back, closed); the sign-off, a quote, the survey and complaint
    replies are never informational. The one place a muted customer is skipped."""
    if informational and row.notices_muted:
        return None
    return await notify(
        uow,
        kind="customer",
        recipient_id=row.id,
        chat_id=row.chat_id,
        user_id=row.telegram_user_id,
        template=template,
        args=args,
        now=now,
        buttons=buttons,
        dedupe_key=dedupe_key,
    )


async def notify_supervisors(
    uow: UnitOfWork,
    job: JobRecord,
    template: str,
    args: Mapping[str, Any],
    now: datetime,
    buttons: Sequence[ButtonSpec] = (),
) -> list[int]:
    """Tell the supervisors of the job's branch (:func:`fieldbot.services.recipients.
    supervisors_of`: its bound supervisors, else its managers, else every manager), each with
    their own buttons."""
    ids = []
    for row in await supervisors_of(uow, job.branch_id):
        found = await notify_staff(uow, row, template, args, now, buttons)
        if found is not None:
            ids.append(found)
    return ids


async def technician_of(uow: UnitOfWork, job: JobRecord) -> StaffRow | None:
    return None if job.technician_id is None else await uow.staff.row_by_id(job.technician_id)


async def customer_of(uow: UnitOfWork, job: JobRecord) -> CustomerRow:
    row = await uow.customers.row_by_id(job.customer_id)
    assert row is not None
    return row


async def branch_timezone(uow: UnitOfWork, settings: Settings, job: JobRecord) -> str:
    branches = await uow.branches.stored_by_ids([job.branch_id])
    branch = branches.get(job.branch_id)
    return (branch.timezone if branch is not None else None) or settings.timezone


def dt_arg(instant: datetime, tz: str, fmt: str = DATETIME) -> dict[str, str]:
    """An instant a person reads, rendered in ``tz`` (:mod:`fieldbot.i18n` formats it:
    ``2026-09-14 16:00``; :data:`~fieldbot.i18n.WEEKDAY` adds the weekday)."""
    return {"dt": instant.isoformat(), "tz": tz, "fmt": fmt}


def when_arg(instant: datetime, tz: str) -> dict[str, str]:
    """An appointment or a deadline: the date, the time and the weekday
    (``2026-09-14 16:00 (Mon)``), so a person sees at a glance which day it is."""
    return dt_arg(instant, tz, WEEKDAY)


def day_arg(day: date) -> dict[str, str]:
    """A calendar date a person reads (a contract's end, a warranty): ``2026-09-14``."""
    return {"day": day.isoformat(), "fmt": DATE}


def money_arg(fen: int) -> dict[str, int]:
    return {"money": fen}


def customer_arg(customer_id: int, what: str = "name") -> dict[str, Any]:
    """A customer's name, phone or address in a message: looked up (and decrypted) when the
    message is rendered, never copied into the outbox (DESIGN §6)."""
    return {"customer": customer_id, "field": what}


def staff_arg(staff_id: int) -> dict[str, Any]:
    """A member of staff's name in a message: looked up when the message is rendered, like a
    customer's (outbox and event rows refer to people by id)."""
    return {"staff": staff_id, "field": "name"}


# The button that opens the supervisor's card of a job (/job NUMBER) from a notice: payload
# ``{"job_id": id}`` (the technician's own job card is ``job.card``).
JOB_CARD_ACTION = "sup.job"


def job_button(job: JobRecord) -> dict[str, Any]:
    """What a job's buttons carry: the job and the version the person saw."""
    return {"job_id": job_id(job), "version": job.version}


def hours_after(now: datetime, hours: float) -> datetime:
    return now + timedelta(hours=hours)


# --- cards: what a notice with buttons is for, and its keyboard once that is done -------------

CARD = "card"  # the audit subject that remembers the copies of a card
CARD_SENT = "card.sent"


def card_key(job: JobRecord) -> str:
    """What the buttons of a job's card are for: the state the job is in when it is sent. Any
    step out of that state (:func:`apply`) retires the card."""
    return f"job:{job_id(job)}:{job.state.value}"


def part_request_key(request_id: int) -> str:
    """The storekeepers' card of one part request, retired when it is delivered."""
    return f"part_request:{request_id}"


async def remember_card(
    uow: UnitOfWork, key: str, message_ids: Iterable[int | None], now: datetime
) -> None:
    """Keep which outbox messages carry the card ``key`` (every copy: each supervisor's, each
    storekeeper's), so that :func:`retire_cards` finds them when its action is done."""
    ids = [int(i) for i in message_ids if i is not None]
    if ids:
        await uow.events.append(SYSTEM, CARD_SENT, CARD, key, {"messages": ids}, now)


async def offer_next_step(
    uow: UnitOfWork,
    row: StaffRow,
    job: JobRecord,
    template: str,
    args: Mapping[str, Any],
    now: datetime,
    buttons: Sequence[ButtonSpec],
) -> int | None:
    """Tell ``row`` what just happened to ``job`` with the button of what they do next
    (DESIGN.md §3 "Every card offers the next step": the same buttons as the job's card), and
    remember the notice as a card of the job in its present state, so it loses its keyboard
    once the job moves on. The one way every next-step notice is sent (a part delivered, an
    inspection passed or failed, fees approved or rejected, a confirmation with money due)."""
    told = await notify_staff(uow, row, template, args, now, buttons=buttons)
    await remember_card(uow, card_key(job), [told], now)
    return told


async def retire_cards(uow: UnitOfWork, key: str, now: datetime) -> list[int]:
    """The action of the card ``key`` is done: every copy loses its keyboard (an outbox edit
    of the keyboard only; its text stays). A stale button pressed later is still refused by
    its own checks. Returns the edits' ids."""
    ids: list[int] = []
    for event in await uow.events.for_subject(CARD, key):
        if event.kind != CARD_SENT:
            continue
        for message_id in event.payload.get("messages", []):
            message = await uow.outbox.get(int(message_id))
            if message is None or message.method != "send" or message.status == "failed":
                continue
            found = await remove_keyboard(
                uow,
                chat_id=message.chat_id,
                recipient=(message.recipient_kind, message.recipient_id),
                now=now,
                outbox_id=message.id,
                message_id=message.message_id,
            )
            if found is not None:
                ids.append(found)
    return ids


async def remove_keyboard(
    uow: UnitOfWork,
    *,
    chat_id: int,
    recipient: tuple[str, int | None],
    now: datetime,
    outbox_id: int | None = None,
    message_id: int | None = None,
) -> int | None:
    """Queue the edit that takes a message's keyboard away: the sent message (``message_id``,
    Telegram's) or the outbox row not sent yet (``outbox_id``; the edit waits for it). Once
    per message: the key is the same whichever way it is named once sent."""
    if message_id is not None:
        key = f"keyboard:{chat_id}:{message_id}"
    elif outbox_id is not None:
        key = f"keyboard:o{outbox_id}"
    else:
        return None
    kind, recipient_id = recipient
    return await uow.outbox.enqueue(
        chat_id=chat_id,
        recipient_kind="customer" if kind == "customer" else "chat" if kind == "chat" else "staff",
        recipient_id=recipient_id,
        template=KEYBOARD,
        params={},
        now=now,
        priority=OutboxRepository.PRIORITY_REPLY,
        dedupe_key=key,
        method="edit",
        ref_outbox_id=None if message_id is not None else outbox_id,
        ref_message_id=message_id,
    )
