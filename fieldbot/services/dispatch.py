"""Dispatch (DESIGN.md §3): suggestions, dispatch, reassign, cancel, accept and decline.

Suggestions rank the active technicians of the job's branch by a score in kilometres: the
distance from their last known location (else their branch) to the site, plus a penalty per
open job and one for lacking the unit's product line. Each carries its reasons, as codes with
numbers, for the handler to render. Technicians who are away today (DESIGN.md §6) or have
left are skipped: they follow the ranked ones, not available, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from fieldbot.clock import Clock
from fieldbot.domain.errors import NotAllowed
from fieldbot.domain.model import JobState, Role
from fieldbot.domain.permissions import Permission
from fieldbot.domain.states import OPEN_STATES, Action
from fieldbot.domain.zones import distance_m
from fieldbot.i18n import N_
from fieldbot.labels import KIND_NAMES, PRIORITY_NAMES
from fieldbot.rendering import LOCATION, clip
from fieldbot.repositories.jobs import JobRecord
from fieldbot.repositories.outbox import OutboxRepository
from fieldbot.repositories.people import StaffRow
from fieldbot.services.absences import away_until, today_in
from fieldbot.services.access_log import DISPATCH_CARD, Showing, phone_shown
from fieldbot.services.deadlines.targets import contact_hours, is_booked
from fieldbot.services.voucher import service_history
from fieldbot.services.workflow import (
    ACCEPT,
    DECLINE,
    JobChange,
    JobRef,
    Notices,
    apply,
    card_key,
    customer_arg,
    customer_of,
    day_arg,
    hours_after,
    job_button,
    job_id,
    load_job,
    load_staff,
    notify_customer,
    notify_staff,
    notify_supervisors,
    remember_card,
    require_assigned,
    require_reason,
    require_supervisor,
    staff_arg,
    staff_tag,
    technician_of,
    when_arg,
)
from fieldbot.settings import Settings
from fieldbot.store import UnitOfWork

# The weights of the score, in kilometres of detour.
LOAD_PENALTY_KM = 5.0  # per open job
NO_SKILL_PENALTY_KM = 25.0  # the technician lacks the unit's product line
DECLINED_PENALTY_KM = 100.0  # the technician declined this job before

ASSIGNED_STATES = frozenset(OPEN_STATES - {JobState.REGISTERED})
HISTORY_WORK_CHARS = 200  # a past job's work as the service history on a dispatch card shows it

# On the decline notice: the supervisor's suggestions again (fieldbot.handlers.supervisor).
DISPATCH_AGAIN = N_("Dispatch again")


class Reason(StrEnum):
    FROM_LAST_LOCATION = "from_last_location"  # value: distance in metres
    FROM_BRANCH = "from_branch"  # value: distance in metres (no known location)
    SKILLED = "skilled"  # detail: the product line
    NOT_SKILLED = "not_skilled"  # detail: the product line
    OPEN_JOBS = "open_jobs"  # value: how many
    DECLINED_BEFORE = "declined_before"  # value: how many times
    AWAY = "away"  # not suggested: on leave; detail: the last day (ISO date)
    LEFT = "left"  # not suggested: no longer active


@dataclass(frozen=True, slots=True)
class SuggestionReason:
    code: Reason
    value: float | int | None = None
    detail: str | None = None


@dataclass(frozen=True, slots=True)
class Suggestion:
    staff_id: int
    staff_code: str
    name: str
    score_km: float
    distance_m: float
    open_jobs: int
    skilled: bool | None  # None: the job names no unit
    reasons: tuple[SuggestionReason, ...]
    available: bool = True  # False: skipped (away or left), the reason says why


def _skipped(row: StaffRow, reason: SuggestionReason) -> Suggestion:
    return Suggestion(
        staff_id=row.id,
        staff_code=row.staff.code,
        name=row.staff.name,
        score_km=0.0,
        distance_m=0.0,
        open_jobs=0,
        skilled=None,
        reasons=(reason,),
        available=False,
    )


async def suggest_technicians(
    uow: UnitOfWork, settings: Settings, *, job: JobRef, now: datetime, limit: int = 3
) -> list[Suggestion]:
    """The best ``limit`` technicians of the job's branch for the job, best first; then the
    branch's technicians skipped because they are away on ``now``'s day (in the branch's
    timezone) or have left, not available."""
    found = await load_job(uow, job)
    branches = await uow.branches.stored_by_ids([found.branch_id])
    branch = branches[found.branch_id]
    technicians = await uow.staff.rows(branch=branch.code, role=Role.TECHNICIAN, active_only=False)
    today = today_in(branch.timezone or settings.timezone, now)
    away = await away_until(uow, [row.id for row in technicians], today)
    skipped = [
        _skipped(row, SuggestionReason(Reason.LEFT))
        if not row.staff.active
        else _skipped(row, SuggestionReason(Reason.AWAY, detail=away[row.id].isoformat()))
        for row in technicians
        if not row.staff.active or row.id in away
    ]
    customer = await uow.customers.row_by_id(found.customer_id)
    assert customer is not None
    site = (customer.customer.latitude, customer.customer.longitude)
    product_line = None
    if found.equipment_id is not None:
        units = await uow.equipment.stored_by_ids([found.equipment_id])
        product_line = units[found.equipment_id].product_line
    declined: dict[int, int] = {}
    for event in await uow.events.for_subject("job", job_id(found)):
        if event.kind == f"job.{Action.DECLINE.value}":
            who = event.payload.get("technician_id")
            if isinstance(who, int):
                declined[who] = declined.get(who, 0) + 1

    suggestions = []
    for row in technicians:
        if not row.staff.active or row.id in away:
            continue
        reasons: list[SuggestionReason] = []
        if row.last_latitude is not None and row.last_longitude is not None:
            metres = distance_m(row.last_latitude, row.last_longitude, *site)
            reasons.append(SuggestionReason(Reason.FROM_LAST_LOCATION, round(metres)))
        else:
            metres = distance_m(branch.latitude, branch.longitude, *site)
            reasons.append(SuggestionReason(Reason.FROM_BRANCH, round(metres)))
        score = metres / 1000
        skilled = None
        if product_line is not None:
            skilled = product_line in row.staff.skills
            code = Reason.SKILLED if skilled else Reason.NOT_SKILLED
            reasons.append(SuggestionReason(code, detail=product_line))
            if not skilled:
                score += NO_SKILL_PENALTY_KM
        load = len(await uow.jobs.list(technician_id=row.id, states=ASSIGNED_STATES))
        reasons.append(SuggestionReason(Reason.OPEN_JOBS, load))
        score += LOAD_PENALTY_KM * load
        if row.id in declined:
            reasons.append(SuggestionReason(Reason.DECLINED_BEFORE, declined[row.id]))
            score += DECLINED_PENALTY_KM
        suggestions.append(
            Suggestion(
                staff_id=row.id,
                staff_code=row.staff.code,
                name=row.staff.name,
                score_km=round(score, 3),
                distance_m=metres,
                open_jobs=load,
                skilled=skilled,
                reasons=tuple(reasons),
            )
        )
    suggestions.sort(key=lambda s: (s.score_km, s.staff_code))
    return suggestions[:limit] + skipped


async def _technician(uow: UnitOfWork, code: str) -> StaffRow:
    row = await load_staff(uow, code)
    if Role.TECHNICIAN not in row.staff.roles:
        raise NotAllowed(f"{row.staff.code} is not a technician", staff=row.staff.code)
    return row


async def _offer(
    uow: UnitOfWork, job: JobRecord, technician: StaffRow, now: datetime
) -> int | None:
    """The dispatch card on the technician's phone, with Accept / Decline, and the site as a
    location pin: customer, phone, address, the unit with its warranty and service history,
    the fault, priority, service type and the deadlines in local time."""
    payload = job_button(job)
    earlier = await service_history(uow, job=job_id(job))
    history: object = ""
    if earlier:
        entries = "\n".join(
            f"{e.number} {e.technician or '-'}: {clip(e.work or str(e.state), HISTORY_WORK_CHARS)}"
            for e in earlier[-5:]
        )
        history = {
            "t": N_("\nService history of this unit:\n{entries}"),
            "args": {"entries": entries},
        }
    tz = (await uow.branches.stored_by_ids([job.branch_id]))[job.branch_id].timezone
    tz = tz or "Asia/Shanghai"
    unit: object = {"t": N_("not specified")}
    if job.equipment_id is not None:
        equipment = await uow.equipment.by_id(job.equipment_id)
        if equipment is not None:
            warranty = equipment.warranty_until
            unit = {
                "t": N_("{serial} {model}, warranty until {until}")
                if warranty is not None and warranty >= job.called_at.date()
                else N_("{serial} {model}, out of warranty"),
                "args": {
                    "serial": equipment.serial,
                    "model": equipment.model,
                    "until": day_arg(warranty) if warranty else "",
                },
            }
    customer = await uow.customers.row_by_id(job.customer_id)
    sent = await notify_staff(
        uow,
        technician,
        N_(
            "New job {number}: {fault}\nCustomer: {customer}, phone {phone}\n"
            "Address: {address}\nUnit: {unit}\n{kind}, {priority}, service type {service_type}\n"
            "Dispatch by {assign_due}; arrive by {arrival_due}.{history}"
        ),
        {
            "number": job.number,
            "fault": job.fault,
            "customer": customer_arg(job.customer_id),
            "phone": customer_arg(job.customer_id, "phone"),
            "address": customer_arg(job.customer_id, "address"),
            "unit": unit,
            "kind": {"t": KIND_NAMES[job.kind]},
            "priority": {"t": PRIORITY_NAMES[job.priority]},
            "service_type": job.service_type.value,
            "assign_due": _due(job.assign_due_at, tz),
            "arrival_due": _arrival_due(job, tz),
            "history": history,
        },
        now,
        buttons=[(ACCEPT, "job.accept", payload), (DECLINE, "job.decline", payload)],
        priority=OutboxRepository.PRIORITY_ASSIGNMENT,
    )
    if sent is not None:  # the card shows the customer's phone: who saw it (DESIGN.md §6)
        shown = Showing(job.customer_id, job.id)
        await phone_shown(uow, shown, shown=DISPATCH_CARD, now=now, staff_id=technician.id)
    if sent is not None and customer is not None and technician.chat_id is not None:
        await uow.outbox.enqueue(
            chat_id=technician.chat_id,
            recipient_kind="staff",
            recipient_id=technician.id,
            template=LOCATION,
            params={"location": [customer.customer.latitude, customer.customer.longitude]},
            now=now,
            priority=OutboxRepository.PRIORITY_ASSIGNMENT,
        )
    await remember_card(uow, card_key(job), [sent], now)
    return sent


def _due(instant: datetime | None, tz: str) -> object:
    return {"t": N_("not set")} if instant is None else when_arg(instant, tz)


def _arrival_due(job: JobRecord, tz: str) -> object:
    """The arrival deadline; a booked kind's visit is due at the appointment instead."""
    if job.arrival_due_at is None and is_booked(job.kind, job.priority):
        return {"t": N_("the appointment you agree")}
    return _due(job.arrival_due_at, tz)


