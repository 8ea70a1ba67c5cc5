"""Job intake and the call log (DESIGN.md §3 "Intake", §4 deadlines).

:func:`register_job` turns a call into a job: it resolves the customer and the unit, derives
the service type from entitlement on the call's local date and the zone from the distance
between the site and the branch, numbers the job by the day of the call in the branch's
timezone, and sets the deadlines that start at the call (assign, arrival). The contact clock
starts at accept and the workshop clock at take-back: they are set later.

Use cases work inside the caller's unit of work and do not commit.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import TypeVar

from fieldbot.clock import Clock
from fieldbot.domain.calendar import add_calendar
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
from fieldbot.domain.permissions import Permission
from fieldbot.domain.phones import looks_like_phone, normalise_phone
from fieldbot.domain.states import OPEN_STATES
from fieldbot.domain.zones import zone_for
from fieldbot.repositories.jobs import JobRecord
from fieldbot.services.calendars import calendar_of, require_branch
from fieldbot.services.contract_terms import contract_on, job_contract
from fieldbot.services.customer_notices import tell_registered
from fieldbot.services.deadlines.job_clocks import on_job_transition, start_job_clocks
from fieldbot.services.deadlines.targets import (
    arrival_due,
    arrival_working_hours,
    assign_hours,
    is_booked,
    resolution_due,
    visit_due,
)
from fieldbot.services.workflow import (
    UnknownCustomer,
    load_job,
    load_staff,
    require_permission,
    require_state,
    require_supervisor,
)
from fieldbot.settings import Settings
from fieldbot.store import UnitOfWork

JOB_REGISTERED = "job.registered"

E = TypeVar("E", bound=StrEnum)


class AmbiguousCustomer(DomainError):
    code = "ambiguous_customer"


class UnknownEquipment(DomainError):
    code = "unknown_equipment"


class EquipmentNotCustomers(DomainError):
    code = "equipment_not_customers"


class InvalidJobField(DomainError):
    code = "invalid_job_field"


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


async def resolve_customer(uow: UnitOfWork, query: str, *, branch: str | None = None) -> Customer:
    """The customer named by ``query``: its code exactly, else its phone (through the blind
    index), else a part of its name (in ``branch``, or every branch). Several matches raise
    :class:`AmbiguousCustomer` listing them; none raises :class:`UnknownCustomer`."""
    text = query.strip()
    if not text:
        raise UnknownCustomer("no customer given", query=query)
    by_code = await uow.customers.get(text)
    if by_code is not None and by_code.erased:
        # their personal data was erased on request (DESIGN.md §6): no new work for the record
        raise UnknownCustomer(f"customer {text}'s personal data was erased", query=text)
    if by_code is not None:
        return by_code
    candidates: list[Customer] = []
    if looks_like_phone(text):
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


def urban_radius_km(settings: Settings, branch: Branch) -> float:
    return branch.urban_radius_km if branch.urban_radius_km else settings.urban_radius_km


async def derive_service_type(
    uow: UnitOfWork, customer: Customer, unit: Equipment | None, day: date
) -> ServiceType:
    """The service type of a call on ``day`` (the call's local date): the unit's entitlement;
    a call about no particular unit is B under an active contract, else A."""
    contracts = await uow.contracts.of_customer(customer.code)
    if unit is not None:
        return service_type_on(day, unit, contracts)
    if active_contract(day, customer.code, contracts) is not None:
        return ServiceType.B
    return ServiceType.A


def derive_zone(settings: Settings, customer: Customer, branch: Branch) -> Zone:
    """Urban or suburban: the distance between the customer's site and the branch."""
    return zone_for(
        customer.latitude,
        customer.longitude,
        branch.latitude,
        branch.longitude,
        urban_radius_km(settings, branch),
    )


@dataclass(frozen=True, slots=True)
class Preview:
    """What a job would be if registered now: derived type and zone, the due instants (None:
    no arrival clock for the kind; no resolution due yet for a booked one)."""

    service_type: ServiceType
    zone: Zone
    assign_due: datetime
    arrival_due: datetime | None
    arrival_hours: float
    timezone: str
    booked: bool = False
    resolve_due: datetime | None = None
    resolve_days: int = 0
    tolerance_minutes: int = 0


async def preview_job(
    uow: UnitOfWork,
    settings: Settings,
    *,
    customer: str,
    equipment: str | None,
    priority: Priority | str,
    called_at: datetime,
    service_type_override: ServiceType | str | None = None,
    zone_override: Zone | str | None = None,
    kind: WorkKind | str = WorkKind.REPAIR,
) -> Preview:
    """The service type, zone and deadlines :func:`register_job` will derive for this call
    (``customer`` a code, ``equipment`` a serial of theirs or None)."""
    found = await uow.customers.get(customer)
    if found is None:
        raise UnknownCustomer(f"unknown customer {customer!r}", query=customer)
    branch = await require_branch(uow, found.branch)
    calendar = await calendar_of(uow, settings, branch)
    unit = await uow.equipment.get(equipment) if equipment else None
    day = called_at.astimezone(calendar.tz).date()
    derived = await derive_service_type(uow, found, unit, day)
    contract = await contract_on(uow, found.code, day)
    service_type = (
        parse_choice(ServiceType, service_type_override, "service type")
        if service_type_override
        else derived
    )
    zone = (
        parse_choice(Zone, zone_override, "zone")
        if zone_override
        else derive_zone(settings, found, branch)
    )
    job_priority = parse_choice(Priority, priority, "priority")
    work_kind = parse_choice(WorkKind, kind, "kind")
    booked = is_booked(work_kind, job_priority)
    return Preview(
        service_type=service_type,
        zone=zone,
        assign_due=add_calendar(called_at, assign_hours(settings, job_priority, contract)),
        arrival_due=visit_due(
            calendar, settings, called_at, zone, work_kind, job_priority, contract
        ),
        arrival_hours=arrival_working_hours(settings, zone, job_priority, contract),
        timezone=str(calendar.tz),
        booked=booked,
        resolve_due=None if booked else resolution_due(calendar, settings, called_at),
        resolve_days=settings.resolve_working_days,
        tolerance_minutes=settings.appointment_tolerance_minutes,
    )


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
    own_request: bool = False,
    appointment_at: datetime | None = None,
) -> JobRecord:
    """Register a call as a job in state ``registered`` and record ``job.registered``.

    ``customer`` is a code, a phone or a part of a name (see :func:`resolve_customer`;
    ``branch`` narrows a name search); ``equipment`` a serial of that customer's (None: B under
    an active contract, else A). ``called_at`` defaults to now. An override needs a reason.
    ``own_request``: the customer's own, in the chat (DESIGN.md §5; first-reply clock).
    ``appointment_at``: a booked visit planned at intake (planned maintenance): its on-time
    clock runs against it from the start.
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
    if appointment_at is not None and not is_booked(work_kind, job_priority):
        raise InvalidJobField(
            "only a booked visit has an appointment at intake", field="appointment", value=""
        )

    found = await resolve_customer(uow, customer, branch=branch)
    customer_row = await uow.customers.row(found.code)
    assert customer_row is not None
    unit, unit_id = await _equipment_of(uow, equipment, found)
    job_branch = await require_branch(uow, found.branch)
    branch_id = await uow.branches.require_id(job_branch.code)
    calendar = await calendar_of(uow, settings, job_branch)
    local_day = call.astimezone(calendar.tz).date()

    derived_type = await derive_service_type(uow, found, unit, local_day)
    contract = await contract_on(uow, found.code, local_day)
    type_override = None
    if service_type_override is not None:
        type_override = Override(
            parse_choice(ServiceType, service_type_override, "service type"),
            service_type_reason or "",
        )
    service_type = effective_service_type(derived_type, type_override)

    derived_zone = derive_zone(settings, found, job_branch)
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
            own_request=own_request,
            appointment_at=appointment_at,
            assign_due_at=add_calendar(call, assign_hours(settings, job_priority, contract)),
            arrival_due_at=visit_due(
                calendar, settings, call, zone, work_kind, job_priority, contract
            ),
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
    await start_job_clocks(uow, settings, job, now)
    await tell_registered(uow, customer_row, job, now)  # the customer hears it (DESIGN.md §5)
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
        if found.arrival_due_at is not None:  # a job that runs the arrival clock
            contract = await job_contract(uow, settings, found)
            changes["arrival_due_at"] = arrival_due(
                calendar, settings, found.called_at, new_zone, found.priority, contract
            )
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
