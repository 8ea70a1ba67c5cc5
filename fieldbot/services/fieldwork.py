"""On the way and on site (DESIGN.md §3): appointment, on my way, arrival inside the geofence,
parts from the van and part requests the storekeeper fulfils, defective parts returned, the
work record with its fees, and the supervisor's approval of a total above the limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from fieldbot.clock import Clock
from fieldbot.domain.entitlement import (
    Charges,
    FeeKind,
    FeeLine,
    active_contract,
    charge,
    needs_approval,
)
from fieldbot.domain.errors import DomainError
from fieldbot.domain.model import JobState, Role
from fieldbot.domain.money import Money
from fieldbot.domain.permissions import Permission
from fieldbot.domain.states import Action
from fieldbot.domain.zones import check_coordinates, distance_m
from fieldbot.i18n import N_
from fieldbot.repositories.jobs import JobRecord
from fieldbot.repositories.parts import PartRequest
from fieldbot.repositories.people import StaffRow
from fieldbot.repositories.work_records import FeeLineRow, WorkRecordRow
from fieldbot.services.jobs import contact_hours
from fieldbot.services.signoff import request_signoff
from fieldbot.services.workflow import (
    APPROVE,
    REJECT,
    InvalidInput,
    JobChange,
    JobRef,
    Notices,
    apply,
    branch_timezone,
    customer_of,
    dt_arg,
    hours_after,
    job_button,
    job_id,
    load_job,
    load_staff,
    money_arg,
    notify_customer,
    notify_staff,
    notify_supervisors,
    record,
    require_assigned,
    require_permission,
    require_reason,
    require_state,
    require_supervisor,
    staff_tag,
)
from fieldbot.settings import Settings
from fieldbot.store import InsufficientStock, UnitOfWork

DELIVER = N_("Deliver")
CONFIRM_TIME = N_("This time suits me")
OTHER_TIME = N_("Another time, please")

PartQuantity = tuple[str, int]  # part code, quantity


class UnknownPart(DomainError):
    code = "unknown_part"


class PartShortfall(DomainError):
    """The van does not hold what is needed; nothing was taken."""

    code = "part_shortfall"


class StockShortfall(DomainError):
    """The storekeeper's source does not hold what the request needs; nothing moved."""

    code = "stock_shortfall"


def van_of(row: StaffRow) -> str:
    return f"van:{row.staff.code}"


# --- appointment, on my way, arrival -----------------------------------------------------------


async def set_appointment(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    job: JobRef,
    actor: str,
    at: datetime,
    expected_version: int | None = None,
) -> JobChange:
    """The technician agrees the visit with the customer (again, to move it); the customer is
    told when they are bound."""
    now = clock.now()
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidInput("the appointment needs a timezone", field="at")
    if at < now:
        raise InvalidInput("the appointment is in the past", field="at")
    found = await load_job(uow, job, expected_version)
    tech = await require_assigned(uow, actor, found, Action.SET_APPOINTMENT)
    saved = await apply(
        uow,
        found,
        Action.SET_APPOINTMENT,
        staff_tag(tech),
        now,
        changes={"appointment_at": at},
        payload={"appointment_at": at},
        settings=settings,
    )
    tz = await branch_timezone(uow, settings, saved)
    notices = Notices()
    notices.add(
        await notify_customer(
            uow,
            await customer_of(uow, saved),
            N_("Job {number}: {technician} will visit you at {when}."),
            {"number": saved.number, "technician": tech.staff.name, "when": dt_arg(at, tz)},
            now,
            buttons=[
                (CONFIRM_TIME, "appointment.confirm", job_button(saved)),
                (OTHER_TIME, "appointment.other", job_button(saved)),
            ],
        )
    )
    return JobChange(saved, Action.SET_APPOINTMENT, found.state, notices.tuple())


async def on_my_way(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    job: JobRef,
    actor: str,
    expected_version: int | None = None,
) -> JobChange:
    now = clock.now()
    found = await load_job(uow, job, expected_version)
    tech = await require_assigned(uow, actor, found, Action.ON_MY_WAY)
    saved = await apply(uow, found, Action.ON_MY_WAY, staff_tag(tech), now, settings=settings)
    notices = Notices()
    notices.add(
        await notify_customer(
            uow,
            await customer_of(uow, saved),
            N_("Job {number}: {technician} is on the way to you."),
            {"number": saved.number, "technician": tech.staff.name},
            now,
        )
    )
    return JobChange(saved, Action.ON_MY_WAY, found.state, notices.tuple())


@dataclass(frozen=True, slots=True)
class Arrival:
    change: JobChange
    verified: bool
    distance_m: float | None  # None: reported manually
    method: str  # location | manual