async def dispatch(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    job: JobRef,
    technician: str,
    actor: str,
    expected_version: int | None = None,
) -> JobChange:
    """A supervisor of the branch gives a registered job to a technician.

    Two supervisors at once: the second gets :class:`ConcurrencyConflict` (pass the version
    they saw as ``expected_version``)."""
    now = clock.now()
    found = await load_job(uow, job, expected_version)
    supervisor = await require_supervisor(uow, actor, found, Permission.DISPATCH, Action.DISPATCH)
    tech = await _technician(uow, technician)
    saved = await apply(
        uow,
        found,
        Action.DISPATCH,
        staff_tag(supervisor),
        now,
        changes={"technician_id": tech.id},
        payload={"technician_id": tech.id},
        settings=settings,
    )
    notices = Notices()
    notices.add(await _offer(uow, saved, tech, now))
    return JobChange(saved, Action.DISPATCH, found.state, notices.tuple())


async def reassign(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    job: JobRef,
    technician: str,
    actor: str,
    reason: str | None = None,
    expected_version: int | None = None,
) -> JobChange:
    """Give an assigned open job to another technician: it is dispatched to them afresh
    (the appointment is dropped) and the previous technician is told."""
    now = clock.now()
    found = await load_job(uow, job, expected_version)
    supervisor = await require_supervisor(uow, actor, found, Permission.REASSIGN, Action.REASSIGN)
    tech = await _technician(uow, technician)
    if tech.id == found.technician_id:
        raise NotAllowed(
            f"job {found.number} is already assigned to {tech.staff.code}",
            staff=tech.staff.code,
            job=found.number,
        )
    previous = await technician_of(uow, found)
    saved = await apply(
        uow,
        found,
        Action.REASSIGN,
        staff_tag(supervisor),
        now,
        changes={"technician_id": tech.id, "appointment_at": None},
        payload={
            "technician_id": tech.id,
            "previous_technician_id": found.technician_id,
            "reason": (reason or "").strip() or None,
        },
        settings=settings,
    )
    notices = Notices()
    notices.add(await _offer(uow, saved, tech, now))
    if previous is not None:
        notices.add(
            await notify_staff(
                uow,
                previous,
                N_("Job {number} was reassigned to {technician}."),
                {"number": saved.number, "technician": staff_arg(tech.id)},
                now,
            )
        )
    return JobChange(saved, Action.REASSIGN, found.state, notices.tuple())


