"""The service voucher (DESIGN.md §3): a unit's earlier jobs with their work, parts and
sign-off, shown on the dispatch card and kept for the equipment's history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fieldbot.repositories.jobs import JobRecord
from fieldbot.services.workflow import (
    InvalidInput,
    JobRef,
    job_id,
    load_job,
)
from fieldbot.store import UnitOfWork


@dataclass(frozen=True, slots=True)
class VoucherEntry:
    """One job in a unit's service history."""

    number: str
    called_at: datetime
    kind: str
    state: str
    service_type: str
    technician: str | None  # staff code
    work: str | None
    minutes: int | None
    amount_due_fen: int | None


async def equipment_history(uow: UnitOfWork, serial: str) -> list[VoucherEntry]:
    """Every job on the unit, in the order of the call."""
    unit_id = await uow.equipment.id_of(serial)
    if unit_id is None:
        raise InvalidInput(f"unknown equipment {serial!r}", serial=serial)
    return await _entries(uow, await uow.jobs.list(equipment_id=unit_id))


async def service_history(uow: UnitOfWork, *, job: JobRef) -> list[VoucherEntry]:
    """The unit's service voucher as seen from ``job``: every earlier job on that unit."""
    found = await load_job(uow, job)
    if found.equipment_id is None:
        return []
    earlier = [
        other
        for other in await uow.jobs.list(equipment_id=found.equipment_id)
        if other.id != found.id
        and (other.called_at, job_id(other)) < (found.called_at, job_id(found))
    ]
    return await _entries(uow, earlier)


async def _entries(uow: UnitOfWork, jobs: list[JobRecord]) -> list[VoucherEntry]:
    staff = await uow.staff.stored_by_ids(j.technician_id for j in jobs if j.technician_id)
    entries = []
    for job in jobs:
        work = await uow.fieldwork.latest_work_record(job_id(job))
        tech = staff.get(job.technician_id) if job.technician_id else None
        entries.append(
            VoucherEntry(
                number=job.number,
                called_at=job.called_at,
                kind=job.kind.value,
                state=job.state.value,
                service_type=job.service_type.value,
                technician=None if tech is None else tech.code,
                work=None if work is None else work.description,
                minutes=None if work is None else work.minutes,
                amount_due_fen=None if work is None else work.amount_due_fen,
            )
        )
    return entries
