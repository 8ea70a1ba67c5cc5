"""Cash on site, its one home (DESIGN.md §5 "How the numbers are defined", §1 accountant):
**cash held** = cash collected on site − cash the accountant confirmed as handed over.

The accountant sees each technician's cash held (``/cash``) and confirms the amount handed
over; a confirmed amount that differs from what the technician held is flagged to the
supervisors of the technician's branch. The technician's daily report shows the cash held
after it.

Use cases work inside the caller's unit of work and do not commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from fieldbot.domain.model import Role
from fieldbot.domain.permissions import Permission
from fieldbot.i18n import N_
from fieldbot.repositories.cash import Handover
from fieldbot.repositories.outbox import OutboxRepository
from fieldbot.repositories.people import StaffRow
from fieldbot.services.recipients import supervisors_of
from fieldbot.services.workflow import (
    InvalidInput,
    UnknownStaff,
    load_staff,
    money_arg,
    notify_staff,
    require_permission,
    staff_arg,
    staff_tag,
)
from fieldbot.store import UnitOfWork

CASH_DIFFERENCE = N_(
    "Cash handed over by {technician}: {held} held, {confirmed} confirmed by {accountant} — "
    "a difference of {difference}."
)
CASH_HANDED_OVER = "cash.handed_over"


async def cash_held(uow: UnitOfWork, staff_id: int, until: datetime | None = None) -> int:
    """Fen the technician holds: collected in cash on site − confirmed as handed over (both up
    to ``until`` when given)."""
    return (await cash_held_by(uow, [staff_id], until))[staff_id]


async def cash_held_by(
    uow: UnitOfWork, staff_ids: Sequence[int], until: datetime | None = None
) -> dict[int, int]:
    """:func:`cash_held` of many technicians at once (a branch's daily report): staff id →
    fen, every id given present."""
    collected = await uow.cash.collected_by(staff_ids, until)
    handed = await uow.cash.handed_over_by(staff_ids, until)
    return {i: collected.get(i, 0) - handed.get(i, 0) for i in staff_ids}


@dataclass(frozen=True, slots=True)
class Held:
    staff: StaffRow
    held_fen: int


async def holdings(uow: UnitOfWork, branch_id: int | None = None) -> list[Held]:
    """Every active technician (of one branch) with the cash they hold, by code."""
    rows = await uow.staff.rows(role=Role.TECHNICIAN)
    found = [row for row in rows if branch_id is None or row.branch_id == branch_id]
    held = await cash_held_by(uow, [row.id for row in found])
    return [Held(row, held[row.id]) for row in found]


@dataclass(frozen=True, slots=True)
class HandedOver:
    handover: Handover
    difference_fen: int  # confirmed − held: negative when less came than was held
    held_after_fen: int


async def confirm_handover(
    uow: UnitOfWork,
    *,
    technician: str,
    actor: str,
    confirmed_fen: int,
    now: datetime,
) -> HandedOver:
    """The accountant received ``confirmed_fen`` from the technician: recorded (and kept as an
    event); a difference from what the technician held goes to their branch's supervisors."""
    accountant = await load_staff(uow, actor)
    require_permission(accountant, Permission.CONFIRM_CASH, "confirm_cash")
    tech = await load_staff(uow, technician)
    if Role.TECHNICIAN not in tech.staff.roles:
        raise UnknownStaff(f"{technician} is not a technician", code=technician)
    if confirmed_fen < 0:
        raise InvalidInput("not an amount of money", field="amount")
    held = await cash_held(uow, tech.id)
    handover = await uow.cash.add_handover(
        staff_id=tech.id,
        accountant_id=accountant.id,
        held_fen=held,
        confirmed_fen=confirmed_fen,
        now=now,
    )
    difference = confirmed_fen - held
    await uow.events.append(
        actor=staff_tag(accountant),
        kind=CASH_HANDED_OVER,
        subject_type="staff",
        subject_id=tech.id,
        payload={"held_fen": held, "confirmed_fen": confirmed_fen, "difference_fen": difference},
        at=now,
    )
    if difference != 0:
        args = {
            "technician": staff_arg(tech.id),
            "accountant": staff_arg(accountant.id),
            "held": money_arg(held),
            "confirmed": money_arg(confirmed_fen),
            "difference": money_arg(abs(difference)),
        }
        for row in await supervisors_of(uow, tech.branch_id):
            await notify_staff(
                uow,
                row,
                CASH_DIFFERENCE,
                args,
                now,
                priority=OutboxRepository.PRIORITY_ASSIGNMENT,
                dedupe_key=f"cash_difference:{handover.id}:{row.id}",
            )
    return HandedOver(handover, difference, held - confirmed_fen)
