"""The work record (DESIGN.md §3): the technician finishes with what was done and the fee
lines, the service type's rule decides what is charged, and a total above the limit waits for
the supervisor's approval (or rejection) before the customer is asked to sign off.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from fieldbot.clock import Clock
from fieldbot.domain.entitlement import (
    Charges,
    FeeKind,
    FeeLine,
    charge,
    charges_kind,
    needs_approval,
    needs_quote,
)
from fieldbot.domain.errors import DomainError
from fieldbot.domain.model import Contract, JobState
from fieldbot.domain.money import Money
from fieldbot.domain.permissions import Permission
from fieldbot.domain.states import Action
from fieldbot.i18n import N_
from fieldbot.repositories.jobs import JobRecord
from fieldbot.repositories.parts import PartUse
from fieldbot.repositories.people import StaffRow
from fieldbot.repositories.work_records import FeeLineRow, WorkRecordRow, WorkStage
from fieldbot.services.contract_terms import job_contract
from fieldbot.services.signoff import SHOW_QR, VOUCHER_PHOTO, request_signoff
from fieldbot.services.signoff_summary import summary_lines
from fieldbot.services.spare_parts import PartQuantity, check_parts, take_from_van
from fieldbot.services.workflow import (
    APPROVE,
    RECORD_AGAIN,
    REJECT,
    InvalidInput,
    JobChange,
    JobRef,
    Notices,
    apply,
    card_key,
    customer_of,
    job_button,
    job_id,
    load_job,
    money_arg,
    notify_staff,
    notify_supervisors,
    offer_next_step,
    remember_card,
    require_assigned,
    require_reason,
    require_state,
    require_supervisor,
    staff_tag,
)
from fieldbot.settings import Settings
from fieldbot.store import UnitOfWork


@dataclass(frozen=True, slots=True)
class Finished:
    change: JobChange
    record: WorkRecordRow
    charges: Charges
    needs_approval: bool
    signoff_link: str | None  # the sign-off deep-link payload (None while awaiting approval)
    notified: tuple[int, ...] = field(default=())


ENTERED_FEES = (FeeKind.LABOUR, FeeKind.TRAVEL, FeeKind.OTHER)
ESTIMATED_FEES = frozenset({FeeKind.LABOUR, FeeKind.PARTS})


class QuoteRequired(DomainError):
    """A type A job's labour and parts are above the quote limit and the customer has not
    accepted a quote (DESIGN.md §3 Second pass): send the quote first."""

    code = "quote_required"


async def require_quote_if_needed(
    uow: UnitOfWork, settings: Settings, job: JobRecord, lines: Sequence[FeeLine]
) -> None:
    """Finishing a type A job whose labour and parts are above ``settings.quote_limit_fen``
    needs the customer's acceptance of a quote first (its latest quote accepted); the final
    amount may differ from the estimate."""
    estimate = Money.sum(line.amount for line in lines if line.kind in ESTIMATED_FEES)
    if not needs_quote(job.service_type, estimate, settings.quote_limit_fen):
        return
    latest = await uow.fieldwork.latest_quote(job_id(job))
    if latest is None or latest.status != "accepted":
        raise QuoteRequired(
            f"job {job.number}: {estimate.fen} fen of labour and parts need an accepted quote",
            job=job.number,
            estimate_fen=estimate.fen,
        )


@dataclass(frozen=True, slots=True)
class Draft:
    """Where a new work record starts: after the supervisor rejected the fees, from the
    rejected record (work, minutes, entered fee lines); always with the parts already fitted
    on this visit and not yet charged (the next record charges them)."""

    work: str = ""
    minutes: int | None = None
    fees: dict[str, int] = field(default_factory=dict)  # fee kind → fen
    fitted: tuple[tuple[str, int], ...] = ()  # (part code, quantity)

    @property
    def redo(self) -> bool:
        return bool(self.work)


async def draft(uow: UnitOfWork, job: JobRecord) -> Draft:
    """The finish form's starting point for ``job`` (see :class:`Draft`)."""
    fitted = tuple(
        (use.part, use.quantity)
        for use in await uow.fieldwork.part_uses(job_id(job))
        if use.stage == "site" and use.work_record_id is None
    )
    latest = await uow.fieldwork.latest_work_record(job_id(job))
    if latest is None or latest.approval != "rejected":
        return Draft(fitted=fitted)
    return Draft(latest.description, latest.minutes, entered_amounts(latest), fitted)


