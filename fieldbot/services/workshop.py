"""The workshop (DESIGN.md §3, seed 000 art.11-14): each repair card of a unit in custody
(:mod:`fieldbot.services.custody`) holds the actual hours, the parts and the fee lines, billed by
service type exactly like on-site work (:func:`fieldbot.services.work_record.bill`); the
supervisor inspects before return (a failure sends it back; fees above the approval limit are
approved or rejected with it); on return the customer signs off the summary like any job, and
only then is the receipt voided (:mod:`fieldbot.services.signoff`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from fieldbot.clock import Clock
from fieldbot.domain.entitlement import Charges, FeeKind, FeeLine
from fieldbot.domain.errors import NotAllowed
from fieldbot.domain.model import JobState
from fieldbot.domain.permissions import Permission, may
from fieldbot.domain.states import Action
from fieldbot.i18n import N_
from fieldbot.repositories.jobs import JobRecord
from fieldbot.repositories.people import StaffRow
from fieldbot.repositories.work_records import WorkRecordRow
from fieldbot.repositories.workshop import Receipt, RepairCard
from fieldbot.services.calendars import calendar_of
from fieldbot.services.deadlines.job_clocks import on_job_transition
from fieldbot.services.deadlines.slips import tell_new_promised_date
from fieldbot.services.signoff import request_signoff
from fieldbot.services.signoff_summary import signoff_args
from fieldbot.services.spare_parts import PartQuantity, check_parts, take_from_van
from fieldbot.services.work_record import Draft, bill, entered_amounts
from fieldbot.services.workflow import (
    RECORD_AGAIN,
    RETURN_UNIT,
    InvalidInput,
    JobChange,
    JobRef,
    Notices,
    apply,
    branch_timezone,
    card_key,
    job_button,
    job_id,
    load_job,
    load_staff,
    notify_staff,
    notify_supervisors,
    offer_next_step,
    record,
    remember_card,
    require_assigned,
    require_reason,
    require_state,
    require_supervisor,
    staff_arg,
    staff_tag,
    technician_of,
    when_arg,
)
from fieldbot.settings import Settings
from fieldbot.store import UnitOfWork

PASS = N_("Pass")
FAIL = N_("Fail")


# --- the repair card -------------------------------------------------------------------------


async def _bench_since(uow: UnitOfWork, job: JobRecord, receipt: Receipt) -> datetime:
    """When the unit last came to the bench: its receipt, or the last failed inspection."""
    start = receipt.issued_at
    for inspection in await uow.fieldwork.inspections(job_id(job)):
        if not inspection.passed and inspection.at > start:
            start = inspection.at
    return start


async def proposed_minutes(
    uow: UnitOfWork, settings: Settings, job: JobRecord, now: datetime
) -> int:
    """What the repair card proposes as the time spent: the working time (the branch's
    calendar) since the unit came to the bench (the receipt, or the last failed inspection);
    the elapsed time when none of it was working time; at least a minute, at most 24 h."""
    receipt = await uow.fieldwork.active_receipt(job_id(job))
    if receipt is None:
        return 60
    start = await _bench_since(uow, job, receipt)
    branches = await uow.branches.stored_by_ids([job.branch_id])
    calendar = await calendar_of(uow, settings, branches.get(job.branch_id))
    spent = calendar.working_between(start, now)
    if spent <= timedelta(0):
        spent = now - start
    return min(max(int(spent.total_seconds() // 60), 1), 24 * 60)


async def workshop_record(uow: UnitOfWork, job: JobRecord) -> WorkRecordRow | None:
    """The work record of the unit now in custody: the latest repair card's bill."""
    receipt = await uow.fieldwork.active_receipt(job_id(job))
    latest = await uow.fieldwork.latest_work_record(job_id(job))
    if receipt is None or latest is None or latest.stage != "workshop":
        return None
    return latest if latest.created_at >= receipt.issued_at else None


async def repair_draft(uow: UnitOfWork, job: JobRecord) -> Draft:
    """Where a repair card starts: after a failed inspection, from the card before (its work
    and entered fee lines, to keep or change); always with the parts fitted and not yet
    charged (on site before the take-back, or on the card before), which this card charges."""
    fitted = tuple(
        (use.part, use.quantity)
        for use in await uow.fieldwork.part_uses(job_id(job))
        if use.work_record_id is None
    )
    latest = await workshop_record(uow, job)
    if latest is None:
        return Draft(fitted=fitted)
    cards = await uow.fieldwork.repair_cards(job_id(job))
    notes = cards[-1].notes if cards else latest.description
    return Draft(notes, None, entered_amounts(latest), fitted)


