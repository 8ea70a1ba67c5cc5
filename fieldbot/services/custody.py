"""Custody (DESIGN.md §3 Custody and Carry-in, seed 000 art.11-13): a unit taken back from
the site, or carried in by the customer, gets a receipt and a promised date; the customer
confirms the receipt in their chat, or the technician sends the photo of the signed paper
receipt; the in/out register records when it came in. The repair, the inspection and the
return are :mod:`fieldbot.services.workshop`; the receipt is voided at sign-off
(:mod:`fieldbot.services.signoff`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fieldbot.clock import Clock
from fieldbot.domain.errors import NotAllowed
from fieldbot.domain.model import JobState, Role
from fieldbot.domain.permissions import Permission
from fieldbot.domain.states import Action
from fieldbot.i18n import N_
from fieldbot.repositories.jobs import JobRecord
from fieldbot.repositories.people import StaffRow
from fieldbot.repositories.workshop import Receipt
from fieldbot.services.workflow import (
    CONFIRM,
    InvalidInput,
    JobChange,
    JobRef,
    Notices,
    apply,
    branch_timezone,
    customer_of,
    customer_tag,
    job_button,
    job_id,
    load_job,
    load_staff,
    notify_customer,
    notify_staff,
    record,
    require_assigned,
    require_customer_of,
    require_permission,
    require_supervisor,
    staff_tag,
    technician_of,
    when_arg,
)
from fieldbot.settings import Settings
from fieldbot.store import UnitOfWork

OPEN_JOB = N_("Open job")

RECEIPT_TEMPLATE = N_(
    "Job {number}: your unit {equipment} is in our workshop, receipt {receipt}. We promise it "
    "back by {when}. Please confirm that you handed it over."
)
UNIT_UNKNOWN = N_("(unit not recorded)")


def receipt_number(job: JobRecord, sequence: int) -> str:
    """``R20260914-001-1``: the job's number and the how-many-th receipt of it."""
    return f"R{job.number.removeprefix('J')}-{sequence}"


def _promised(promised_at: datetime, now: datetime) -> None:
    if promised_at.tzinfo is None or promised_at.utcoffset() is None:
        raise InvalidInput("the promised date needs a timezone", field="promised_at")
    if promised_at <= now:
        raise InvalidInput("the promised date is in the past", field="promised_at")


@dataclass(frozen=True, slots=True)
class TakenBack:
    """A unit now in our custody (taken back or carried in): its receipt, and whether the
    customer was asked to confirm it in their chat (else the technician sends the photo of
    the signed paper receipt)."""

    change: JobChange
    receipt: Receipt
    customer_asked: bool = False


async def _equipment_text(uow: UnitOfWork, job: JobRecord) -> dict[str, Any] | str:
    unit = None if job.equipment_id is None else await uow.equipment.by_id(job.equipment_id)
    return {"t": UNIT_UNKNOWN} if unit is None else f"{unit.model} ({unit.serial})"


async def _receive(
    uow: UnitOfWork,
    settings: Settings,
    found: JobRecord,
    saved: JobRecord,
    staff: StaffRow,
    receipt_no: str,
    promised_at: datetime,
    now: datetime,
) -> TakenBack:
    """The receipt, the "in" line of the register, and the customer asked to confirm."""
    receipt = await uow.fieldwork.issue_receipt(
        number=receipt_no,
        job_id=job_id(saved),
        equipment_id=saved.equipment_id,
        issued_by=staff.id,
        promised_at=promised_at,
        now=now,
    )
    await uow.fieldwork.register_move(
        job_id=job_id(saved), receipt_id=receipt.id, direction="in", staff_id=staff.id, now=now
    )
    tz = await branch_timezone(uow, settings, saved)
    notices = Notices()
    asked = await notify_customer(
        uow,
        await customer_of(uow, saved),
        RECEIPT_TEMPLATE,
        {
            "number": saved.number,
            "receipt": receipt.number,
            "when": when_arg(promised_at, tz),
            "equipment": await _equipment_text(uow, saved),
        },
        now,
        buttons=[(CONFIRM, "receipt.confirm", {**job_button(saved), "receipt_id": receipt.id})],
    )
    notices.add(asked)
    action = Action.TAKE_BACK if found.state is JobState.ON_SITE else Action.CARRY_IN
    change = JobChange(saved, action, found.state, notices.tuple())
    return TakenBack(change, receipt, asked is not None)


async def take_back(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    job: JobRef,
    actor: str,
    promised_at: datetime,
    expected_version: int | None = None,
) -> TakenBack:
    """The technician takes the unit to the workshop: a receipt for the customer to confirm,
    an "in" line in the register and the promised date as the workshop deadline."""
    now = clock.now()
    _promised(promised_at, now)
    found = await load_job(uow, job, expected_version)
    tech = await require_assigned(uow, actor, found, Action.TAKE_BACK)
    number = receipt_number(found, len(await uow.fieldwork.receipts(job_id(found))) + 1)
    saved = await apply(
        uow,
        found,
        Action.TAKE_BACK,
        staff_tag(tech),
        now,
        changes={"workshop_due_at": promised_at},
        payload={"receipt": number, "promised_at": promised_at},
        settings=settings,
    )
    return await _receive(uow, settings, found, saved, tech, number, promised_at, now)


