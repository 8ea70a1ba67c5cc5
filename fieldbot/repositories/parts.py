"""Parts of jobs: parts used, parts requested from a store, defective parts returned.

The catalogue of parts is :mod:`fieldbot.repositories.catalogue`; stock levels are
:mod:`fieldbot.repositories.stock`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select, update

from fieldbot import tables as t
from fieldbot.repositories.base import ConcurrencyConflict, Repository, aware, row_fields


@dataclass(frozen=True, slots=True)
class PartUse:
    id: int
    job_id: int
    part: str
    quantity: int
    location: str
    staff_id: int
    stage: str
    used_at: datetime
    work_record_id: int | None = None


@dataclass(frozen=True, slots=True)
class PartRequest:
    id: int
    job_id: int
    part: str
    quantity: int
    target: str
    requested_by: int
    status: str
    created_at: datetime
    source: str | None = None
    fulfilled_by: int | None = None
    fulfilled_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class DefectivePart:
    id: int
    job_id: int
    part: str
    quantity: int
    staff_id: int
    recorded_at: datetime
    note: str | None = None


class JobPartsRepository(Repository):
    """Parts of jobs: used (from a van or a store), requested, and returned defective."""

    async def record_part_use(
        self,
        *,
        job_id: int,
        part: str,
        quantity: int,
        location: str,
        staff_id: int,
        stage: Literal["site", "workshop"],
        now: datetime,
    ) -> int:
        return await self._insert(
            t.part_usages,
            {
                "job_id": job_id,
                "part_id": await self._part_id(part),
                "quantity": quantity,
                "location": location,
                "staff_id": staff_id,
                "stage": stage,
                "used_at": aware(now, "now"),
            },
        )

    async def part_uses(self, job_id: int) -> list[PartUse]:
        rows = await self._all(
            select(t.part_usages, t.parts.c.code.label("part"))
            .select_from(t.part_usages.join(t.parts, t.part_usages.c.part_id == t.parts.c.id))
            .where(t.part_usages.c.job_id == job_id)
            .order_by(t.part_usages.c.id)
        )
        return [row_fields(PartUse, row) for row in rows]

    async def charge_part_uses(self, use_ids: Sequence[int], record_id: int) -> None:
        """Mark part uses as charged by a work record."""
        if use_ids:
            await self._conn.execute(
                update(t.part_usages)
                .where(t.part_usages.c.id.in_(list(use_ids)))
                .values(work_record_id=record_id)
            )

    async def release_part_uses(self, record_id: int) -> None:
        """The record's fees were rejected: its parts are charged again at the next finish."""
        await self._conn.execute(
            update(t.part_usages)
            .where(t.part_usages.c.work_record_id == record_id)
            .values(work_record_id=None)
        )

    async def create_part_request(
        self,
        *,
        job_id: int,
        part: str,
        quantity: int,
        target: str,
        requested_by: int,
        now: datetime,
    ) -> PartRequest:
        request_id = await self._insert(
            t.part_requests,
            {
                "job_id": job_id,
                "part_id": await self._part_id(part),
                "quantity": quantity,
                "target": target,
                "requested_by": requested_by,
                "status": "open",
                "created_at": aware(now, "now"),
            },
        )
        found = await self.part_request(request_id)
        assert found is not None
        return found

    def _requests_query(self) -> Any:
        return select(t.part_requests, t.parts.c.code.label("part")).select_from(
            t.part_requests.join(t.parts, t.part_requests.c.part_id == t.parts.c.id)
        )

    async def part_request(self, request_id: int) -> PartRequest | None:
        row = await self._first(self._requests_query().where(t.part_requests.c.id == request_id))
        return None if row is None else row_fields(PartRequest, row)

    async def part_requests(
        self, *, job_id: int | None = None, status: str | None = None
    ) -> list[PartRequest]:
        query = self._requests_query().order_by(t.part_requests.c.id)
        if job_id is not None:
            query = query.where(t.part_requests.c.job_id == job_id)
        if status is not None:
            query = query.where(t.part_requests.c.status == status)
        return [row_fields(PartRequest, row) for row in await self._all(query)]

    async def fulfil_part_request(
        self, request_id: int, *, source: str, staff_id: int, now: datetime
    ) -> None:
        """Mark an open request fulfilled; one fulfilled already is a conflict."""
        column = t.part_requests.c
        result = await self._conn.execute(
            update(t.part_requests)
            .where(column.id == request_id, column.status == "open")
            .values(
                status="fulfilled",
                source=source,
                fulfilled_by=staff_id,
                fulfilled_at=aware(now, "now"),
            )
            .returning(column.id)
        )
        if result.first() is None:
            raise ConcurrencyConflict(f"part request {request_id} is no longer open")

    async def cancel_part_requests(self, job_id: int) -> int:
        """Cancel the job's open requests (the job was cancelled); returns how many."""
        column = t.part_requests.c
        result = await self._conn.execute(
            update(t.part_requests)
            .where(column.job_id == job_id, column.status == "open")
            .values(status="cancelled")
            .returning(column.id)
        )
        return len(result.all())

    async def record_defective(
        self,
        *,
        job_id: int,
        part: str,
        quantity: int,
        staff_id: int,
        now: datetime,
        note: str | None = None,
    ) -> int:
        return await self._insert(
            t.defective_parts,
            {
                "job_id": job_id,
                "part_id": await self._part_id(part),
                "quantity": quantity,
                "staff_id": staff_id,
                "note": note,
                "recorded_at": aware(now, "now"),
            },
        )

    async def defectives(self, job_id: int | None = None) -> list[DefectivePart]:
        query = (
            select(t.defective_parts, t.parts.c.code.label("part"))
            .select_from(
                t.defective_parts.join(t.parts, t.defective_parts.c.part_id == t.parts.c.id)
            )
            .order_by(t.defective_parts.c.id)
        )
        if job_id is not None:
            query = query.where(t.defective_parts.c.job_id == job_id)
        return [row_fields(DefectivePart, row) for row in await self._all(query)]