@dataclass(frozen=True, slots=True)
class Repaired:
    change: JobChange
    card: RepairCard
    record: WorkRecordRow
    charges: Charges
    needs_approval: bool


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
    fees: Sequence[FeeLine] = (),
    expected_version: int | None = None,
) -> Repaired:
    """The repair card: the actual time, the parts replaced (taken from the technician's
    van) and the fee lines (labour, travel, other). The workshop repair is billed like
    on-site work (:func:`~fieldbot.services.work_record.bill`): one work record of the
    ``workshop`` stage holds the entered lines and every part fitted and not yet charged, by
    the service type's rule; the unit then waits for the supervisor's inspection, which also
    decides fees above the approval limit."""
    now = clock.now()
    if minutes < 0:
        raise InvalidInput("the repair time cannot be negative", field="minutes")
    text = notes.strip()
    if not text:
        raise InvalidInput("say what was repaired", field="notes")
    if any(line.kind is FeeKind.PARTS for line in fees):
        raise InvalidInput("parts are charged from the parts used", field="fees")
    await check_parts(uow, parts)
    found = await load_job(uow, job, expected_version)
    tech = await require_assigned(uow, actor, found, Action.REPAIRED)
    require_state(found, {JobState.IN_WORKSHOP}, Action.REPAIRED.value)
    receipt = await uow.fieldwork.active_receipt(job_id(found))
    assert receipt is not None
    await take_from_van(uow, found, tech, parts, "workshop", now)
    card = await uow.fieldwork.add_repair_card(
        job_id=job_id(found),
        receipt_id=receipt.id,
        technician_id=tech.id,
        minutes=minutes,
        notes=text,
        parts=list(parts),
        now=now,
    )
    cards = [
        c for c in await uow.fieldwork.repair_cards(job_id(found)) if c.receipt_id == receipt.id
    ]
    uses = [u for u in await uow.fieldwork.part_uses(job_id(found)) if u.work_record_id is None]
    billed = await bill(
        uow,
        settings,
        found,
        tech,
        description="; ".join(c.notes for c in cards),
        minutes=sum(c.minutes for c in cards),
        fees=fees,
        uses=uses,
        now=now,
        stage="workshop",
    )
    saved = await apply(
        uow,
        found,
        Action.REPAIRED,
        staff_tag(tech),
        now,
        settings=settings,
        payload={
            "minutes": minutes,
            "parts": [list(p) for p in parts],
            "work_record_id": billed.record.id,
            "total_fen": billed.charges.total.fen,
            "amount_due_fen": billed.charges.amount_due.fen,
            "needs_approval": billed.needs_approval,
        },
    )
    payload = job_button(saved)
    summary = signoff_args(saved, billed.record)
    template = (
        N_(
            "Job {number}: the workshop repair is ready for your inspection. Work: {work}\n"
            "{items}\nTotal: {total}. Amount due: {due}.\nThe total is above the approval "
            "limit: Pass also approves the fees, Fail sends them back with the repair."
        )
        if billed.needs_approval
        else N_(
            "Job {number}: the workshop repair is ready for your inspection. Work: {work}\n"
            "{items}\nTotal: {total}. Amount due: {due}."
        )
    )
    ids = await notify_supervisors(
        uow,
        saved,
        template,
        {key: summary[key] for key in ("number", "work", "items", "total", "due")},
        now,
        buttons=[(PASS, "inspection.pass", payload), (FAIL, "inspection.fail", payload)],
    )
    await remember_card(uow, card_key(saved), ids, now)
    change = JobChange(saved, Action.REPAIRED, found.state, tuple(ids))
    return Repaired(change, card, billed.record, billed.charges, billed.needs_approval)


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
    bill_of = await workshop_record(uow, found)
    saved = await apply(
        uow,
        found,
        action,
        staff_tag(supervisor),
        now,
        settings=settings,
        payload={
            "repair_card_id": cards[-1].id if cards else None,
            "reason": text,
            "work_record_id": None if bill_of is None else bill_of.id,
        },
    )
    await uow.fieldwork.add_inspection(
        job_id=job_id(saved),
        repair_card_id=cards[-1].id,
        passed=passed,
        supervisor_id=supervisor.id,
        reason=text,
        now=now,
    )
    if bill_of is not None and bill_of.approval == "pending":
        await uow.fieldwork.decide_work_record(
            bill_of.id, "approved" if passed else "rejected", supervisor.id, now, text
        )
    if bill_of is not None and not passed:
        # The next repair card bills the whole repair again, these parts included.
        await uow.fieldwork.release_part_uses(bill_of.id)
    notices = Notices()
    tech = await technician_of(uow, saved)
    if tech is not None:
        ref = {"job_id": job_id(saved)}
        if passed:
            told = await offer_next_step(
                uow,
                tech,
                saved,
                N_("Job {number} passed inspection: return the unit to the customer."),
                {"number": saved.number},
                now,
                [(RETURN_UNIT, "job.return", ref)],
            )
        else:
            # back on the bench: the next repair card starts from this one
            told = await offer_next_step(
                uow,
                tech,
                saved,
                N_("Job {number} failed inspection: {reason}"),
                {"number": saved.number, "reason": text or ""},
                now,
                [(RECORD_AGAIN, "job.repaired", ref)],
            )
        notices.add(told)
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
    """The repair passed (fees above the approval limit are approved with it)."""
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
    """The inspection failed (a reason is required): back to the workshop; the next repair
    card bills the repair again, starting from this one."""
    return await _inspect(uow, settings, clock, job, actor, False, reason, expected_version)


