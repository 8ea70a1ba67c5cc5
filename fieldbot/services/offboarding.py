"""A person leaves the company (DESIGN.md §6 offboarding [seed 004 工作移交], the unassign row
of §3): ``fieldbot staff leave CODE`` or the manager's ``/leave CODE``.

At once, in one unit of work: the person is made inactive (the bot answers them as a stranger
from their next update, their buttons are refused); their jobs not yet further on than the
site (dispatched … on_site, waiting_part) are unassigned back to the branch queue, the
branch's supervisors told with a Dispatch button (a job that was on site or waiting for a
part: the work had started, the supervisor reassigns it); jobs further on (the workshop,
awaiting inspection, approval, a quote or sign-off) keep their state and are listed to the
supervisors; their van stock moves to the branch store; the cash they hold
(:func:`fieldbot.services.cash.cash_held`) is handed to the branch's supervisor pending the
accountant; their unused invites are revoked. One ``staff.left`` event records it all, and
leaving again changes nothing (:attr:`Departure.already_left`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from fieldbot.clock import Clock
from fieldbot.domain.errors import NotAllowed
from fieldbot.domain.model import JobState, Role, StockLevel
from fieldbot.domain.permissions import Permission
from fieldbot.domain.states import OPEN_STATES, UNASSIGNABLE_STATES, Action
from fieldbot.i18n import N_
from fieldbot.labels import STATE_NAMES
from fieldbot.repositories.jobs import JobRecord
from fieldbot.repositories.people import StaffRow
from fieldbot.services.cash import cash_held
from fieldbot.services.recipients import accountants_of, supervisors_of
from fieldbot.services.spare_parts import van_of
from fieldbot.services.stock_levels import warn_low_stock
from fieldbot.services.workflow import (
    UnknownStaff,
    apply,
    job_button,
    job_id,
    load_staff,
    money_arg,
    notify_staff,
    notify_supervisors,
    require_permission,
    staff_arg,
    staff_tag,
)
from fieldbot.settings import Settings
from fieldbot.store import UnitOfWork

LEFT_EVENT = "staff.left"
CLI_ACTOR = "admin"  # the command line has no staff identity
ON_SITE_STATES = frozenset({JobState.ON_SITE, JobState.WAITING_PART})

DISPATCH_IT = N_("Dispatch")
REQUEUED = N_("{technician} has left: job {number} is back in your queue; please dispatch it.")
FROM_SITE = N_(
    "{technician} has left while job {number} was {state}: the work had started on site. "
    "Please reassign it."
)
KEPT_HEADER = N_(
    "{technician} has left. These jobs of theirs stay where they are; reassign them when "
    "needed:\n{jobs}"
)
KEPT_LINE = N_("{number} · {state}")
CASH_TO_SUPERVISOR = N_(
    "{technician} has left holding {amount} in cash: it is handed to you, pending the accountant."
)
CASH_TO_ACCOUNTANT = N_(
    "{technician} has left holding {amount} in cash: handed to {supervisor}, to be confirmed "
    "by you."
)


@dataclass(frozen=True, slots=True)
class LeavePlan:
    """What leaving would do (the manager's /leave shows it before the Confirm)."""

    staff: StaffRow
    requeue: tuple[JobRecord, ...]  # dispatched … en_route: back in the queue
    from_site: tuple[JobRecord, ...]  # on site, waiting for a part: back in the queue too
    kept: tuple[JobRecord, ...]  # further on: keep their state, listed
    stock: tuple[StockLevel, ...]  # in their van, to the branch store
    store: str  # the branch store (its code), or "central" for staff of no branch
    cash_fen: int
    invites: int = 0  # revoked when done


@dataclass(frozen=True, slots=True)
class Departure:
    plan: LeavePlan
    already_left: bool
    left_at: datetime
    cash_to: StaffRow | None = None
    told: tuple[int, ...] = field(default_factory=tuple)


async def plan_leave(uow: UnitOfWork, code: str) -> LeavePlan:
    """What leaving would do for ``code`` now (someone who left already included); changes
    nothing."""
    row = await uow.staff.row(code.strip())
    if row is None:
        raise UnknownStaff(f"unknown staff {code!r}", staff=code)
    jobs = await uow.jobs.list(technician_id=row.id, states=OPEN_STATES)
    requeue = [j for j in jobs if j.state in UNASSIGNABLE_STATES and j.state not in ON_SITE_STATES]
    from_site = [j for j in jobs if j.state in ON_SITE_STATES]
    kept = [j for j in jobs if j.state not in UNASSIGNABLE_STATES]
    store = "central"
    if row.staff.branch is not None:
        store = row.staff.branch
    stock = [level for level in await uow.stock.at_location(van_of(row)) if level.quantity > 0]
    return LeavePlan(
        staff=row,
        requeue=tuple(requeue),
        from_site=tuple(from_site),
        kept=tuple(kept),
        stock=tuple(stock),
        store=store,
        cash_fen=await cash_held(uow, row.id),
    )


async def left_at(uow: UnitOfWork, staff_id: int) -> datetime | None:
    """When the person left (their ``staff.left`` event), or None."""
    for event in await uow.events.for_subject("staff", str(staff_id)):
        if event.kind == LEFT_EVENT:
            return event.at
    return None


async def _actor_tag(uow: UnitOfWork, actor: str | None, leaver: StaffRow) -> str:
    """The command line (None) may; in the chat, staff who may offboard (the manager), never
    themself."""
    if actor is None:
        return CLI_ACTOR
    by = await load_staff(uow, actor)
    require_permission(by, Permission.OFFBOARD_STAFF, "leave")
    if not by.staff.active or by.id == leaver.id:
        raise NotAllowed(f"{by.staff.code} may not offboard {leaver.staff.code}", staff=actor)
    return staff_tag(by)


async def _cash_receiver(uow: UnitOfWork, leaver: StaffRow) -> StaffRow | None:
    """Who takes the cash: the first of the branch's supervisors as notices reach them (a
    manager when no supervisor is bound), else any active supervisor of the branch."""
    reached = await supervisors_of(uow, leaver.branch_id)
    if reached:
        return reached[0]
    if leaver.staff.branch is None:
        return None
    rows = await uow.staff.rows(branch=leaver.staff.branch, role=Role.SUPERVISOR)
    return rows[0] if rows else None


async def leave(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    staff: str,
    actor: str | None = None,
) -> Departure:
    """Offboard ``staff`` (a code) as the module says; ``actor`` is the manager's staff code,
    None for the command line. Leaving again changes nothing and says when they left."""
    now = clock.now()
    plan = await plan_leave(uow, staff)
    row = plan.staff
    tag = await _actor_tag(uow, actor, row)
    earlier = await left_at(uow, row.id)
    if earlier is not None:
        return Departure(plan, already_left=True, left_at=earlier)

    await uow.staff.set_active(row.staff.code, False)
    if row.telegram_user_id is not None:
        await uow.forms.clear(row.telegram_user_id)
    who = staff_arg(row.id)
    told: list[int] = []
    for job in (*plan.requeue, *plan.from_site):
        saved = await _unassign(uow, settings, job, tag, now)
        on_site = job.state in ON_SITE_STATES
        told += await notify_supervisors(
            uow,
            saved,
            FROM_SITE if on_site else REQUEUED,
            {"technician": who, "number": job.number, "state": {"t": STATE_NAMES[job.state]}},
            now,
            buttons=[(DISPATCH_IT, "sup.suggest", job_button(saved))],
        )
    if plan.kept:
        told += await _list_kept(uow, row, plan.kept, now)
    for level in plan.stock:
        await uow.stock.move(van_of(row), plan.store, level.part, level.quantity)
    if plan.stock:
        await warn_low_stock(uow, now)
    receiver = await _cash_receiver(uow, row) if plan.cash_fen > 0 else None
    if receiver is not None:
        told += await _tell_cash(uow, row, receiver, plan.cash_fen, now)
    invites = await uow.invites.revoke_for_staff(row.id, now)
    await uow.events.append(
        tag,
        LEFT_EVENT,
        "staff",
        str(row.id),
        _payload(plan, receiver, invites),
        now,
    )
    done = replace(plan, invites=invites)
    return Departure(done, already_left=False, left_at=now, cash_to=receiver, told=tuple(told))


async def _unassign(
    uow: UnitOfWork, settings: Settings, job: JobRecord, actor: str, now: datetime
) -> JobRecord:
    """Back to the branch queue (where its call time puts it ahead of later calls); open part
    requests lapse (the van is gone)."""
    saved = await apply(
        uow,
        job,
        Action.UNASSIGN,
        actor,
        now,
        changes={"technician_id": None, "appointment_at": None},
        payload={"technician_id": job.technician_id, "reason": "left"},
        settings=settings,
    )
    await uow.fieldwork.cancel_part_requests(job_id(saved))
    return saved


async def _list_kept(
    uow: UnitOfWork, row: StaffRow, kept: tuple[JobRecord, ...], now: datetime
) -> list[int]:
    lines = [
        {"t": KEPT_LINE, "args": {"number": j.number, "state": {"t": STATE_NAMES[j.state]}}}
        for j in kept
    ]
    told = []
    for supervisor in await supervisors_of(uow, row.branch_id):
        sent = await notify_staff(
            uow,
            supervisor,
            KEPT_HEADER,
            {"technician": staff_arg(row.id), "jobs": {"lines": lines}},
            now,
        )
        if sent is not None:
            told.append(sent)
    return told


async def _tell_cash(
    uow: UnitOfWork, row: StaffRow, receiver: StaffRow, fen: int, now: datetime
) -> list[int]:
    args = {"technician": staff_arg(row.id), "amount": money_arg(fen)}
    told = [await notify_staff(uow, receiver, CASH_TO_SUPERVISOR, args, now)]
    for accountant in await accountants_of(uow, row.branch_id):
        told.append(
            await notify_staff(
                uow,
                accountant,
                CASH_TO_ACCOUNTANT,
                {**args, "supervisor": staff_arg(receiver.id)},
                now,
            )
        )
    return [sent for sent in told if sent is not None]


def _payload(plan: LeavePlan, receiver: StaffRow | None, invites: int) -> dict[str, Any]:
    return {
        "code": plan.staff.staff.code,
        "requeued": [job.number for job in plan.requeue],
        "from_site": [job.number for job in plan.from_site],
        "kept": [{"number": job.number, "state": job.state.value} for job in plan.kept],
        "stock": [
            {"part": level.part, "quantity": level.quantity, "from": van_of(plan.staff)}
            for level in plan.stock
        ],
        "store": plan.store,
        # the hand-over the accountant's /cash confirms later
        "cash": {
            "amount_fen": plan.cash_fen,
            "to_staff_id": None if receiver is None else receiver.id,
            "to_code": None if receiver is None else receiver.staff.code,
        },
        "invites_revoked": invites,
    }
