"""Job intake on the sample company: numbers, entitlement, zone, deadlines, the call log."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from fieldbot.clock import ManualClock
from fieldbot.domain.entitlement import MissingReason
from fieldbot.domain.model import Channel, JobState, Priority, ServiceType, WorkKind, Zone
from fieldbot.repositories.jobs import JobRecord
from fieldbot.services.calendar_overrides import set_override
from fieldbot.services.job_details import job_details, list_jobs
from fieldbot.services.jobs import (
    JOB_REGISTERED,
    AmbiguousCustomer,
    EquipmentNotCustomers,
    InvalidJobField,
    UnknownCustomer,
    UnknownEquipment,
    register_job,
)
from fieldbot.services.workflow import UnknownJob
from fieldbot.settings import Settings
from fieldbot.store import Store

SHANGHAI = ZoneInfo("Asia/Shanghai")
UNITS = {"C001": "RF25-0001", "C002": "CF22-0107", "C003": "CF21-0033", "C004": "IM24-0210"}


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


async def register(
    store: Store, settings: Settings, clock: ManualClock, customer: str = "C001", **kwargs: Any
) -> JobRecord:
    values: dict[str, Any] = {
        "customer": customer,
        "equipment": UNITS.get(customer),
        "kind": "repair",
        "priority": "general",
        "fault": "does not cool",
        "actor": "staff:1",
    }
    values.update(kwargs)
    async with store.unit_of_work() as uow:
        job = await register_job(uow, settings, clock, **values)
        await uow.commit()
    return job


async def test_job_numbers_count_the_calls_of_each_local_day(
    company: Store, settings: Settings, clock: ManualClock
) -> None:
    numbers = [
        (await register(company, settings, clock, called_at=at)).number
        for at in (
            local(2026, 9, 14, 9, 0),
            local(2026, 9, 14, 23, 59),
            local(2026, 9, 15, 0, 1),  # still the 14th in UTC: the branch's day counts
            local(2026, 9, 14, 10, 0),
        )
    ]
    assert numbers == ["J20260914-001", "J20260914-002", "J20260915-001", "J20260914-003"]


@pytest.mark.parametrize(
    ("customer", "expected"),
    [("C003", ServiceType.A), ("C002", ServiceType.B), ("C001", ServiceType.C)],
)
async def test_service_type_follows_warranty_and_contract(
    company: Store, settings: Settings, clock: ManualClock, customer: str, expected: ServiceType
) -> None:
    job = await register(company, settings, clock, customer)
    assert job.service_type is expected
    assert job.service_type_reason is None


async def test_entitlement_is_judged_on_the_local_date_of_the_call(
    company: Store, settings: Settings, clock: ManualClock
) -> None:
    # C024's unit is in warranty until 2026-10-09 (local); 2026-10-10 00:30 local is
    # still the 9th in UTC, but the call is on the 10th: no warranty, contract ended → A.
    job = await register(
        company,
        settings,
        clock,
        "C024",
        equipment="RF24-0628",
        called_at=local(2026, 10, 10, 0, 30),
    )
    before = await register(
        company, settings, clock, "C024", equipment="RF24-0628", called_at=local(2026, 10, 9, 23, 0)
    )
    assert (job.service_type, before.service_type) == (ServiceType.A, ServiceType.C)


async def test_a_suburban_customer_gets_seven_working_hours_to_arrival(
    company: Store, settings: Settings, clock: ManualClock
) -> None:
    job = await register(company, settings, clock, "C004", called_at=local(2026, 9, 14, 10, 0))
    urban = await register(company, settings, clock, "C001", called_at=local(2026, 9, 14, 10, 0))
    assert (job.zone, urban.zone) == (Zone.SUBURBAN, Zone.URBAN)
    assert job.arrival_due_at == local(2026, 9, 14, 18, 0)
    assert urban.arrival_due_at == local(2026, 9, 14, 17, 0)


async def test_arrival_due_runs_across_national_day(
    company: Store, settings: Settings, clock: ManualClock
) -> None:
    job = await register(company, settings, clock, "C001", called_at=local(2026, 9, 30, 16, 0))
    assert job.arrival_due_at == local(2026, 10, 8, 14, 0)


async def test_arrival_due_skips_a_branch_holiday(
    company: Store, settings: Settings, clock: ManualClock
) -> None:
    async with company.unit_of_work() as uow:
        await set_override(
            uow,
            clock,
            day=date(2026, 9, 15),
            is_working=False,
            branch_code="SH01",
            actor="a",
            settings=settings,
        )
        await uow.commit()
    job = await register(company, settings, clock, "C001", called_at=local(2026, 9, 14, 17, 0))
    assert job.arrival_due_at == local(2026, 9, 16, 15, 0)


@pytest.mark.parametrize(
    ("priority", "hours"),
    [(Priority.EMERGENCY, 2), (Priority.GENERAL, 24), (Priority.CONSULT, 48)],
)
async def test_assign_due_is_calendar_hours_by_priority(
    company: Store, settings: Settings, clock: ManualClock, priority: Priority, hours: int
) -> None:
    called = local(2026, 9, 18, 17, 30)  # Friday evening: calendar hours run over the weekend
    job = await register(company, settings, clock, priority=priority, called_at=called)
    assert job.assign_due_at == called + timedelta(hours=hours)
    assert job.contact_due_at is None and job.workshop_due_at is None


async def test_a_registered_job_is_stored_with_its_deadlines_and_an_event_of_ids_only(
    company: Store, settings: Settings, clock: ManualClock
) -> None:
    job = await register(company, settings, clock, "C002", channel=Channel.TELEGRAM)
    async with company.unit_of_work(readonly=True) as uow:
        stored = await uow.jobs.by_number(job.number)
        customer = await uow.customers.row("C002")
        events = await uow.events.for_subject("job", job.id or 0)
    assert stored == job
    assert stored.state is JobState.REGISTERED and stored.called_at == clock.now()
    assert stored.channel is Channel.TELEGRAM and stored.kind is WorkKind.REPAIR
    assert customer is not None
    (event,) = events
    assert (event.kind, event.actor) == (JOB_REGISTERED, "staff:1")
    assert event.payload["customer_id"] == customer.id
    assert event.payload["service_type"] == "B"
    text = str(event.payload)
    for personal in ("Blue Harbour", "13901710002", "南京西路", "does not cool"):
        assert personal not in text


async def test_the_customer_is_found_by_phone_or_by_part_of_the_name(
    company: Store, settings: Settings, clock: ManualClock
) -> None:
    by_phone = await register(
        company, settings, clock, "+86 139-0171-0002", equipment=UNITS["C002"]
    )
    by_name = await register(company, settings, clock, "harbour bistro", equipment=UNITS["C002"])
    by_landline = await register(company, settings, clock, "(021) 6328 1001", equipment="RF25-0001")
    assert by_phone.customer_id == by_name.customer_id
    assert by_landline.service_type is ServiceType.C


async def test_an_ambiguous_name_lists_the_candidates(
    company: Store, settings: Settings, clock: ManualClock
) -> None:
    with pytest.raises(AmbiguousCustomer) as caught:
        await register(company, settings, clock, "酒店", equipment=None)
    assert set(caught.value.params["candidates"]) == {"C005", "C034", "C036"}  # type: ignore[arg-type]
    assert "C005 和悦大酒店" in str(caught.value)
    # narrowed to one branch the name is unique
    job = await register(company, settings, clock, "酒店", equipment=None, branch="SH01")
    assert job.service_type is ServiceType.B  # C005's contract runs until 2026-10-08


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"customer": "C999"}, UnknownCustomer),
        ({"customer": "13000000000"}, UnknownCustomer),
        ({"equipment": "XX-0000"}, UnknownEquipment),
        ({"equipment": "CF22-0107"}, EquipmentNotCustomers),
        ({"kind": "demolition"}, InvalidJobField),
        ({"priority": "urgent"}, InvalidJobField),
        ({"channel": "pigeon"}, InvalidJobField),
        ({"fault": "  "}, InvalidJobField),
        ({"service_type_override": "A"}, MissingReason),
        ({"zone_override": "suburban", "zone_reason": " "}, MissingReason),
    ],
)
async def test_bad_intake_is_refused_and_writes_nothing(
    company: Store,
    settings: Settings,
    clock: ManualClock,
    changes: dict[str, Any],
    error: type[Exception],
) -> None:
    with pytest.raises(error):
        await register(company, settings, clock, **changes)
    async with company.unit_of_work(readonly=True) as uow:
        assert await uow.jobs.list() == []


async def test_overrides_of_type_and_zone_keep_their_reasons(
    company: Store, settings: Settings, clock: ManualClock
) -> None:
    job = await register(
        company,
        settings,
        clock,
        "C001",
        service_type_override="A",
        service_type_reason="damage by misuse",
        zone_override="suburban",
        zone_reason="site moved to the warehouse",
        called_at=local(2026, 9, 14, 10, 0),
    )
    assert (job.service_type, job.service_type_reason) == (ServiceType.A, "damage by misuse")
    assert (job.zone, job.zone_reason) == (Zone.SUBURBAN, "site moved to the warehouse")
    assert job.arrival_due_at == local(2026, 9, 14, 18, 0)  # the zone's 7 working hours
    async with company.unit_of_work(readonly=True) as uow:
        (event,) = await uow.events.for_subject("job", job.id or 0)
    assert (event.payload["service_type_derived"], event.payload["zone_derived"]) == (
        "C",
        "urban",
    )


async def test_the_call_log_lists_jobs_in_call_order_with_their_next_deadline(
    company: Store, settings: Settings, clock: ManualClock
) -> None:
    late = await register(company, settings, clock, "C003", called_at=local(2026, 9, 14, 11, 0))
    early = await register(company, settings, clock, "C004", called_at=local(2026, 9, 14, 9, 0))
    async with company.unit_of_work() as uow:
        technician = await uow.staff.row("T01")
        assert technician is not None and late.id is not None
        accepted = await uow.jobs.get(late.id)
        assert accepted is not None
        await uow.jobs.update(
            replace(
                accepted,
                state=JobState.ACCEPTED,
                technician_id=technician.id,
                contact_due_at=local(2026, 9, 15, 11, 0),
            ),
            clock.now(),
        )
        await uow.commit()
    async with company.unit_of_work(readonly=True) as uow:
        log = await list_jobs(uow)
        sh02 = await list_jobs(uow, branch="SH02")
        of_t01 = await list_jobs(uow, technician="T01")
    assert [s.number for s in log] == [early.number, late.number]
    first, second = log
    assert (first.customer, first.equipment, first.branch, first.technician) == (
        "C004",
        "IM24-0210",
        "SH02",
        None,
    )
    assert first.next_deadline is not None
    assert first.next_deadline.clock == "arrival"  # 7 working hours come before 24 h
    assert second.job.state is JobState.ACCEPTED and second.technician == "T01"
    assert second.next_deadline is not None
    assert (second.next_deadline.clock, second.next_deadline.due_at) == (
        "arrival",
        local(2026, 9, 14, 18, 0),
    )
    assert [s.number for s in sh02] == [early.number]
    assert [s.number for s in of_t01] == [late.number]


async def test_job_details_show_the_job_its_customer_and_its_events(
    company: Store, settings: Settings, clock: ManualClock
) -> None:
    job = await register(company, settings, clock, "C002")
    async with company.unit_of_work(readonly=True) as uow:
        details = await job_details(uow, job.number)
        with pytest.raises(UnknownJob):
            await job_details(uow, "J20260914-999")
    assert details.job == job
    assert details.customer.name == "Blue Harbour Bistro"
    assert details.equipment is not None and details.equipment.serial == "CF22-0107"
    # a repair runs the resolution clock from the call too (3 working days)
    assert [d.clock for d in details.deadlines] == ["arrival", "assign", "resolution"]
    assert [e.kind for e in details.events] == [JOB_REGISTERED]