async def arrive(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    job: JobRef,
    actor: str,
    latitude: float | None = None,
    longitude: float | None = None,
    expected_version: int | None = None,
) -> Arrival:
    """Arrival by shared location: verified inside ``settings.geofence_m`` of the site, else
    unverified with the distance and the supervisors told. Without a location (manual) it is
    unverified and the supervisors are told too."""
    now = clock.now()
    manual = latitude is None or longitude is None
    if not manual:
        assert latitude is not None and longitude is not None
        try:
            check_coordinates(latitude, longitude)
        except ValueError as exc:
            raise InvalidInput(str(exc), field="location") from None
    found = await load_job(uow, job, expected_version)
    tech = await require_assigned(uow, actor, found, Action.ARRIVE)
    customer = await customer_of(uow, found)
    metres: float | None = None
    verified = False
    if not manual:
        assert latitude is not None and longitude is not None
        metres = distance_m(
            latitude, longitude, customer.customer.latitude, customer.customer.longitude
        )
        verified = metres <= settings.geofence_m
        await uow.staff.set_location(tech.id, latitude, longitude, now)
    method = "manual" if manual else "location"
    saved = await apply(
        uow,
        found,
        Action.ARRIVE,
        staff_tag(tech),
        now,
        payload={
            "method": method,
            "verified": verified,
            "distance_m": None if metres is None else round(metres),
            "geofence_m": settings.geofence_m,
        },
        settings=settings,
    )
    ids: list[int] = []
    if manual:
        ids = await notify_supervisors(
            uow,
            saved,
            N_("Job {number}: {technician} reported arrival manually, without a location."),
            {"number": saved.number, "technician": tech.staff.name},
            now,
        )
    elif not verified:
        assert metres is not None
        ids = await notify_supervisors(
            uow,
            saved,
            N_("Job {number}: arrival unverified, {technician} was {distance} m from the site."),
            {"number": saved.number, "technician": tech.staff.name, "distance": round(metres)},
            now,
        )
    change = JobChange(saved, Action.ARRIVE, found.state, tuple(ids))
    return Arrival(change, verified, metres, method)


# --- parts -------------------------------------------------------------------------------------


async def check_parts(uow: UnitOfWork, parts: Sequence[PartQuantity]) -> None:
    for code, quantity in parts:
        if quantity <= 0:
            raise InvalidInput(f"quantity of {code} must be positive", field="quantity")
        if await uow.parts.get(code) is None:
            raise UnknownPart(f"unknown part {code!r}", part=code)


async def _request_part(
    uow: UnitOfWork,
    job: JobRecord,
    tech: StaffRow,
    part: str,
    quantity: int,
    now: datetime,
    notices: Notices,
) -> PartRequest:
    request = await uow.fieldwork.create_part_request(
        job_id=job_id(job),
        part=part,
        quantity=quantity,
        target=van_of(tech),
        requested_by=tech.id,
        now=now,
    )
    catalogue = await uow.parts.get(part)
    name = catalogue.name if catalogue is not None else ""
    for keeper in await uow.staff.rows(role=Role.STOREKEEPER):
        notices.add(
            await notify_staff(
                uow,
                keeper,
                N_(
                    "Part request for job {number}: {quantity} × {part} to the van of {technician}."
                ),
                {
                    "number": job.number,
                    "quantity": quantity,
                    "part": f"{part} {name}",
                    "technician": tech.staff.name,
                },
                now,
                buttons=[(DELIVER, "part.deliver", {"request_id": request.id})],
            )
        )
    return request


@dataclass(frozen=True, slots=True)
class PartRequests:
    change: JobChange
    requests: tuple[PartRequest, ...]


async def need_part(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    job: JobRef,
    actor: str,
    parts: Sequence[PartQuantity],
    expected_version: int | None = None,
) -> PartRequests:
    """On site the technician needs parts the van lacks: the job waits for them and the
    storekeepers get the requests."""
    now = clock.now()
    if not parts:
        raise InvalidInput("name the parts needed", field="parts")
    await check_parts(uow, parts)
    found = await load_job(uow, job, expected_version)
    tech = await require_assigned(uow, actor, found, Action.NEED_PART)
    saved = await apply(
        uow,
        found,
        Action.NEED_PART,
        staff_tag(tech),
        now,
        payload={"parts": [[code, quantity] for code, quantity in parts]},
        settings=settings,
    )
    notices = Notices()
    requests = [
        await _request_part(uow, saved, tech, code, quantity, now, notices)
        for code, quantity in parts
    ]
    change = JobChange(saved, Action.NEED_PART, found.state, notices.tuple())
    return PartRequests(change, tuple(requests))


@dataclass(frozen=True, slots=True)
class PartsUsed:
    used: tuple[PartQuantity, ...]
    requests: tuple[PartRequest, ...]  # for what the van lacked
    change: JobChange | None  # the job went to waiting_part
    notified: tuple[int, ...] = ()


