"""Parts on site (DESIGN.md §3): parts taken from the technician's van, part requests the
storekeeper fulfils (from the branch store or another van), and defective parts returned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from fieldbot.clock import Clock
from fieldbot.domain.errors import DomainError
from fieldbot.domain.model import JobState
from fieldbot.domain.permissions import Permission
from fieldbot.domain.states import Action
from fieldbot.domain.stock import van
from fieldbot.i18n import N_
from fieldbot.repositories.jobs import JobRecord
from fieldbot.repositories.parts import PartRequest
from fieldbot.repositories.people import StaffRow
from fieldbot.services.deadlines.targets import contact_hours
from fieldbot.services.recipients import storekeepers
from fieldbot.services.stock_levels import warn_low_stock
from fieldbot.services.workflow import (
    SET_APPOINTMENT,
    InvalidInput,
    JobChange,
    JobRef,
    Notices,
    apply,
    hours_after,
    job_id,
    load_job,
    load_staff,
    notify_staff,
    offer_next_step,
    part_request_key,
    record,
    remember_card,
    require_assigned,
    require_permission,
    require_state,
    retire_cards,
    staff_arg,
    staff_tag,
)
from fieldbot.settings import Settings
from fieldbot.store import InsufficientStock, UnitOfWork

DELIVER = N_("Deliver")

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
    return van(row.staff.code)


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
    sent = []
    for keeper in await storekeepers(uow):
        sent.append(
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
                    "technician": staff_arg(tech.id),
                },
                now,
                buttons=[(DELIVER, "part.deliver", {"request_id": request.id})],
            )
        )
    await remember_card(uow, part_request_key(request.id), sent, now)
    for found in sent:
        notices.add(found)
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
    await warn_low_stock(uow, now)
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
    await warn_low_stock(uow, now)
    await uow.fieldwork.fulfil_part_request(request_id, source=source, staff_id=keeper.id, now=now)
    await retire_cards(uow, part_request_key(request_id), now)
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
        args = {"number": found.number, "quantity": request.quantity, "part": request.part}
        if current is not found:
            told = await offer_next_step(
                uow,
                tech,
                current,
                N_("Job {number}: {quantity} × {part} is in your van. Set a new appointment."),
                args,
                now,
                [(SET_APPOINTMENT, "job.appointment", {"job_id": job_id(current)})],
            )
        else:
            told = await notify_staff(
                uow, tech, N_("Job {number}: {quantity} × {part} is in your van."), args, now
            )
        notices.add(told)
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


async def sources_that_hold(uow: UnitOfWork, request: PartRequest, excluding: str) -> list[str]:
    """The stock locations other than ``excluding`` that hold what the part request needs
    (the central store first, then the branch stores), to deliver it from."""
    found: list[str] = []
    for location in ["central", *sorted(await uow.branches.keys())]:
        if location == excluding:
            continue
        if await uow.stock.quantity(location, request.part) >= request.quantity:
            found.append(location)
    return found