async def _contract(uow: UnitOfWork, settings: Settings, job: JobRecord) -> Contract | None:
    """The contract the job is under (what type B is charged by)."""
    return await job_contract(uow, settings, job)


async def _charges(
    uow: UnitOfWork, settings: Settings, job: JobRecord, lines: Sequence[FeeLine]
) -> Charges:
    return charge(job.service_type, lines, await _contract(uow, settings, job))


async def asked_fees(uow: UnitOfWork, settings: Settings, job: JobRecord) -> tuple[FeeKind, ...]:
    """The entered fee lines the finish form asks for ``job``: those its service type (and
    the customer's contract) charges at all (:func:`~fieldbot.domain.entitlement.
    charges_kind`); type C is asked no labour, for instance."""
    contract = await _contract(uow, settings, job)
    return tuple(k for k in ENTERED_FEES if charges_kind(job.service_type, k, contract))


def entered_fees(amounts: Mapping[str, int]) -> list[FeeLine]:
    """The fee lines a form entered, by fee kind (``{"labour": fen, ...}``: the kinds of
    :data:`ENTERED_FEES`), amounts above zero only; what :func:`finish`, :func:`estimate` and
    the workshop's repair card take as ``fees``."""
    kinds = {kind.value: kind for kind in ENTERED_FEES}
    return [
        FeeLine(kinds[step], step, Money(int(fen))) for step, fen in amounts.items() if int(fen) > 0
    ]


def entered_amounts(record: WorkRecordRow) -> dict[str, int]:
    """The entered fee lines of a recorded work record, by fee kind (what a new record starts
    from: after rejected fees, or after a failed inspection)."""
    entered = {kind.value for kind in ENTERED_FEES}
    fees: dict[str, int] = {}
    for line in record.lines:
        if line.kind in entered:
            fees[line.kind] = fees.get(line.kind, 0) + line.amount_fen
    return fees


async def part_fee(uow: UnitOfWork, code: str, quantity: int) -> FeeLine:
    """The fee line of ``quantity`` of a part at its catalogue price: what :func:`estimate`
    shows and :func:`bill` records, by one rule."""
    part = await uow.parts.get(code)
    assert part is not None
    return FeeLine(
        FeeKind.PARTS,
        f"{part.code} {part.name} × {quantity}",
        Money(part.unit_price_fen) * quantity,
        warranty_eligible=part.warranty_eligible,
    )


async def estimate(
    uow: UnitOfWork,
    settings: Settings,
    job: JobRecord,
    *,
    fees: Sequence[FeeLine] = (),
    parts: Sequence[PartQuantity] = (),
) -> Charges:
    """What :func:`finish` or the workshop's repair card would charge with these fee lines and
    parts (and the parts already fitted and not yet charged), recording nothing: the form's
    summary shows its total and due."""
    await check_parts(uow, parts)
    lines = list(fees)
    for use in await uow.fieldwork.part_uses(job_id(job)):
        if use.work_record_id is None:
            lines.append(await part_fee(uow, use.part, use.quantity))
    for code, quantity in parts:
        lines.append(await part_fee(uow, code, quantity))
    return await _charges(uow, settings, job, lines)


@dataclass(frozen=True, slots=True)
class Billed:
    record: WorkRecordRow
    charges: Charges
    needs_approval: bool


async def bill(
    uow: UnitOfWork,
    settings: Settings,
    job: JobRecord,
    tech: StaffRow,
    *,
    description: str,
    minutes: int,
    fees: Sequence[FeeLine],
    uses: Sequence[PartUse],
    now: datetime,
    stage: WorkStage = "site",
) -> Billed:
    """Write a work record: the entered fee lines and a line per part use (now charged by it),
    each charged by the job's service type (:func:`~fieldbot.domain.entitlement.charge`);
    above ``settings.approval_limit_fen`` it waits for a supervisor (``pending``). The finish
    form and the workshop's repair card both bill through here."""
    lines: list[FeeLine] = list(fees)
    refs: list[tuple[str | None, int | None]] = [(None, None)] * len(fees)
    for use in uses:
        lines.append(await part_fee(uow, use.part, use.quantity))
        refs.append((use.part, use.quantity))
    if stage == "site":
        await require_quote_if_needed(uow, settings, job, lines)
    charges = await _charges(uow, settings, job, lines)
    over = needs_approval(charges.total, settings.approval_limit_fen)
    record = await uow.fieldwork.add_work_record(
        job_id=job_id(job),
        technician_id=tech.id,
        description=description,
        minutes=minutes,
        service_type=job.service_type.value,
        total_fen=charges.total.fen,
        amount_due_fen=charges.amount_due.fen,
        approval="pending" if over else "none",
        lines=[
            FeeLineRow(
                kind=c.line.kind.value,
                description=c.line.description,
                amount_fen=c.line.amount.fen,
                charged_fen=c.charged.fen,
                warranty_eligible=c.line.warranty_eligible,
                part=ref[0],
                quantity=ref[1],
            )
            for c, ref in zip(charges.lines, refs, strict=True)
        ],
        now=now,
        stage=stage,
    )
    await uow.fieldwork.charge_part_uses([use.id for use in uses], record.id)
    return Billed(record, charges, over)