async def cancel(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    job: JobRef,
    actor: str,
    reason: str,
    expected_version: int | None = None,
) -> JobChange:
    """A supervisor cancels an open job, with a reason; its open part requests lapse and the
    technician, if any, is told."""
    now = clock.now()
    found = await load_job(uow, job, expected_version)
    supervisor = await require_supervisor(uow, actor, found, Permission.CANCEL, Action.CANCEL)
    text = require_reason(reason, Action.CANCEL)
    saved = await apply(
        uow,
        found,
        Action.CANCEL,
        staff_tag(supervisor),
        now,
        payload={"reason": text},
        settings=settings,
    )
    await uow.fieldwork.cancel_part_requests(job_id(saved))
    notices = Notices()
    tech = await technician_of(uow, found)
    if tech is not None:
        notices.add(
            await notify_staff(
                uow,
                tech,
                N_("Job {number} was cancelled: {reason}"),
                {"number": saved.number, "reason": text},
                now,
            )
        )
    return JobChange(saved, Action.CANCEL, found.state, notices.tuple())


async def accept(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    job: JobRef,
    actor: str,
    expected_version: int | None = None,
) -> JobChange:
    """The assigned technician takes the job; the contact clock (appointment) starts."""
    now = clock.now()
    found = await load_job(uow, job, expected_version)
    tech = await require_assigned(uow, actor, found, Action.ACCEPT)
    due = hours_after(now, contact_hours(settings, found.priority))
    saved = await apply(
        uow,
        found,
        Action.ACCEPT,
        staff_tag(tech),
        now,
        changes={"contact_due_at": due},
        payload={"technician_id": tech.id, "contact_due_at": due},
        settings=settings,
    )
    notices = Notices()
    notices.add(
        await notify_customer(
            uow,
            await customer_of(uow, saved),
            N_(
                "Job {number}: {technician} is your technician and will agree a time for the "
                "visit with you."
            ),
            {"number": saved.number, "technician": staff_arg(tech.id)},
            now,
            informational=True,
        )
    )
    return JobChange(saved, Action.ACCEPT, found.state, notices.tuple())


