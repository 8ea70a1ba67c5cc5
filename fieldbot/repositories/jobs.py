"""Jobs: the stored record, job numbers, and optimistic versioned updates."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import RowMapping

from fieldbot import tables as t
from fieldbot.domain.model import Channel, JobState, Priority, ServiceType, WorkKind, Zone
from fieldbot.repositories.base import (
    ConcurrencyConflict,
    NotFound,
    Repository,
    StoreError,
    aware,
    dialect_insert,
)


@dataclass(frozen=True, slots=True)
class JobRecord:
    """A job as stored. Services change it with ``dataclasses.replace`` and save it with
    :meth:`JobRepository.update`, which checks ``version``."""

    number: str
    called_at: datetime
    branch_id: int
    customer_id: int
    equipment_id: int | None
    kind: WorkKind
    fault: str
    priority: Priority
    channel: Channel
    service_type: ServiceType
    zone: Zone
    state: JobState = JobState.REGISTERED
    service_type_reason: str | None = None
    zone_reason: str | None = None
    technician_id: int | None = None
    carried_over: bool = False
    own_request: bool = False  # reported by the customer in the chat (DESIGN.md §5)
    appointment_at: datetime | None = None
    assign_due_at: datetime | None = None
    contact_due_at: datetime | None = None
    arrival_due_at: datetime | None = None
    workshop_due_at: datetime | None = None
    id: int | None = None
    version: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None


_JOB_ENUMS: dict[str, type[Any]] = {
    "kind": WorkKind,
    "priority": Priority,
    "channel": Channel,
    "service_type": ServiceType,
    "zone": Zone,
    "state": JobState,
}
_JOB_FIELDS = tuple(f.name for f in fields(JobRecord))
_JOB_IMMUTABLE = frozenset({"id", "version", "created_at", "updated_at", "number"})


def format_job_number(day: date, sequence: int) -> str:
    return f"J{day:%Y%m%d}-{sequence:03d}"


class JobRepository(Repository):
    @staticmethod
    def _record(row: RowMapping) -> JobRecord:
        values = {name: row[name] for name in _JOB_FIELDS}
        for name, kind in _JOB_ENUMS.items():
            values[name] = kind(values[name])
        values["carried_over"] = bool(values["carried_over"])
        values["own_request"] = bool(values["own_request"])
        return JobRecord(**values)

    @staticmethod
    def _values(job: JobRecord) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name in _JOB_FIELDS:
            if name in _JOB_IMMUTABLE:
                continue
            value = getattr(job, name)
            values[name] = value.value if name in _JOB_ENUMS else value
        return values

    async def next_job_number(self, day: date) -> str:
        """``J20260914-001``: ``day`` is the date of the call (in the branch's time zone)."""
        counter = t.job_number_counters
        stmt = (
            dialect_insert(self._conn, counter)
            .values(day=day, last=1)
            .on_conflict_do_update(index_elements=["day"], set_={"last": counter.c.last + 1})
            .returning(counter.c.last)
        )
        sequence = int((await self._conn.execute(stmt)).scalar_one())
        return format_job_number(day, sequence)

    async def insert(self, job: JobRecord, now: datetime) -> JobRecord:
        """Store a new job; returns it with its id, version 1 and timestamps."""
        if job.id is not None:
            raise StoreError(f"job {job.number} is already stored")
        now = aware(now, "now")
        values = self._values(job)
        values.update(number=job.number, version=1, created_at=now, updated_at=now)
        job_id = (
            await self._conn.execute(insert(t.jobs).values(values).returning(t.jobs.c.id))
        ).scalar_one()
        return replace(job, id=int(job_id), version=1, created_at=now, updated_at=now)

    async def get(self, job_id: int) -> JobRecord | None:
        row = await self._first(select(t.jobs).where(t.jobs.c.id == job_id))
        return None if row is None else self._record(row)

    async def by_number(self, number: str) -> JobRecord | None:
        row = await self._first(select(t.jobs).where(t.jobs.c.number == number))
        return None if row is None else self._record(row)

    async def get_for_update(self, job_id: int) -> JobRecord | None:
        """Read and lock the row until the unit of work ends (PostgreSQL ``FOR UPDATE``;
        on SQLite the write transaction already excludes other writers)."""
        query = select(t.jobs).where(t.jobs.c.id == job_id)
        if self._row_locks:
            query = query.with_for_update()
        row = await self._first(query)
        return None if row is None else self._record(row)

    async def list(
        self,
        *,
        branch_id: int | None = None,
        states: Iterable[JobState] | None = None,
        technician_id: int | None = None,
        customer_id: int | None = None,
        equipment_id: int | None = None,
        called_from: datetime | None = None,
        called_before: datetime | None = None,
        limit: int | None = None,
    ) -> list[JobRecord]:
        """Jobs in the order of the call (the call log), filtered."""
        query = select(t.jobs).order_by(t.jobs.c.called_at, t.jobs.c.id)
        if branch_id is not None:
            query = query.where(t.jobs.c.branch_id == branch_id)
        if states is not None:
            query = query.where(t.jobs.c.state.in_([s.value for s in states]))
        if technician_id is not None:
            query = query.where(t.jobs.c.technician_id == technician_id)
        if customer_id is not None:
            query = query.where(t.jobs.c.customer_id == customer_id)
        if equipment_id is not None:
            query = query.where(t.jobs.c.equipment_id == equipment_id)
        if called_from is not None:
            query = query.where(t.jobs.c.called_at >= called_from)
        if called_before is not None:
            query = query.where(t.jobs.c.called_at < called_before)
        if limit is not None:
            query = query.limit(limit)
        return [self._record(row) for row in await self._all(query)]

    async def update(
        self, job: JobRecord, now: datetime, *, expected_version: int | None = None
    ) -> JobRecord:
        """Save ``job`` if its row still has ``expected_version`` (default ``job.version``);
        returns it with the new version. Raises :class:`ConcurrencyConflict` otherwise."""
        if job.id is None:
            raise StoreError("insert a job before updating it")
        expected = job.version if expected_version is None else expected_version
        now = aware(now, "now")
        values = self._values(job)
        values.update(version=t.jobs.c.version + 1, updated_at=now)
        result = await self._conn.execute(
            update(t.jobs)
            .where(t.jobs.c.id == job.id, t.jobs.c.version == expected)
            .values(values)
            .returning(t.jobs.c.version)
        )
        version = result.scalar_one_or_none()
        if version is None:
            current = await self.get(job.id)
            if current is None:
                raise NotFound(f"job {job.id} does not exist")
            raise ConcurrencyConflict(
                f"job {current.number} changed meanwhile (version {current.version}, "
                f"expected {expected})"
            )
        return replace(job, version=int(version), updated_at=now)

    _DUE_COLUMNS = frozenset({"assign_due_at", "contact_due_at", "arrival_due_at"})

    async def set_deadlines(
        self, job_id: int, deadlines: Mapping[str, datetime | None], now: datetime
    ) -> None:
        """Write the due instants the job's clocks moved to (a pause, a recomputation).

        They follow the clocks, not a decision about the job: the version stays, so the
        buttons people hold for the job stay valid."""
        unknown = set(deadlines) - self._DUE_COLUMNS
        if unknown:
            raise StoreError(f"not a deadline of a job: {sorted(unknown)}")
        if not deadlines:
            return
        values: dict[str, Any] = {
            name: None if value is None else aware(value, name) for name, value in deadlines.items()
        }
        values["updated_at"] = aware(now, "now")
        await self._conn.execute(update(t.jobs).where(t.jobs.c.id == job_id).values(values))
