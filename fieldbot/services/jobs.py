"""Job intake and the call log (DESIGN.md §3 "Intake", §4 deadlines).

:func:`register_job` turns a call into a job: it resolves the customer and the unit, derives
the service type from entitlement on the call's local date and the zone from the distance
between the site and the branch, numbers the job by the day of the call in the branch's
timezone, and sets the deadlines that start at the call (assign, arrival). The contact clock
starts at accept and the workshop clock at take-back: they are set later.

Use cases work inside the caller's unit of work and do not commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TypeVar

from fieldbot.clock import Clock
from fieldbot.domain.calendar import WorkCalendar, add_calendar
from fieldbot.domain.entitlement import (
    MissingReason,
    Override,
    active_contract,
    effective_service_type,
    service_type_on,
)
from fieldbot.domain.errors import DomainError, InvalidPhone
from fieldbot.domain.model import (
    Branch,
    Channel,
    Customer,
    Equipment,
    JobState,
    Priority,
    ServiceType,
    WorkKind,
    Zone,
)
from fieldbot.domain.phones import normalise_phone
from fieldbot.domain.zones import zone_for
from fieldbot.repositories.events import Event
from fieldbot.repositories.jobs import JobRecord
from fieldbot.services.calendars import calendar_of, require_branch
from fieldbot.settings import Settings
from fieldbot.store import UnitOfWork

JOB_REGISTERED = "job.registered"

E = TypeVar("E", bound=StrEnum)


class UnknownCustomer(DomainError):
    code = "unknown_customer"


class AmbiguousCustomer(DomainError):
    code = "ambiguous_customer"


class UnknownEquipment(DomainError):
    code = "unknown_equipment"


class EquipmentNotCustomers(DomainError):
    code = "equipment_not_customers"


class InvalidJobField(DomainError):
    code = "invalid_job_field"


class UnknownJob(DomainError):
    code = "unknown_job"


# --- inputs ------------------------------------------------------------------------------------


def parse_choice(kind: type[E], value: E | str, field: str) -> E:
    """``value`` as a member of ``kind``; a clear :class:`InvalidJobField` otherwise."""
    if isinstance(value, kind):
        return value
    text = str(value).strip().lower()
    for member in kind:
        if member.value.lower() == text:
            return member
    allowed = ", ".join(member.value for member in kind)
    raise InvalidJobField(
        f"{field} {value!r} is not one of: {allowed}", field=field, value=str(value)
    )


def _looks_like_phone(text: str) -> bool:
    digits = sum(ch.isdigit() for ch in text)
    return digits >= 7 and digits * 2 > len(text.replace(" ", ""))


async def resolve_customer(uow: UnitOfWork, query: str, *, branch: str | None = None) -> Customer:
    """The customer named by ``query``: its code exactly, else its phone (through the blind
    index), else a part of its name (in ``branch``, or every branch). Several matches raise
    :class:`AmbiguousCustomer` listing them; none raises :class:`UnknownCustomer`."""
    text = query.strip()
    if not text:
        raise UnknownCustomer("no customer given", query=query)
    by_code = await uow.customers.get(text)
    if by_code is not None:
        return by_code
    candidates: list[Customer] = []
    if _looks_like_phone(text):
        try:
            candidates = await uow.customers.find_all_by_phone(normalise_phone(text))
        except InvalidPhone:
            candidates = []
    if not candidates:
        branches = [branch] if branch is not None else sorted(await uow.branches.keys())
        for code in branches:
            candidates.extend(await uow.customers.search_name(code, text))
    if not candidates:
        raise UnknownCustomer(f"no customer with the code, phone or name {text!r}", query=text)
    if len(candidates) > 1:
        listed = "; ".join(f"{c.code} {c.name}" for c in sorted(candidates, key=lambda c: c.code))
        raise AmbiguousCustomer(
            f"{len(candidates)} customers match {text!r}: {listed}; give the customer's code",
            query=text,
            candidates=[c.code for c in candidates],
        )
    return candidates[0]


# --- deadlines ---------------------------------------------------------------------------------


def assign_hours(settings: Settings, priority: Priority) -> float:
    return {
        Priority.EMERGENCY: settings.assign_hours_emergency,
        Priority.GENERAL: settings.assign_hours_general,
        Priority.CONSULT: settings.assign_hours_consult,
    }[priority]


def contact_hours(settings: Settings, priority: Priority) -> float:
    """Calendar hours from accept to the appointment (consult follows general)."""
    if priority is Priority.EMERGENCY:
        return settings.contact_hours_emergency
    return settings.contact_hours_general


def arrival_working_hours(settings: Settings, zone: Zone) -> float:
    if zone is Zone.URBAN:
        return settings.arrival_working_hours_urban
    return settings.arrival_working_hours_suburban


def arrival_due(
    calendar: WorkCalendar, settings: Settings, called_at: datetime, zone: Zone
) -> datetime:
    return calendar.add_working(called_at, timedelta(hours=arrival_working_hours(settings, zone)))


def urban_radius_km(settings: Settings, branch: Branch) -> float:
    return branch.urban_radius_km if branch.urban_radius_km else settings.urban_radius_km


# --- register ----------------------------------------------------------------------------------


async def register_job(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    customer: str,
    equipment: str | None,
    kind: WorkKind | str,
    priority: Priority | str,
    fault: str,
    actor: str,
    channel: Channel | str = Channel.PHONE,
    called_at: datetime | None = None,
    service_type_override: ServiceType | str | None = None,
    service_type_reason: str | None = None,
    zone_override: Zone | str | None = None,
    zone_reason: str | None = None,
    branch: str | None = None,
) -> JobRecord:
    """Register a call as a job in state ``registered`` and record ``job.registered``.

    ``customer`` is a code, a phone or a part of a name (see :func:`resolve_customer`;
    ``branch`` narrows a name search); ``equipment`` a serial of that customer's (None for a
    call about no particular unit: then B under an active contract, else A). ``called_at``
    defaults to now. An override of the service type or zone needs a reason.
    """
    work_kind = parse_choice(WorkKind, kind, "kind")
    job_priority = parse_choice(Priority, priority, "priority")
    job_channel = parse_choice(Channel, channel, "channel")
    fault_text = fault.strip()
    if not fault_text:
        raise InvalidJobField("describe the fault", field="fault", value="")
    now = clock.now()
    call = now if called_at is None else called_at
    if call.tzinfo is None or call.utcoffset() is None:
        raise InvalidJobField("the call time needs a timezone", field="called_at", value="")

    found = await resolve_customer(uow, customer, branch=branch)
    customer_row = await uow.customers.row(found.code)
    assert customer_row is not None
    unit, unit_id = await _equipment_of(uow, equipment, found)
    job_branch = await require_branch(uow, found.branch)
    branch_id = await uow.branches.require_id(job_branch.code)
    calendar = await calendar_of(uow, settings, job_branch)
    local_day = call.astimezone(calendar.tz).date()

    contracts = await uow.contracts.of_customer(found.code)
    if unit is not None:
        derived_type = service_type_on(local_day, unit, contracts)
    elif active_contract(local_day, found.code, contracts) is not None:
        derived_type = ServiceType.B
    else:
        derived_type = ServiceType.A
    type_override = None
    if service_type_override is not None:
        type_override = Override(
            parse_choice(ServiceType, service_type_override, "service type"),
            service_type_reason or "",
        )
    service_type = effective_service_type(derived_type, type_override)

    derived_zone = zone_for(
        found.latitude,
        found.longitude,
        job_branch.latitude,
        job_branch.longitude,
        urban_radius_km(settings, job_branch),
    )
    zone = derived_zone
    if zone_override is not None:
        if not (zone_reason or "").strip():
            raise MissingReason("changing the zone needs a reason", zone=str(zone_override))
        zone = parse_choice(Zone, zone_override, "zone")

    number = await uow.jobs.next_job_number(local_day)
    job = await uow.jobs.insert(
        JobRecord(
            number=number,
            called_at=call,
            branch_id=branch_id,
            customer_id=customer_row.id,
            equipment_id=unit_id,
            kind=work_kind,
            fault=fault_text,
            priority=job_priority,
            channel=job_channel,
            service_type=service_type,
            service_type_reason=None if type_override is None else type_override.reason.strip(),
            zone=zone,
            zone_reason=None if zone_override is None else (zone_reason or "").strip(),
            state=JobState.REGISTERED,
            assign_due_at=add_calendar(call, assign_hours(settings, job_priority)),
            arrival_due_at=arrival_due(calendar, settings, call, zone),
        ),
        now,
    )
    assert job.id is not None
    await uow.events.append(
        actor,
        JOB_REGISTERED,
        "job",
        job.id,
        {
            "number": job.number,
            "branch_id": branch_id,
            "customer_id": customer_row.id,
            "equipment_id": unit_id,
            "kind": work_kind,
            "priority": job_priority,
            "channel": job_channel,
            "called_at": call,
            "service_type": service_type,
            "service_type_derived": derived_type,
            "zone": zone,
            "zone_derived": derived_zone,
            "assign_due_at": job.assign_due_at,
            "arrival_due_at": job.arrival_due_at,
        },
        now,
    )
    # Imported here: the deadlines service uses this module's targets.
    from fieldbot.services.deadlines import start_job_clocks

    await start_job_clocks(uow, settings, job, now)
    return job


JOB_OVERRIDDEN = "job.overridden"


async def override_job(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    job: int | str,
    actor: str,
    reason: str,
    service_type: ServiceType | str | None = None,
    zone: Zone | str | None = None,
    expected_version: int | None = None,
    priority: Priority | str | None = None,
) -> JobRecord:
    """Correct a registered job's service type, zone or priority, with a reason (damage by misuse is
    not a warranty case [seed 003 §5.2]). The branch's supervisor may change either; the
    assigned technician the service type. A new zone moves the arrival deadline and
    recomputes its clock; a new
    priority recomputes the dispatch (and contact) clocks, as new generations."""
    # Imported here: the workflow and deadlines services import this module.
    from fieldbot.domain.permissions import Permission
    from fieldbot.domain.states import OPEN_STATES
    from fieldbot.services.deadlines import on_job_transition
    from fieldbot.services.workflow import (
        load_job,
        load_staff,
        require_permission,
        require_state,
        require_supervisor,
    )

    now = clock.now()
    text = reason.strip()
    if not text:
        raise MissingReason("an override needs a reason", action="override")
    if service_type is None and zone is None and priority is None:
        raise InvalidJobField(
            "give a service type, a zone or a priority", field="override", value=""
        )
    found = await load_job(uow, job, expected_version)
    require_state(found, OPEN_STATES, "override")
    row = await load_staff(uow, actor)
    require_permission(row, Permission.OVERRIDE_SERVICE_TYPE, "override")
    if zone is not None or priority is not None or found.technician_id != row.id:
        # The branch's supervisor: who registers its jobs (a technician has the override
        # permission too, for their own job's service type only).
        await require_supervisor(uow, actor, found, Permission.REGISTER_JOB, "override")
    changes: dict[str, object] = {}
    if service_type is not None:
        changes["service_type"] = parse_choice(ServiceType, service_type, "service type")
        changes["service_type_reason"] = text
    if zone is not None:
        new_zone = parse_choice(Zone, zone, "zone")
        branches = await uow.branches.stored_by_ids([found.branch_id])
        calendar = await calendar_of(uow, settings, branches.get(found.branch_id))
        changes["zone"] = new_zone
        changes["zone_reason"] = text
        changes["arrival_due_at"] = arrival_due(calendar, settings, found.called_at, new_zone)
    if priority is not None:
        changes["priority"] = parse_choice(Priority, priority, "priority")
    saved = await uow.jobs.update(replace(found, **changes), now)  # type: ignore[arg-type]
    assert saved.id is not None
    await uow.events.append(
        f"staff:{row.id}",
        JOB_OVERRIDDEN,
        "job",
        saved.id,
        {
            "number": saved.number,
            "reason": text,
            "service_type": {"from": found.service_type, "to": saved.service_type},
            "zone": {"from": found.zone, "to": saved.zone},
            "priority": {"from": found.priority, "to": saved.priority},
            "arrival_due_at": saved.arrival_due_at,
        },
        now,
    )
    await on_job_transition(uow, settings, found, saved, now, f"staff:{row.id}")
    return await load_job(uow, saved.id)  # with the due instants its clocks moved to


async def _equipment_of(
    uow: UnitOfWork, serial: str | None, customer: Customer
) -> tuple[Equipment | None, int | None]:
    if serial is None or not serial.strip():
        return None, None
    stored = await uow.equipment.stored(serial.strip())
    if stored is None:
        raise UnknownEquipment(f"unknown equipment {serial.strip()!r}", serial=serial.strip())
    if stored.record.customer != customer.code:
        raise EquipmentNotCustomers(
            f"equipment {stored.record.serial} does not belong to customer {customer.code}",
            serial=stored.record.serial,
            customer=customer.code,
        )
    return stored.record, stored.id


# --- the call log ------------------------------------------------------------------------------

_ASSIGN_OPEN = frozenset({JobState.REGISTERED, JobState.DISPATCHED})
_CONTACT_OPEN = frozenset({JobState.ACCEPTED})
_ARRIVAL_OPEN = frozenset(
    {
        JobState.REGISTERED,
        JobState.DISPATCHED,
        JobState.ACCEPTED,
        JobState.SCHEDULED,
        JobState.EN_ROUTE,
    }
)
_WORKSHOP_OPEN = frozenset(
    {JobState.IN_WORKSHOP, JobState.AWAITING_INSPECTION, JobState.READY_FOR_RETURN}
)


@dataclass(frozen=True, slots=True)
class Deadline:
    clock: str  # assign | contact | arrival | workshop
    due_at: datetime


def open_deadlines(job: JobRecord) -> list[Deadline]:
    """The deadlines still running in the job's state, earliest first."""
    candidates = [
        ("assign", job.assign_due_at, _ASSIGN_OPEN),
        ("contact", job.contact_due_at, _CONTACT_OPEN),
        ("arrival", job.arrival_due_at, _ARRIVAL_OPEN),
        ("workshop", job.workshop_due_at, _WORKSHOP_OPEN),
    ]
    found = [Deadline(name, due) for name, due, states in candidates if due and job.state in states]
    return sorted(found, key=lambda d: d.due_at)


