"""The call log and a job's details (DESIGN.md §8 `job list`, `job show`): the jobs with their
next deadline, and one job with its clocks, events, fees, receipt, quote and settlement."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TypeVar

from fieldbot.domain.errors import DomainError
from fieldbot.domain.model import (
    Customer,
    Equipment,
    JobState,
)
from fieldbot.repositories.clocks import ClockRow
from fieldbot.repositories.events import Event
from fieldbot.repositories.jobs import JobRecord
from fieldbot.repositories.quotes import QuoteRow
from fieldbot.repositories.signoffs import Settlement
from fieldbot.repositories.work_records import WorkRecordRow
from fieldbot.repositories.workshop import Receipt
from fieldbot.services.calendars import require_branch
from fieldbot.services.deadlines.job_clocks import job_clocks
from fieldbot.services.deadlines.targets import (
    JOB_CLOCK_STATES,
)
from fieldbot.services.workflow import (
    UnknownCustomer,
    UnknownJob,
)
from fieldbot.store import UnitOfWork

JOB_REGISTERED = "job.registered"

E = TypeVar("E", bound=StrEnum)


# --- the call log ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Deadline:
    clock: str  # a job clock of deadlines.targets.JOB_CLOCKS
    due_at: datetime


_ROW_DEADLINES = ("assign", "contact", "arrival", "workshop")  # on the job's row (call log)


def open_deadlines(job: JobRecord) -> list[Deadline]:
    """The deadlines of the job's row still running in the job's state, earliest first."""
    candidates = [
        ("assign", job.assign_due_at),
        ("contact", job.contact_due_at),
        ("arrival", job.arrival_due_at),
        ("workshop", job.workshop_due_at),
    ]
    found = [
        Deadline(name, due)
        for name, due in candidates
        if due and job.state in JOB_CLOCK_STATES[name]
    ]
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
    clocks: list[ClockRow]  # every clock the job has had, in the order of §4
    settlement: Settlement | None = None  # how the fees were settled (an invoice: paid yet?)
    quote: QuoteRow | None = None  # the latest quote put to the customer
    receipt: Receipt | None = None  # the latest receipt (take-back or carry-in)
    work: WorkRecordRow | None = None  # the latest work record: the job's fee lines

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
    clocks = await job_clocks(uow, job)
    return JobDetails(
        summary=summary,
        customer=customer,
        equipment=unit,
        deadlines=running_deadlines(job, clocks),
        events=await uow.events.for_subject("job", job.id),
        clocks=clocks,
        settlement=await uow.fieldwork.settlement(job.id),
        quote=await uow.fieldwork.latest_quote(job.id),
        receipt=receipts[-1] if (receipts := await uow.fieldwork.receipts(job.id)) else None,
        work=await uow.fieldwork.latest_work_record(job.id),
    )


def running_deadlines(job: JobRecord, clocks: Iterable[ClockRow]) -> list[Deadline]:
    """The running deadlines of the job's row and of its other clocks, earliest first."""
    found = open_deadlines(job)
    found.extend(
        Deadline(c.clock, c.due_at)
        for c in clocks
        if c.clock not in _ROW_DEADLINES and c.state == "running" and c.due_at is not None
    )
    return sorted(found, key=lambda d: d.due_at)