async def _technician_of_branch(uow: UnitOfWork, code: str, job: JobRecord) -> StaffRow:
    row = await load_staff(uow, code)
    if Role.TECHNICIAN not in row.staff.roles or not row.staff.active:
        raise NotAllowed(f"{row.staff.code} is not an active technician", staff=row.staff.code)
    if row.branch_id != job.branch_id:
        raise NotAllowed(
            f"{row.staff.code} is not a technician of the branch of job {job.number}",
            staff=row.staff.code,
            job=job.number,
        )
    return row


async def carry_in(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    job: JobRef,
    actor: str,
    promised_at: datetime,
    technician: str | None = None,
    expected_version: int | None = None,
) -> TakenBack:
    """The customer brought or sent the unit: a registered job is received in the workshop at
    once, without a visit (receipt, register, the workshop clock from now to the promised
    date). A technician of the branch carrying it in becomes its technician; a supervisor of
    the branch names the technician (``technician``)."""
    now = clock.now()
    _promised(promised_at, now)
    found = await load_job(uow, job, expected_version)
    staff = await load_staff(uow, actor)
    if technician is None or technician == staff.staff.code:
        require_permission(staff, Permission.WORK_JOBS, Action.CARRY_IN)
        tech = await _technician_of_branch(uow, staff.staff.code, found)
    else:
        staff = await require_supervisor(uow, actor, found, Permission.DISPATCH, Action.CARRY_IN)
        tech = await _technician_of_branch(uow, technician, found)
    number = receipt_number(found, len(await uow.fieldwork.receipts(job_id(found))) + 1)
    saved = await apply(
        uow,
        found,
        Action.CARRY_IN,
        staff_tag(staff),
        now,
        changes={"workshop_due_at": promised_at, "technician_id": tech.id},
        payload={"receipt": number, "promised_at": promised_at, "technician_id": tech.id},
        settings=settings,
    )
    taken = await _receive(uow, settings, found, saved, staff, number, promised_at, now)
    if tech.id == staff.id:
        return taken
    tz = await branch_timezone(uow, settings, saved)
    told = await notify_staff(
        uow,
        tech,
        N_(
            "Job {number} was carried in to the workshop for you: receipt {receipt}, "
            "promised back by {when}."
        ),
        {"number": saved.number, "receipt": number, "when": when_arg(promised_at, tz)},
        now,
        buttons=[(OPEN_JOB, "job.card", {"job_id": job_id(saved)})],
    )
    notified = taken.change.notified + (() if told is None else (told,))
    change = JobChange(saved, Action.CARRY_IN, found.state, notified)
    return TakenBack(change, taken.receipt, taken.customer_asked)


# --- the customer confirms the receipt -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReceiptConfirmed:
    job: JobRecord
    receipt: Receipt
    notified: tuple[int, ...] = ()


async def _unconfirmed_receipt(uow: UnitOfWork, job: JobRecord, receipt_id: int | None) -> Receipt:
    receipt = await uow.fieldwork.active_receipt(job_id(job))
    if receipt is None or (receipt_id is not None and receipt.id != receipt_id):
        raise InvalidInput(
            f"job {job.number} has no such receipt open", job=job.number, field="receipt"
        )
    if receipt.confirmed_at is not None:
        raise InvalidInput(
            f"receipt {receipt.number} is confirmed already", job=job.number, field="receipt"
        )
    return receipt


async def confirm_receipt(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    job: JobRef,
    customer: str,
    receipt_id: int | None = None,
) -> ReceiptConfirmed:
    """The customer confirms in their own chat that they handed the unit over."""
    now = clock.now()
    found = await load_job(uow, job)
    row = await require_customer_of(uow, customer, found, "confirm the receipt of")
    receipt = await _unconfirmed_receipt(uow, found, receipt_id)
    await uow.fieldwork.confirm_receipt(receipt.id, method="customer_chat", now=now)
    await record(
        uow,
        found,
        "job.receipt_confirmed",
        customer_tag(row),
        now,
        {"receipt": receipt.number, "method": "customer_chat"},
    )
    notices = Notices()
    tech = await technician_of(uow, found)
    if tech is not None:
        notices.add(
            await notify_staff(
                uow,
                tech,
                N_("Job {number}: the customer confirmed receipt {receipt}."),
                {"number": found.number, "receipt": receipt.number},
                now,
            )
        )
    confirmed = await uow.fieldwork.active_receipt(job_id(found))
    assert confirmed is not None
    return ReceiptConfirmed(found, confirmed, notices.tuple())


async def confirm_receipt_with_photo(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    job: JobRef,
    actor: str,
    photo: str,
) -> ReceiptConfirmed:
    """A customer without Telegram signed the paper receipt; the job's technician sends its
    photo (``photo``: the Telegram file id), kept as weaker evidence."""
    now = clock.now()
    evidence = photo.strip()
    if not evidence:
        raise InvalidInput("send the photo of the signed receipt", field="photo")
    found = await load_job(uow, job)
    tech = await require_assigned(uow, actor, found, "confirm the receipt of")
    receipt = await _unconfirmed_receipt(uow, found, None)
    await uow.fieldwork.confirm_receipt(
        receipt.id, method="paper_photo", evidence=evidence, now=now
    )
    await record(
        uow,
        found,
        "job.receipt_confirmed",
        staff_tag(tech),
        now,
        {"receipt": receipt.number, "method": "paper_photo"},
    )
    confirmed = await uow.fieldwork.active_receipt(job_id(found))
    assert confirmed is not None
    return ReceiptConfirmed(found, confirmed)
