"""What a job would be if registered now (the /new summary): the derived service type and zone,
and the due instants.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fieldbot.domain.calendar import add_calendar
from fieldbot.domain.entitlement import active_contract, service_type_on
from fieldbot.domain.model import Priority, ServiceType, Zone
from fieldbot.domain.zones import zone_for
from fieldbot.handlers.turn import Turn
from fieldbot.services.calendars import calendar_of, require_branch
from fieldbot.services.jobs import arrival_due, arrival_working_hours, assign_hours, urban_radius_km


@dataclass(frozen=True, slots=True)
class Preview:
    """What a job would be if registered now: derived type and zone, the due instants."""

    service_type: ServiceType
    zone: Zone
    assign_due: datetime
    arrival_due: datetime
    arrival_hours: float
    timezone: str


async def preview(turn: Turn, data: Mapping[str, Any]) -> Preview:
    """The service type, zone and deadlines ``register_job`` will derive for this call."""
    uow = turn.uow
    settings = turn.deps.settings
    code = str(data["customer"])
    customer = await uow.customers.get(code)
    assert customer is not None
    branch = await require_branch(uow, customer.branch)
    calendar = await calendar_of(uow, settings, branch)
    called_at = datetime.fromisoformat(str(data["called_at"]))
    day = called_at.astimezone(calendar.tz).date()
    contracts = await uow.contracts.of_customer(code)
    serial = data.get("equipment")
    unit = await uow.equipment.get(str(serial)) if serial else None
    if unit is not None:
        derived = service_type_on(day, unit, contracts)
    elif active_contract(day, code, contracts) is not None:
        derived = ServiceType.B
    else:
        derived = ServiceType.A
    service_type = ServiceType(data["type_override"]) if data.get("type_override") else derived
    zone = zone_for(
        customer.latitude,
        customer.longitude,
        branch.latitude,
        branch.longitude,
        urban_radius_km(settings, branch),
    )
    if data.get("zone_override"):
        zone = Zone(data["zone_override"])
    priority = Priority(data["priority"])
    return Preview(
        service_type=service_type,
        zone=zone,
        assign_due=add_calendar(called_at, assign_hours(settings, priority)),
        arrival_due=arrival_due(calendar, settings, called_at, zone),
        arrival_hours=arrival_working_hours(settings, zone),
        timezone=str(calendar.tz),
    )