@dataclass(frozen=True, slots=True)
class Returned:
    change: JobChange
    record: WorkRecordRow
    signoff_link: str  # the sign-off deep-link payload, for the QR code


async def return_unit(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    job: JobRef,
    actor: str,
    expected_version: int | None = None,
) -> Returned:
    """The technician returns the unit: an "out" line in the register, and the customer is
    asked to sign off the summary of the workshop repair (work, parts, fees, total, due) like
    any job. The receipt stays open until they do (then it is voided and the fees settle)."""
    now = clock.now()
    found = await load_job(uow, job, expected_version)
    tech = await require_assigned(uow, actor, found, Action.RETURN_UNIT)
    receipt = await uow.fieldwork.active_receipt(job_id(found))
    work = await workshop_record(uow, found)
    saved = await apply(
        uow,
        found,
        Action.RETURN_UNIT,
        staff_tag(tech),
        now,
        payload={
            "receipt": None if receipt is None else receipt.number,
            "work_record_id": None if work is None else work.id,
        },
        settings=settings,
    )
    assert receipt is not None and work is not None
    await uow.fieldwork.register_move(
        job_id=job_id(saved), receipt_id=receipt.id, direction="out", staff_id=tech.id, now=now
    )
    link, ids = await request_signoff(uow, settings, saved, work, now)
    return Returned(JobChange(saved, Action.RETURN_UNIT, found.state, tuple(ids)), work, link)


PROMISE_STATES = frozenset({JobState.IN_WORKSHOP, JobState.AWAITING_INSPECTION})
PROMISED_DATE_MOVED = "job.promised_date_moved"


class NotYourJob(NotAllowed):
    """Only the job's technician, or a supervisor of its branch (or whoever its notices fall
    back to), may do that."""

    code = "not_your_job"


@dataclass(frozen=True, slots=True)
class PromisedDateMoved:
    job: JobRecord
    notified: tuple[int, ...]


async def _technician_or_supervisor(uow: UnitOfWork, actor: str, job: JobRecord) -> StaffRow:
    """The job's own technician, or who may inspect its workshop repair (a supervisor of its
    branch: :func:`~fieldbot.services.workflow.require_supervisor`); anyone else is refused
    with :class:`NotYourJob`."""
    row = await load_staff(uow, actor)
    if row.id == job.technician_id and may(row.staff.roles, Permission.WORK_JOBS):
        return row
    try:
        return await require_supervisor(uow, actor, job, Permission.INSPECT, PROMISED_DATE_MOVED)
    except NotAllowed as exc:
        raise NotYourJob(str(exc), staff=row.staff.code, job=job.number) from None


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
    """The technician (or the branch's supervisor) promises the unit back by a new date (the
    old one slipped, or will): the workshop clock restarts against it as a new generation, and
    the customer is told the new date (DESIGN.md §3, "Telling the customer about a slip"); a
    date moved by the supervisor is told to the technician too."""
    now = clock.now()
    if promised_at.tzinfo is None or promised_at.utcoffset() is None:
        raise InvalidInput("the promised date needs a timezone", field="promised_at")
    found = await load_job(uow, job, expected_version)
    who = await _technician_or_supervisor(uow, actor, found)
    require_state(found, PROMISE_STATES, "move the promised date of")
    if promised_at <= now:
        raise InvalidInput("the promised date is in the past", field="promised_at")
    saved = await uow.jobs.update(replace(found, workshop_due_at=promised_at), now)
    await record(
        uow,
        saved,
        PROMISED_DATE_MOVED,
        staff_tag(who),
        now,
        {"from": found.workshop_due_at, "to": promised_at},
    )
    await on_job_transition(uow, settings, found, saved, now, staff_tag(who))
    tz = await branch_timezone(uow, settings, saved)
    notices = Notices()
    notices.add(await tell_new_promised_date(uow, saved, promised_at, tz, staff_tag(who), now))
    tech = await technician_of(uow, saved)
    if tech is not None and tech.id != who.id:
        notices.add(
            await notify_staff(
                uow,
                tech,
                N_(
                    "Job {number}: {supervisor} moved the promised date: the unit is due back "
                    "by {when}. The customer is told."
                ),
                {
                    "number": saved.number,
                    "supervisor": staff_arg(who.id),
                    "when": when_arg(promised_at, tz),
                },
                now,
            )
        )
    return PromisedDateMoved(saved, notices.tuple())