def next_deadline(job: JobRecord) -> Deadline | None:
    found = open_deadlines(job)
    return found[0] if found else None


@dataclass(frozen=True, slots=True)
class JobSummary:
    """A line of the call log, with the codes behind the job's ids."""

    job: JobRecord
    branch: str
    customer: str
    equipment: str | None
    technician: str | None
    next_deadline: Deadline | None

    @property
    def number(self) -> str:
        return self.job.number


async def _summaries(uow: UnitOfWork, jobs: list[JobRecord]) -> list[JobSummary]:
    def ids(values: Iterable[int | None]) -> list[int]:
        return [v for v in values if v is not None]

    branches = await uow.branches.stored_by_ids(j.branch_id for j in jobs)
    customers = await uow.customers.stored_by_ids(j.customer_id for j in jobs)
    units = await uow.equipment.stored_by_ids(ids(j.equipment_id for j in jobs))
    staff = await uow.staff.stored_by_ids(ids(j.technician_id for j in jobs))
    return [
        JobSummary(
            job=job,
            branch=branches[job.branch_id].code,
            customer=customers[job.customer_id].code,
            equipment=None if job.equipment_id is None else units[job.equipment_id].serial,
            technician=None if job.technician_id is None else staff[job.technician_id].code,
            next_deadline=next_deadline(job),
        )
        for job in jobs
    ]


