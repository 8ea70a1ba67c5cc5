"""Planned maintenance under contracts (DESIGN.md §8 contracts ``visits_per_year``).

- **The plan** (:func:`plan_customer`, run by the contract import): each contract with
  ``visits_per_year`` gets its visits spread over its term (:func:`fieldbot.domain.maintenance.
  plan_visits`), one row per (contract, visit index). Re-planning (a re-import) rewrites only
  the visits that have no job yet. A renewal continues the plan of the contract it renews.
- **The job** (:func:`generate_visit`, run by the sweep): ``FIELDBOT_MAINTENANCE_LEAD_DAYS``
  before the visit, at a working moment of the branch, the visit becomes an ordinary job
  registered like any other (:func:`fieldbot.services.jobs.register_job`): kind maintenance,
  priority general, type B, for the first of the contract's units (the others named in its
  fault), its on-time clock against the appointment — the visit's day at the branch's first
  working hour. The row moves planned → generated in the same unit of work: once. A visit
  whose window has already ended by then (a contract imported late in its term) is
  ``lapsed``: no job.
- **The end of the window** (:func:`judge_visit`): a visit whose job got no arrival by then is
  ``missed`` and the branch's supervisors are told, once; else ``made``.

Use cases work inside the caller's unit of work and do not commit.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

from fieldbot.clock import Clock
from fieldbot.domain.calendar import WorkCalendar
from fieldbot.domain.maintenance import generate_on, plan_visits, renews
from fieldbot.domain.model import Channel, Contract, Customer, Priority, ServiceType, WorkKind
from fieldbot.domain.sla import day_start, next_day_start
from fieldbot.i18n import N_
from fieldbot.repositories.base import Stored
from fieldbot.repositories.jobs import JobRecord
from fieldbot.repositories.maintenance import (
    GENERATED,
    LAPSED,
    MADE,
    MISSED,
    PLANNED,
    PlannedVisit,
    VisitRow,
)
from fieldbot.services.calendars import calendar_of, require_branch
from fieldbot.services.customer_requests import OPEN_JOB
from fieldbot.services.jobs import derive_service_type, register_job
from fieldbot.services.workflow import (
    JOB_CARD_ACTION,
    SYSTEM,
    customer_arg,
    day_arg,
    notify_supervisors,
)
from fieldbot.settings import Settings
from fieldbot.store import UnitOfWork

VISIT_MISSED_TEXT = N_(
    "Planned maintenance {visit} of contract {number} for {customer} was not made by the end "
    "of its window on {date}: job {job}. Please arrange the visit."
)
VISIT_DUE_TEXT = N_(
    "Planned maintenance {visit} of contract {number} for {customer}: job {job} is in your "
    "queue, the visit is due on {date}. Please dispatch it."
)
VISIT_GENERATED = "maintenance.generated"
VISIT_MISSED = "maintenance.missed"
# The latest local date anywhere (UTC+14): what may be due somewhere, checked per branch.
_LATEST_OFFSET = timezone(timedelta(hours=14))


def latest_local_day(now: datetime) -> date:
    return now.astimezone(_LATEST_OFFSET).date()


# --- the plan ----------------------------------------------------------------------------------


async def plan_customer(uow: UnitOfWork, settings: Settings, customer: str, now: datetime) -> None:
    """(Re)plan the visits of every contract of ``customer``, in the order of their start (a
    renewal after the contract it continues). Visits with a job are never touched."""
    contracts = await uow.contracts.stored_of_customer(customer)
    last_visit: dict[int, date] = {}  # contract id -> the day of its plan's last visit
    for position, stored in enumerate(contracts):
        last = await _plan_contract(uow, settings, contracts, position, last_visit, now)
        if last is not None:
            last_visit[stored.id] = last


async def _plan_contract(
    uow: UnitOfWork,
    settings: Settings,
    contracts: list[Stored[Contract]],
    position: int,
    last_visit: dict[int, date],
    now: datetime,
) -> date | None:
    stored = contracts[position]
    contract = stored.record
    existing = {row.visit_index: row for row in await uow.maintenance.of_contract(stored.id)}
    kept = [row.visit_on for row in existing.values() if row.job_id is not None]
    if not contract.visits_per_year:
        await uow.maintenance.drop(row.id for row in existing.values())
        return max(kept, default=None)
    renewed = [
        c.id
        for c in contracts[:position]
        if c.id in last_visit and _renews(settings, c.record, contract)
    ]
    renewal = next(
        (
            c.record.starts_on
            for c in contracts[position + 1 :]
            if c.record.visits_per_year and _renews(settings, contract, c.record)
        ),
        None,
    )
    wanted = plan_visits(
        contract.starts_on,
        contract.ends_on,
        contract.visits_per_year,
        after=last_visit[renewed[-1]] if renewed else None,
        until=renewal,
    )
    for visit in wanted:
        planned = PlannedVisit(
            visit_index=visit.index,
            visit_on=visit.on,
            window_starts_on=visit.window_starts_on,
            window_ends_on=visit.window_ends_on,
            generate_on=generate_on(visit, contract.starts_on, settings.maintenance_lead_days),
        )
        row = existing.pop(visit.index, None)
        if row is None:
            await uow.maintenance.add(stored.id, planned, PLANNED, now)
            kept.append(visit.on)
        elif row.job_id is None:
            # a lapsed visit stays so while its window is the same
            lapsed = row.state == LAPSED and row.window_ends_on == planned.window_ends_on
            state = LAPSED if lapsed else PLANNED
            if _changed(row, planned, state):
                await uow.maintenance.replan(row.id, planned, state, now)
            kept.append(visit.on)
    await uow.maintenance.drop(row.id for row in existing.values() if row.job_id is None)
    return max(kept, default=None)


def _renews(settings: Settings, old: Contract, new: Contract) -> bool:
    return renews(old.starts_on, old.ends_on, new.starts_on, settings.renewal_notice_days)


def _changed(row: VisitRow, planned: PlannedVisit, state: str) -> bool:
    return (
        row.state,
        row.visit_on,
        row.window_starts_on,
        row.window_ends_on,
        row.generate_on,
    ) != (
        state,
        planned.visit_on,
        planned.window_starts_on,
        planned.window_ends_on,
        planned.generate_on,
    )


# --- the job -----------------------------------------------------------------------------------


async def generate_visit(
    uow: UnitOfWork, settings: Settings, clock: Clock, row_id: int
) -> JobRecord | None:
    """Register the job of a planned visit whose day to generate has come, at a working
    moment of the branch; None when not due yet (or generated already)."""
    now = clock.now()
    row = await uow.maintenance.get(row_id)
    if row is None or row.state != PLANNED:
        return None
    contract = await uow.contracts.by_id(row.contract_id)
    customer = None if contract is None else await uow.customers.get(contract.customer)
    if contract is None or customer is None:
        return None
    calendar = await _calendar(uow, settings, customer)
    today = now.astimezone(calendar.tz).date()
    if today > row.window_ends_on:
        await uow.maintenance.move(row.id, PLANNED, LAPSED, now)
        return None
    if today < row.generate_on or not calendar.is_working_moment(now):
        return None
    if not await uow.maintenance.move(row.id, PLANNED, GENERATED, now):
        return None  # another sweep generated it
    owned = [unit.serial for unit in await uow.equipment.of_customer(customer.code)]
    units = [serial for serial in contract.serials if serial in owned] or owned
    count = len(await uow.maintenance.of_contract(row.contract_id))
    visit = f"{row.visit_index + 1}/{count}"
    # codes, a date and serials only: the fault is stored data, read alike in both languages
    fault = " · ".join([contract.number, visit, row.visit_on.isoformat(), *units[:1]])
    if len(units) > 1:
        fault += " + " + ", ".join(units[1:])
    unit = await uow.equipment.get(units[0]) if units else None
    derived = await derive_service_type(uow, customer, unit, now.astimezone(calendar.tz).date())
    job = await register_job(
        uow,
        settings,
        clock,
        customer=customer.code,
        equipment=units[0] if units else None,
        kind=WorkKind.MAINTENANCE,
        priority=Priority.GENERAL,
        fault=fault,
        actor=SYSTEM,
        channel=Channel.OTHER,
        service_type_override=None if derived is ServiceType.B else ServiceType.B,
        service_type_reason=None if derived is ServiceType.B else f"{contract.number} {visit}",
        appointment_at=_appointment(calendar, row.visit_on, now),
    )
    assert job.id is not None
    await uow.maintenance.set_job(row.id, job.id)
    await notify_supervisors(
        uow,
        job,
        VISIT_DUE_TEXT,
        _visit_args(contract, job, visit, row.visit_on),
        now,
        buttons=[(OPEN_JOB, JOB_CARD_ACTION, {"job_id": job.id})],
    )
    await uow.events.append(
        SYSTEM,
        VISIT_GENERATED,
        "contract",
        row.contract_id,
        {"number": contract.number, "visit_index": row.visit_index, "job": job.number},
        now,
    )
    return job


def _appointment(calendar: WorkCalendar, day: date, now: datetime) -> datetime:
    """The visit's day at the branch's first working hour (the next working day's when it is
    a day off); a day already past: the next working morning."""
    midnight = datetime.combine(day, time(0), tzinfo=calendar.tz).astimezone(UTC)
    planned = day_start(calendar, day) or next_day_start(calendar, midnight) or midnight
    if planned >= now:
        return planned
    return next_day_start(calendar, now) or now


# --- the end of the window ---------------------------------------------------------------------


async def judge_visit(
    uow: UnitOfWork, settings: Settings, row_id: int, now: datetime
) -> str | None:
    """At a working moment after the visit's window ended: ``made`` when its job got an
    arrival by then, else ``missed`` with the supervisors told (once). Returns the number of
    the job of a visit missed now; None otherwise."""
    row = await uow.maintenance.get(row_id)
    if row is None or row.state != GENERATED or row.job_id is None:
        return None
    contract = await uow.contracts.by_id(row.contract_id)
    customer = None if contract is None else await uow.customers.get(contract.customer)
    job = await uow.jobs.get(row.job_id)
    if contract is None or customer is None or job is None:
        return None
    calendar = await _calendar(uow, settings, customer)
    ended = datetime.combine(row.window_ends_on + timedelta(days=1), time(0), tzinfo=calendar.tz)
    if now < ended or not calendar.is_working_moment(now):
        return None
    events = await uow.events.for_subject("job", row.job_id)
    made = any(e.kind == "job.arrive" and e.at < ended for e in events)
    state = MADE if made else MISSED
    if not await uow.maintenance.move(row.id, GENERATED, state, now) or made:
        return None
    count = len(await uow.maintenance.of_contract(row.contract_id))
    visit = f"{row.visit_index + 1}/{count}"
    await notify_supervisors(
        uow,
        job,
        VISIT_MISSED_TEXT,
        _visit_args(contract, job, visit, row.window_ends_on),
        now,
        buttons=[(OPEN_JOB, JOB_CARD_ACTION, {"job_id": row.job_id})],
    )
    await uow.events.append(
        SYSTEM,
        VISIT_MISSED,
        "contract",
        row.contract_id,
        {"number": contract.number, "visit_index": row.visit_index, "job": job.number},
        now,
    )
    return job.number


def _visit_args(contract: Contract, job: JobRecord, visit: str, day: date) -> dict[str, object]:
    return {
        "visit": visit,
        "number": contract.number,
        "customer": customer_arg(job.customer_id),
        "date": day_arg(day),
        "job": job.number,
    }


async def _calendar(uow: UnitOfWork, settings: Settings, customer: Customer) -> WorkCalendar:
    return await calendar_of(uow, settings, await require_branch(uow, customer.branch))