async def decline(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    job: JobRef,
    actor: str,
    reason: str,
    expected_version: int | None = None,
) -> JobChange:
    """The assigned technician hands the job back with a reason: it returns to the queue
    (registered, no technician) and the branch's supervisors are told."""
    now = clock.now()
    found = await load_job(uow, job, expected_version)
    tech = await require_assigned(uow, actor, found, Action.DECLINE)
    text = require_reason(reason, Action.DECLINE)
    saved = await apply(
        uow,
        found,
        Action.DECLINE,
        staff_tag(tech),
        now,
        changes={"technician_id": None},
        payload={"technician_id": tech.id, "reason": text},
        settings=settings,
    )
    ids = await notify_supervisors(
        uow,
        saved,
        N_("Job {number} was declined by {technician}: {reason}"),
        {"number": saved.number, "technician": staff_arg(tech.id), "reason": text},
        now,
        buttons=[(DISPATCH_AGAIN, "sup.suggest", job_button(saved))],
    )
    return JobChange(saved, Action.DECLINE, found.state, tuple(ids))


JOB_HANDED_OVER = "job.handed_over"
HANDED_OVER = N_(
    "Job {number} for {customer} was registered by {registrar} of another branch and handed "
    "to your branch: please dispatch it."
)
DISPATCH_IT = N_("Dispatch")


async def hand_over(uow: UnitOfWork, job: JobRecord, registrar: str, now: datetime) -> bool:
    """DESIGN.md §3: a supervisor registers and dispatches jobs of their own branch; a job
    they register for another branch's customer is handed to that branch — its supervisors
    (:func:`notify_supervisors`, the one rule of who hears) are told, with the button to
    dispatch it — instead of the registrar being offered technicians they may not command.
    True when handed over; False for the registrar's own branch or staff of no branch."""
    row = await uow.staff.row(registrar)
    if row is None or row.branch_id is None or row.branch_id == job.branch_id:
        return False
    payload = {"number": job.number, "from_branch_id": row.branch_id, "to_branch_id": job.branch_id}
    await uow.events.append(staff_tag(row), JOB_HANDED_OVER, "job", job_id(job), payload, now)
    await notify_supervisors(
        uow,
        job,
        HANDED_OVER,
        {
            "number": job.number,
            "customer": customer_arg(job.customer_id),
            "registrar": staff_arg(row.id),
        },
        now,
        buttons=[(DISPATCH_IT, "sup.suggest", job_button(job))],
    )
    return True