async def list_jobs(
    uow: UnitOfWork,
    *,
    branch: str | None = None,
    states: Iterable[JobState] | None = None,
    technician: str | None = None,
    customer: str | None = None,
    called_from: datetime | None = None,
    called_before: datetime | None = None,
    limit: int | None = None,
) -> list[JobSummary]:
    """The call log: jobs in the order of the call, with state, technician, next deadline."""
    branch_id = None
    if branch is not None:
        await require_branch(uow, branch)
        branch_id = await uow.branches.require_id(branch)
    technician_id = None
    if technician is not None:
        technician_id = await uow.staff.id_of(technician)
        if technician_id is None:
            raise DomainError(f"unknown staff {technician!r}", staff=technician)
    customer_id = None
    if customer is not None:
        customer_id = await uow.customers.id_of(customer)
        if customer_id is None:
            raise UnknownCustomer(f"unknown customer {customer!r}", query=customer)
    jobs = await uow.jobs.list(
        branch_id=branch_id,
        states=states,
        technician_id=technician_id,
        customer_id=customer_id,
        called_from=called_from,
        called_before=called_before,
        limit=limit,
    )
    return await _summaries(uow, jobs)


@dataclass(frozen=True, slots=True)
class JobDetails:
    summary: JobSummary
    customer: Customer
    equipment: Equipment | None
    deadlines: list[Deadline]
    events: list[Event]

    @property
    def job(self) -> JobRecord:
        return self.summary.job


async def job_details(uow: UnitOfWork, number: str) -> JobDetails:
    """A job with its customer, unit, running deadlines and its events in order."""
    job = await uow.jobs.by_number(number.strip())
    if job is None or job.id is None:
        raise UnknownJob(f"unknown job {number.strip()!r}", number=number.strip())
    (summary,) = await _summaries(uow, [job])
    customer = await uow.customers.get(summary.customer)
    assert customer is not None
    unit = None if summary.equipment is None else await uow.equipment.get(summary.equipment)
    return JobDetails(
        summary=summary,
        customer=customer,
        equipment=unit,
        deadlines=open_deadlines(job),
        events=await uow.events.for_subject("job", job.id),
    )