async def take_from_van(
    uow: UnitOfWork,
    job: JobRecord,
    tech: StaffRow,
    parts: Sequence[PartQuantity],
    stage: str,
    now: datetime,
) -> list[int]:
    """Take every part from the van, all or nothing (:class:`PartShortfall` names what is
    missing); returns the ids of the recorded uses."""
    van = van_of(tech)
    missing = []
    for code, quantity in parts:
        have = await uow.stock.quantity(van, code)
        if have < quantity:
            missing.append([code, quantity - have])
    if missing:
        raise PartShortfall(
            f"the van lacks {', '.join(f'{q} × {c}' for c, q in missing)}", missing=missing
        )
    ids = []
    for code, quantity in parts:
        await uow.stock.take(van, code, quantity)
        ids.append(
            await uow.fieldwork.record_part_use(
                job_id=job_id(job),
                part=code,
                quantity=quantity,
                location=van,
                staff_id=tech.id,
                stage="workshop" if stage == "workshop" else "site",
                now=now,
            )
        )
    return ids


async def use_parts(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    job: JobRef,
    actor: str,
    parts: Sequence[PartQuantity],
    expected_version: int | None = None,
) -> PartsUsed:
    """Parts used on site (or in the workshop) come out of the technician's van; stock never
    goes negative. What the van lacks becomes a part request, and a job on site then waits
    for the part."""
    now = clock.now()
    await check_parts(uow, parts)
    found = await load_job(uow, job, expected_version)
    tech = await require_assigned(uow, actor, found, "use parts")
    require_state(found, {JobState.ON_SITE, JobState.IN_WORKSHOP}, "use parts on")
    stage = "workshop" if found.state is JobState.IN_WORKSHOP else "site"
    van = van_of(tech)
    used: list[PartQuantity] = []
    short: list[PartQuantity] = []
    for code, quantity in parts:
        have = await uow.stock.quantity(van, code)
        take = min(have, quantity)
        if take > 0:
            await take_from_van(uow, found, tech, [(code, take)], stage, now)
            used.append((code, take))
        if quantity > take:
            short.append((code, quantity - take))
    await record(
        uow,
        found,
        "job.parts_used",
        staff_tag(tech),
        now,
        {
            "location": van,
            "used": [list(p) for p in used],
            "short": [list(p) for p in short],
        },
    )
    notices = Notices()
    change = None
    current = found
    if short and found.state is JobState.ON_SITE:
        current = await apply(
            uow,
            found,
            Action.NEED_PART,
            staff_tag(tech),
            now,
            payload={"parts": [list(p) for p in short]},
            settings=settings,
        )
    requests = [
        await _request_part(uow, current, tech, code, quantity, now, notices)
        for code, quantity in short
    ]
    if current is not found:
        change = JobChange(current, Action.NEED_PART, found.state, notices.tuple())
    return PartsUsed(tuple(used), tuple(requests), change, notices.tuple())


@dataclass(frozen=True, slots=True)
class Delivery:
    request: PartRequest
    change: JobChange | None  # waiting_part → accepted once nothing else is awaited
    notified: tuple[int, ...] = ()


async def deliver_part(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    request_id: int,
    actor: str,
    source: str = "central",
) -> Delivery:
    """The storekeeper moves the requested stock from ``source`` (the central warehouse or a
    branch) to the van. When the job waits for no other part it is accepted again: a new
    appointment follows."""
    now = clock.now()
    keeper = await load_staff(uow, actor)
    require_permission(keeper, Permission.FULFIL_PART_REQUEST, Action.PART_DELIVERED)
    request = await uow.fieldwork.part_request(request_id)
    if request is None or request.status != "open":
        raise InvalidInput(f"part request {request_id} is not open", request_id=request_id)
    found = await load_job(uow, request.job_id)
    try:
        await uow.stock.move(source, request.target, request.part, request.quantity)
    except InsufficientStock as exc:
        raise StockShortfall(str(exc), source=source, part=request.part) from None
    await uow.fieldwork.fulfil_part_request(request_id, source=source, staff_id=keeper.id, now=now)
    fulfilled = await uow.fieldwork.part_request(request_id)
    assert fulfilled is not None
    waiting = await uow.fieldwork.part_requests(job_id=job_id(found), status="open")
    change = None
    current = found
    if found.state is JobState.WAITING_PART and not waiting:
        due = hours_after(now, contact_hours(settings, found.priority))
        current = await apply(
            uow,
            found,
            Action.PART_DELIVERED,
            staff_tag(keeper),
            now,
            changes={"appointment_at": None, "contact_due_at": due},
            payload={"request_id": request_id, "source": source, "part": request.part},
            settings=settings,
        )
    else:
        await record(
            uow,
            found,
            "job.part_request_fulfilled",
            staff_tag(keeper),
            now,
            {"request_id": request_id, "source": source, "part": request.part},
        )
    notices = Notices()
    tech = await uow.staff.row_by_id(request.requested_by)
    if tech is not None:
        template = (
            N_("Job {number}: {quantity} × {part} is in your van. Set a new appointment.")
            if current is not found
            else N_("Job {number}: {quantity} × {part} is in your van.")
        )
        notices.add(
            await notify_staff(
                uow,
                tech,
                template,
                {"number": found.number, "quantity": request.quantity, "part": request.part},
                now,
            )
        )
    if current is not found:
        change = JobChange(current, Action.PART_DELIVERED, found.state, notices.tuple())
    return Delivery(fulfilled, change, notices.tuple())