async def finish(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    job: JobRef,
    actor: str,
    work: str,
    minutes: int,
    fees: Sequence[FeeLine] = (),
    parts: Sequence[PartQuantity] = (),
    expected_version: int | None = None,
) -> Finished:
    """The technician records the work: what was done, the time it took, the fee lines, and
    the parts used now (taken from the van, all or nothing). Parts used on this visit before
    are charged too. The lines are charged by the job's service type (and the customer's
    contract); a total above ``settings.approval_limit_fen`` waits for a supervisor,
    otherwise the customer is asked to sign off."""
    now = clock.now()
    text = work.strip()
    if not text:
        raise InvalidInput("say what was done", field="work")
    if minutes < 0:
        raise InvalidInput("the time spent cannot be negative", field="minutes")
    if any(line.kind is FeeKind.PARTS for line in fees):
        raise InvalidInput("parts are charged from the parts used", field="fees")
    await check_parts(uow, parts)
    found = await load_job(uow, job, expected_version)
    tech = await require_assigned(uow, actor, found, Action.FINISH)
    require_state(found, {JobState.ON_SITE}, Action.FINISH.value)
    await take_from_van(uow, found, tech, parts, "site", now)
    uses = [
        use
        for use in await uow.fieldwork.part_uses(job_id(found))
        if use.stage == "site" and use.work_record_id is None
    ]
    billed = await bill(
        uow, settings, found, tech, description=text, minutes=minutes, fees=fees, uses=uses, now=now
    )
    work_record, charges, over = billed.record, billed.charges, billed.needs_approval
    saved = await apply(
        uow,
        found,
        Action.FINISH,
        staff_tag(tech),
        now,
        over_approval_limit=over,
        payload={
            "work_record_id": work_record.id,
            "minutes": minutes,
            "total_fen": charges.total.fen,
            "amount_due_fen": charges.amount_due.fen,
            "needs_approval": over,
        },
        settings=settings,
    )
    notices = Notices()
    link = None
    if over:
        payload = job_button(saved)
        ids = await notify_supervisors(
            uow,
            saved,
            N_("Job {number} needs your approval: total {total}, due {due}. Work: {work}\n{lines}"),
            {
                "number": saved.number,
                "total": money_arg(charges.total.fen),
                "due": money_arg(charges.amount_due.fen),
                "work": text,
                "lines": {"lines": summary_lines(work_record)},
            },
            now,
            buttons=[(APPROVE, "fees.approve", payload), (REJECT, "fees.reject", payload)],
        )
        await remember_card(uow, card_key(saved), ids, now)
        notices.extend(ids)
    else:
        link, ids = await request_signoff(uow, settings, saved, work_record, now)
        notices.extend(ids)
    change = JobChange(saved, Action.FINISH, found.state, notices.tuple())
    return Finished(change, work_record, charges, over, link, notices.tuple())


async def fee_record(
    uow: UnitOfWork,
    settings: Settings,
    job: JobRecord,
    *,
    staff_id: int,
    description: str,
    fees: Sequence[FeeLine],
    now: datetime,
) -> tuple[WorkRecordRow, Charges]:
    """A work record without a finish form, the lines charged by the job's service type like
    any (no approval asked): what a remote resolution records (no fees) and the call-out fees
    a declined quote leaves due. The caller moves the job and asks for the sign-off."""
    charges = await _charges(uow, settings, job, fees)
    record = await uow.fieldwork.add_work_record(
        job_id=job_id(job),
        technician_id=staff_id,
        description=description,
        minutes=0,
        service_type=job.service_type.value,
        total_fen=charges.total.fen,
        amount_due_fen=charges.amount_due.fen,
        approval="none",
        lines=[
            FeeLineRow(
                kind=c.line.kind.value,
                description=c.line.description,
                amount_fen=c.line.amount.fen,
                charged_fen=c.charged.fen,
                warranty_eligible=c.line.warranty_eligible,
            )
            for c in charges.lines
        ],
        now=now,
    )
    return record, charges


