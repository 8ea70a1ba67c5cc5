"""Take-back (DESIGN.md §3, seed 000 art.11-14): the unit cannot be fixed on site and goes
to the workshop with a receipt and a promised date; the in/out register records when it came
in and left; the repair card holds the actual hours and parts; the supervisor inspects before
return (a failure sends it back); on return the customer confirms and the receipt is voided.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from fieldbot.clock import Clock
from fieldbot.domain.model import JobState
from fieldbot.domain.permissions import Permission
from fieldbot.domain.states import Action
from fieldbot.i18n import N_
from fieldbot.repositories.jobs import JobRecord
from fieldbot.repositories.signoffs import SignoffMethod
from fieldbot.repositories.workshop import Receipt, RepairCard
from fieldbot.services.deadlines.job_clocks import on_job_transition
from fieldbot.services.deadlines.slips import tell_new_promised_date
from fieldbot.services.settlement import close_if_settled
from fieldbot.services.signoff import SignedOff
from fieldbot.services.spare_parts import PartQuantity, check_parts, take_from_van
from fieldbot.services.workflow import (
    InvalidInput,
    JobChange,
    JobRef,
    Notices,
    apply,
    branch_timezone,
    customer_of,
    job_button,
    job_id,
    load_job,
    notify_customer,
    notify_staff,
    notify_supervisors,
    record,
    require_assigned,
    require_reason,
    require_state,
    require_supervisor,
    staff_tag,
    technician_of,
    when_arg,
)
from fieldbot.settings import Settings
from fieldbot.store import UnitOfWork

PASS = N_("Pass")
FAIL = N_("Fail")


def receipt_number(job: JobRecord, sequence: int) -> str:
    """``R20260914-001-1``: the job's number and the how-many-th take-back of it."""
    return f"R{job.number.removeprefix('J')}-{sequence}"


@dataclass(frozen=True, slots=True)
class TakenBack:
    change: JobChange
    receipt: Receipt


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
    """The technician takes the unit to the workshop: a receipt for the customer, an "in" line
    in the register and the promised date as the workshop deadline."""
    now = clock.now()
    if promised_at.tzinfo is None or promised_at.utcoffset() is None:
        raise InvalidInput("the promised date needs a timezone", field="promised_at")
    if promised_at <= now:
        raise InvalidInput("the promised date is in the past", field="promised_at")
    found = await load_job(uow, job, expected_version)
    tech = await require_assigned(uow, actor, found, Action.TAKE_BACK)
    earlier = await uow.fieldwork.receipts(job_id(found))
    saved = await apply(
        uow,
        found,
        Action.TAKE_BACK,
        staff_tag(tech),
        now,
        changes={"workshop_due_at": promised_at},
        payload={"receipt": receipt_number(found, len(earlier) + 1), "promised_at": promised_at},
        settings=settings,
    )
    receipt = await uow.fieldwork.issue_receipt(
        number=receipt_number(found, len(earlier) + 1),
        job_id=job_id(saved),
        equipment_id=saved.equipment_id,
        issued_by=tech.id,
        promised_at=promised_at,
        now=now,
    )
    await uow.fieldwork.register_move(
        job_id=job_id(saved), receipt_id=receipt.id, direction="in", staff_id=tech.id, now=now
    )
    tz = await branch_timezone(uow, settings, saved)
    notices = Notices()
    notices.add(
        await notify_customer(
            uow,
            await customer_of(uow, saved),
            N_(
                "Job {number}: your unit was taken to our workshop, receipt {receipt}. "
                "We promise it back by {when}."
            ),
            {"number": saved.number, "receipt": receipt.number, "when": when_arg(promised_at, tz)},
            now,
            informational=True,
        )
    )
    change = JobChange(saved, Action.TAKE_BACK, found.state, notices.tuple())
    return TakenBack(change, receipt)


@dataclass(frozen=True, slots=True)
class Repaired:
    change: JobChange
    card: RepairCard


async def record_repair(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    job: JobRef,
    actor: str,
    minutes: int,
    notes: str,
    parts: Sequence[PartQuantity] = (),
    expected_version: int | None = None,
) -> Repaired:
    """The repair card (actual time and parts replaced, taken from the technician's van);
    the unit then waits for the supervisor's inspection."""
    now = clock.now()
    if minutes < 0:
        raise InvalidInput("the repair time cannot be negative", field="minutes")
    text = notes.strip()
    if not text:
        raise InvalidInput("say what was repaired", field="notes")
    await check_parts(uow, parts)
    found = await load_job(uow, job, expected_version)
    tech = await require_assigned(uow, actor, found, Action.REPAIRED)
    receipt = await uow.fieldwork.active_receipt(job_id(found))
    saved = await apply(
        uow,
        found,
        Action.REPAIRED,
        staff_tag(tech),
        now,
        settings=settings,
        payload={"minutes": minutes, "parts": [list(p) for p in parts]},
    )
    assert receipt is not None
    await take_from_van(uow, saved, tech, parts, "workshop", now)
    card = await uow.fieldwork.add_repair_card(
        job_id=job_id(saved),
        receipt_id=receipt.id,
        technician_id=tech.id,
        minutes=minutes,
        notes=text,
        parts=list(parts),
        now=now,
    )
    payload = job_button(saved)
    ids = await notify_supervisors(
        uow,
        saved,
        N_("Job {number}: the workshop repair is ready for your inspection. {notes}"),
        {"number": saved.number, "notes": text},
        now,
        buttons=[(PASS, "inspection.pass", payload), (FAIL, "inspection.fail", payload)],
    )
    return Repaired(JobChange(saved, Action.REPAIRED, found.state, tuple(ids)), card)