async def return_defective(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    job: JobRef,
    actor: str,
    part: str,
    quantity: int = 1,
    note: str | None = None,
) -> int:
    """Count a defective part the technician brought back; returns its record id."""
    now = clock.now()
    await check_parts(uow, [(part, quantity)])
    found = await load_job(uow, job)
    require_state(found, (JobState.ON_SITE, JobState.IN_WORKSHOP), "return defective parts of")
    tech = await require_assigned(uow, actor, found, "return defective parts of")
    record_id = await uow.fieldwork.record_defective(
        job_id=job_id(found),
        part=part,
        quantity=quantity,
        staff_id=tech.id,
        now=now,
        note=(note or "").strip() or None,
    )
    await record(
        uow,
        found,
        "job.defective_returned",
        staff_tag(tech),
        now,
        {"part": part, "quantity": quantity, "record_id": record_id},
    )
    return record_id


# --- finish and approval -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Finished:
    change: JobChange
    record: WorkRecordRow
    charges: Charges
    needs_approval: bool
    signoff_link: str | None  # the sign-off deep-link payload (None while awaiting approval)
    notified: tuple[int, ...] = field(default=())


async def _charges(
    uow: UnitOfWork, settings: Settings, job: JobRecord, lines: Sequence[FeeLine]
) -> Charges:
    customer = await customer_of(uow, job)
    tz = await branch_timezone(uow, settings, job)
    day = job.called_at.astimezone(ZoneInfo(tz)).date()
    contracts = await uow.contracts.of_customer(customer.customer.code)
    return charge(job.service_type, lines, active_contract(day, customer.customer.code, contracts))


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
    lines: list[FeeLine] = list(fees)
    refs: list[tuple[str | None, int | None]] = [(None, None)] * len(fees)
    for use in uses:
        part = await uow.parts.get(use.part)
        assert part is not None
        lines.append(
            FeeLine(
                FeeKind.PARTS,
                f"{part.code} {part.name} × {use.quantity}",
                Money(part.unit_price_fen) * use.quantity,
                warranty_eligible=part.warranty_eligible,
            )
        )
        refs.append((part.code, use.quantity))
    charges = await _charges(uow, settings, found, lines)
    over = needs_approval(charges.total, settings.approval_limit_fen)
    work_record = await uow.fieldwork.add_work_record(
        job_id=job_id(found),
        technician_id=tech.id,
        description=text,
        minutes=minutes,
        service_type=found.service_type.value,
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
    )
    await uow.fieldwork.charge_part_uses([use.id for use in uses], work_record.id)
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
        notices.extend(
            await notify_supervisors(
                uow,
                saved,
                N_("Job {number} needs your approval: total {total}, due {due}. Work: {work}"),
                {
                    "number": saved.number,
                    "total": money_arg(charges.total.fen),
                    "due": money_arg(charges.amount_due.fen),
                    "work": text,
                },
                now,
                buttons=[(APPROVE, "fees.approve", payload), (REJECT, "fees.reject", payload)],
            )
        )
    else:
        link, ids = await request_signoff(uow, settings, saved, work_record, now)
        notices.extend(ids)
    change = JobChange(saved, Action.FINISH, found.state, notices.tuple())
    return Finished(change, work_record, charges, over, link, notices.tuple())


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
        notices.add(
            await notify_staff(
                uow,
                tech,
                N_("Job {number}: the fees were approved; the customer is asked to sign off."),
                {"number": saved.number},
                now,
            )
        )
    return Approved(JobChange(saved, Action.APPROVE, found.state, notices.tuple()), link)


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
        notices.add(
            await notify_staff(
                uow,
                tech,
                N_("Job {number}: the fees were rejected: {reason}"),
                {"number": saved.number, "reason": text},
                now,
            )
        )
    return JobChange(saved, Action.REJECT, found.state, notices.tuple())