async def _pending_record(uow: UnitOfWork, job: JobRecord) -> WorkRecordRow:
    latest = await uow.fieldwork.latest_work_record(job_id(job))
    if latest is None or latest.approval != "pending":
        raise InvalidInput(f"job {job.number} has no fees waiting for approval", job=job.number)
    return latest


@dataclass(frozen=True, slots=True)
class Approved:
    change: JobChange
    signoff_link: str


async def approve(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    job: JobRef,
    actor: str,
    expected_version: int | None = None,
) -> Approved:
    """A supervisor approves fees above the limit: the customer is asked to sign off."""
    now = clock.now()
    found = await load_job(uow, job, expected_version)
    supervisor = await require_supervisor(
        uow, actor, found, Permission.APPROVE_FEES, Action.APPROVE
    )
    pending = (
        await _pending_record(uow, found) if found.state is JobState.AWAITING_APPROVAL else None
    )
    saved = await apply(
        uow,
        found,
        Action.APPROVE,
        staff_tag(supervisor),
        now,
        payload={"work_record_id": None if pending is None else pending.id},
        settings=settings,
    )
    assert pending is not None
    await uow.fieldwork.decide_work_record(pending.id, "approved", supervisor.id, now)
    approved = await uow.fieldwork.work_record(pending.id)
    assert approved is not None
    link, ids = await request_signoff(uow, settings, saved, approved, now)
    notices = Notices()
    notices.extend(ids)
    tech = await uow.staff.row_by_id(saved.technician_id) if saved.technician_id else None
    if tech is not None:
        notices.add(await _tell_approved(uow, tech, saved, now))
    return Approved(JobChange(saved, Action.APPROVE, found.state, notices.tuple()), link)


async def _tell_approved(
    uow: UnitOfWork, tech: StaffRow, job: JobRecord, now: datetime
) -> int | None:
    """The technician hears the fees are approved: a customer bound to a chat is asked there;
    one without Telegram signs off by the QR code or the paper voucher, offered as buttons."""
    customer = await customer_of(uow, job)
    if customer.chat_id is not None and customer.telegram_user_id is not None:
        return await notify_staff(
            uow,
            tech,
            N_("Job {number}: the fees were approved; the customer is asked to sign off."),
            {"number": job.number},
            now,
        )
    ref = {"job_id": job_id(job)}
    return await offer_next_step(
        uow,
        tech,
        job,
        N_(
            "Job {number}: the fees were approved. The customer has no Telegram chat with us: "
            "show them the sign-off QR code, or send the photo of the signed paper voucher."
        ),
        {"number": job.number},
        now,
        [(SHOW_QR, "job.signoff_qr", ref), (VOUCHER_PHOTO, "job.voucher", ref)],
    )


async def reject(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    job: JobRef,
    actor: str,
    reason: str,
    expected_version: int | None = None,
) -> JobChange:
    """A supervisor rejects the fees with a reason: the job is back on site for a new
    record (its parts are charged again then) and the technician is told."""
    now = clock.now()
    found = await load_job(uow, job, expected_version)
    supervisor = await require_supervisor(uow, actor, found, Permission.APPROVE_FEES, Action.REJECT)
    text = require_reason(reason, Action.REJECT)
    pending = (
        await _pending_record(uow, found) if found.state is JobState.AWAITING_APPROVAL else None
    )
    saved = await apply(
        uow,
        found,
        Action.REJECT,
        staff_tag(supervisor),
        now,
        payload={"work_record_id": None if pending is None else pending.id, "reason": text},
        settings=settings,
    )
    assert pending is not None
    await uow.fieldwork.decide_work_record(pending.id, "rejected", supervisor.id, now, text)
    await uow.fieldwork.release_part_uses(pending.id)
    notices = Notices()
    tech = await uow.staff.row_by_id(saved.technician_id) if saved.technician_id else None
    if tech is not None:
        told = await offer_next_step(
            uow,
            tech,
            saved,
            N_("Job {number}: the fees were rejected: {reason}"),
            {"number": saved.number, "reason": text},
            now,
            [(RECORD_AGAIN, "job.finish", {"job_id": job_id(saved)})],
        )
        notices.add(told)
    return JobChange(saved, Action.REJECT, found.state, notices.tuple())