async def _inspect(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    job: JobRef,
    actor: str,
    passed: bool,
    reason: str | None,
    expected_version: int | None,
) -> JobChange:
    now = clock.now()
    action = Action.PASS_INSPECTION if passed else Action.FAIL_INSPECTION
    found = await load_job(uow, job, expected_version)
    supervisor = await require_supervisor(uow, actor, found, Permission.INSPECT, action)
    text = None if passed else require_reason(reason, action)
    cards = await uow.fieldwork.repair_cards(job_id(found))
    saved = await apply(
        uow,
        found,
        action,
        staff_tag(supervisor),
        now,
        settings=settings,
        payload={"repair_card_id": cards[-1].id if cards else None, "reason": text},
    )
    await uow.fieldwork.add_inspection(
        job_id=job_id(saved),
        repair_card_id=cards[-1].id,
        passed=passed,
        supervisor_id=supervisor.id,
        reason=text,
        now=now,
    )
    notices = Notices()
    tech = await technician_of(uow, saved)
    if tech is not None:
        if passed:
            template = N_("Job {number} passed inspection: return the unit to the customer.")
        else:
            template = N_("Job {number} failed inspection: {reason}")
        notices.add(
            await notify_staff(
                uow, tech, template, {"number": saved.number, "reason": text or ""}, now
            )
        )
    return JobChange(saved, action, found.state, notices.tuple())


async def pass_inspection(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    job: JobRef,
    actor: str,
    expected_version: int | None = None,
) -> JobChange:
    return await _inspect(uow, settings, clock, job, actor, True, None, expected_version)


async def fail_inspection(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    job: JobRef,
    actor: str,
    reason: str,
    expected_version: int | None = None,
) -> JobChange:
    """The inspection failed (a reason is required): back to the workshop."""
    return await _inspect(uow, settings, clock, job, actor, False, reason, expected_version)


async def return_unit(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    job: JobRef,
    actor: str,
    photo: str | None = None,
    expected_version: int | None = None,
) -> SignedOff:
    """The technician returns the unit with the customer confirming (``photo``: the signed
    receipt's Telegram file id, if taken): signed off, an "out" line in the register, and
    the receipt voided."""
    now = clock.now()
    found = await load_job(uow, job, expected_version)
    tech = await require_assigned(uow, actor, found, Action.RETURN_UNIT)
    receipt = await uow.fieldwork.active_receipt(job_id(found))
    evidence = (photo or "").strip() or None
    method: SignoffMethod = "paper_photo" if evidence else "in_person"
    saved = await apply(
        uow,
        found,
        Action.RETURN_UNIT,
        staff_tag(tech),
        now,
        payload={"receipt": None if receipt is None else receipt.number, "method": method},
        settings=settings,
    )
    assert receipt is not None
    await uow.fieldwork.register_move(
        job_id=job_id(saved), receipt_id=receipt.id, direction="out", staff_id=tech.id, now=now
    )
    await uow.fieldwork.void_receipt(receipt.id, now)
    await uow.fieldwork.add_signoff(
        job_id=job_id(saved),
        outcome="returned",
        method=method,
        staff_id=tech.id,
        customer_id=saved.customer_id,
        evidence=evidence,
        now=now,
    )
    change = JobChange(saved, Action.RETURN_UNIT, found.state)
    return SignedOff(change, await close_if_settled(uow, settings, saved, now))


PROMISE_STATES = frozenset({JobState.IN_WORKSHOP, JobState.AWAITING_INSPECTION})
PROMISED_DATE_MOVED = "job.promised_date_moved"


@dataclass(frozen=True, slots=True)
class PromisedDateMoved:
    job: JobRecord
    notified: tuple[int, ...]


async def move_promised_date(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    job: JobRef,
    actor: str,
    promised_at: datetime,
    expected_version: int | None = None,
) -> PromisedDateMoved:
    """The technician promises the unit back by a new date (the old one slipped, or will): the
    workshop clock restarts against it as a new generation, and the customer is told the new
    date (DESIGN.md §3, "Telling the customer about a slip")."""
    now = clock.now()
    if promised_at.tzinfo is None or promised_at.utcoffset() is None:
        raise InvalidInput("the promised date needs a timezone", field="promised_at")
    if promised_at <= now:
        raise InvalidInput("the promised date is in the past", field="promised_at")
    found = await load_job(uow, job, expected_version)
    require_state(found, PROMISE_STATES, "move the promised date of")
    tech = await require_assigned(uow, actor, found, PROMISED_DATE_MOVED)
    saved = await uow.jobs.update(replace(found, workshop_due_at=promised_at), now)
    await record(
        uow,
        saved,
        PROMISED_DATE_MOVED,
        staff_tag(tech),
        now,
        {"from": found.workshop_due_at, "to": promised_at},
    )
    await on_job_transition(uow, settings, found, saved, now, staff_tag(tech))
    tz = await branch_timezone(uow, settings, saved)
    notices = Notices()
    notices.add(await tell_new_promised_date(uow, saved, promised_at, tz, staff_tag(tech), now))
    return PromisedDateMoved(saved, notices.tuple())
