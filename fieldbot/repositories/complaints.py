"""The complaint register (DESIGN.md §5): complaints numbered ``TS-YYYYMMDD-NNN`` by the day
they were filed, their classification, personal contact, written result and the customer's
answer."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import RowMapping

from fieldbot import tables as t
from fieldbot.repositories.base import (
    ConcurrencyConflict,
    NotFound,
    Repository,
    aware,
    dialect_insert,
)


def format_complaint_number(day: date, sequence: int) -> str:
    return f"TS-{day:%Y%m%d}-{sequence:03d}"


@dataclass(frozen=True, slots=True)
class ComplaintRow:
    id: int
    number: str
    filed_at: datetime
    branch_id: int
    customer_id: int
    source: str  # customer | staff | survey
    description: str
    state: str  # open | result_sent | resolved
    job_id: int | None = None
    survey_id: int | None = None
    filed_by: int | None = None
    photos: tuple[str, ...] = ()
    severity: str | None = None  # general | serious
    cause: str | None = None  # quality | not_quality
    classified_by: int | None = None
    contact_kind: str | None = None  # visit | call
    contact_at: datetime | None = None
    contact_outcome: str | None = None
    contact_by: int | None = None
    result: str | None = None
    result_at: datetime | None = None
    result_outbox_id: int | None = None
    resolved_at: datetime | None = None
    reopened: int = 0
    version: int = 1
    created_at: datetime | None = None
    updated_at: datetime | None = None


_FIELDS = tuple(f.name for f in fields(ComplaintRow))
_IMMUTABLE = frozenset({"id", "number", "version", "created_at", "updated_at", "filed_at"})


class ComplaintRepository(Repository):
    @staticmethod
    def _row(row: RowMapping) -> ComplaintRow:
        values = {name: row[name] for name in _FIELDS}
        values["photos"] = tuple(json.loads(row["photos"] or "[]"))
        return ComplaintRow(**values)

    async def next_number(self, day: date) -> str:
        """``TS-20260914-001``: ``day`` is the date filed (in the branch's time zone)."""
        counter = t.complaint_number_counters
        stmt = (
            dialect_insert(self._conn, counter)
            .values(day=day, last=1)
            .on_conflict_do_update(index_elements=["day"], set_={"last": counter.c.last + 1})
            .returning(counter.c.last)
        )
        sequence = int((await self._conn.execute(stmt)).scalar_one())
        return format_complaint_number(day, sequence)

    async def add(
        self,
        *,
        number: str,
        branch_id: int,
        customer_id: int,
        source: str,
        description: str,
        now: datetime,
        job_id: int | None = None,
        survey_id: int | None = None,
        filed_by: int | None = None,
        photos: tuple[str, ...] = (),
    ) -> ComplaintRow:
        now = aware(now, "now")
        complaint_id = (
            await self._conn.execute(
                insert(t.complaints)
                .values(
                    number=number,
                    filed_at=now,
                    branch_id=branch_id,
                    customer_id=customer_id,
                    job_id=job_id,
                    survey_id=survey_id,
                    source=source,
                    filed_by=filed_by,
                    description=description,
                    photos=json.dumps(list(photos)),
                    state="open",
                    reopened=0,
                    version=1,
                    created_at=now,
                    updated_at=now,
                )
                .returning(t.complaints.c.id)
            )
        ).scalar_one()
        found = await self.get(int(complaint_id))
        assert found is not None
        return found

    async def get(self, complaint_id: int) -> ComplaintRow | None:
        row = await self._first(select(t.complaints).where(t.complaints.c.id == complaint_id))
        return None if row is None else self._row(row)

    async def by_number(self, number: str) -> ComplaintRow | None:
        row = await self._first(select(t.complaints).where(t.complaints.c.number == number))
        return None if row is None else self._row(row)

    async def save(self, complaint: ComplaintRow, now: datetime) -> ComplaintRow:
        """Write the complaint if nobody changed it since it was read (its version)."""
        now = aware(now, "now")
        column = t.complaints.c
        values: dict[str, Any] = {
            name: getattr(complaint, name) for name in _FIELDS if name not in _IMMUTABLE
        }
        values["photos"] = json.dumps(list(complaint.photos))
        result = await self._conn.execute(
            update(t.complaints)
            .where(column.id == complaint.id, column.version == complaint.version)
            .values(**values, version=column.version + 1, updated_at=now)
            .returning(column.version)
        )
        version = result.scalar_one_or_none()
        if version is None:
            if await self.get(complaint.id) is None:
                raise NotFound(f"no complaint {complaint.id}")
            raise ConcurrencyConflict(f"complaint {complaint.number} changed meanwhile")
        return replace(complaint, version=int(version), updated_at=now)

    async def count(self, branch_id: int | None = None) -> int:
        query = select(func.count()).select_from(t.complaints)
        if branch_id is not None:
            query = query.where(t.complaints.c.branch_id == branch_id)
        return int((await self._conn.execute(query)).scalar_one())

    async def register(
        self, branch_id: int | None = None, *, offset: int = 0, limit: int | None = None
    ) -> list[ComplaintRow]:
        """The register in the order filed (of one branch, or every branch)."""
        column = t.complaints.c
        query = select(t.complaints)
        if branch_id is not None:
            query = query.where(column.branch_id == branch_id)
        query = query.order_by(column.filed_at, column.id).offset(offset)
        if limit is not None:
            query = query.limit(limit)
        return [self._row(r) for r in await self._all(query)]

    async def of_customer(self, customer_id: int) -> list[ComplaintRow]:
        column = t.complaints.c
        rows = await self._all(
            select(t.complaints).where(column.customer_id == customer_id).order_by(column.id)
        )
        return [self._row(r) for r in rows]
