"""The maintenance plans of contracts: one row per planned visit, keyed (contract, visit
index), moved on by conditional updates so that each visit's job is generated once and each
visit is judged once, also with several sweeps on one database."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import RowMapping

from fieldbot import tables as t
from fieldbot.repositories.base import Repository, aware, row_fields

PLANNED = "planned"
GENERATED = "generated"
MADE = "made"
MISSED = "missed"
LAPSED = "lapsed"


@dataclass(frozen=True, slots=True)
class PlannedVisit:
    """A visit of a plan: its day and window (inclusive days) and the day its job is due."""

    visit_index: int
    visit_on: date
    window_starts_on: date
    window_ends_on: date
    generate_on: date


@dataclass(frozen=True, slots=True)
class VisitRow:
    id: int
    contract_id: int
    visit_index: int
    visit_on: date
    window_starts_on: date
    window_ends_on: date
    generate_on: date
    state: str
    job_id: int | None


class MaintenanceRepository(Repository):
    async def of_contract(self, contract_id: int) -> list[VisitRow]:
        column = t.maintenance_visits.c
        rows = await self._all(
            select(t.maintenance_visits)
            .where(column.contract_id == contract_id)
            .order_by(column.visit_index)
        )
        return [row_fields(VisitRow, row) for row in rows]

    async def add(self, contract_id: int, visit: PlannedVisit, state: str, now: datetime) -> None:
        at = aware(now, "now")
        await self._conn.execute(
            insert(t.maintenance_visits).values(
                contract_id=contract_id, **_plan(visit), state=state, created_at=at, updated_at=at
            )
        )

    async def replan(self, row_id: int, visit: PlannedVisit, state: str, now: datetime) -> None:
        """A visit without a job yet takes its new day, window and state."""
        column = t.maintenance_visits.c
        await self._conn.execute(
            update(t.maintenance_visits)
            .where(column.id == row_id, column.state.in_((PLANNED, LAPSED)))
            .values(**_plan(visit), state=state, updated_at=aware(now, "now"))
        )

    async def drop(self, row_ids: Iterable[int]) -> None:
        """Visits without a job that the plan no longer has."""
        column = t.maintenance_visits.c
        wanted = sorted(set(row_ids))
        if wanted:
            await self._conn.execute(
                delete(t.maintenance_visits).where(
                    column.id.in_(wanted), column.state.in_((PLANNED, LAPSED))
                )
            )

    async def due_to_generate(self, today: date, limit: int = 100) -> list[VisitRow]:
        """Planned visits whose job is due by ``today`` (on PostgreSQL locked ``FOR UPDATE
        SKIP LOCKED``, so several sweeps share them)."""
        column = t.maintenance_visits.c
        return await self._due(
            select(t.maintenance_visits)
            .where(column.state == PLANNED, column.generate_on <= today)
            .order_by(column.generate_on, column.id)
            .limit(limit)
        )

    async def due_to_judge(self, before: date, limit: int = 100) -> list[VisitRow]:
        """Visits with a job whose window ended before the day ``before``."""
        column = t.maintenance_visits.c
        return await self._due(
            select(t.maintenance_visits)
            .where(column.state == GENERATED, column.window_ends_on < before)
            .order_by(column.window_ends_on, column.id)
            .limit(limit)
        )

    async def _due(self, query: Any) -> list[VisitRow]:
        if self._row_locks:
            query = query.with_for_update(skip_locked=True)
        return [row_fields(VisitRow, row) for row in await self._all(query)]

    async def move(self, row_id: int, from_state: str, to_state: str, now: datetime) -> bool:
        """``from_state`` → ``to_state``; False when someone else moved it first."""
        column = t.maintenance_visits.c
        values: dict[str, Any] = {"state": to_state, "updated_at": aware(now, "now")}
        result = await self._conn.execute(
            update(t.maintenance_visits)
            .where(column.id == row_id, column.state == from_state)
            .values(values)
            .returning(column.id)
        )
        return result.first() is not None

    async def set_job(self, row_id: int, job_id: int) -> None:
        await self._conn.execute(
            update(t.maintenance_visits)
            .where(t.maintenance_visits.c.id == row_id)
            .values(job_id=job_id)
        )

    async def get(self, row_id: int) -> VisitRow | None:
        row = await self._first(
            select(t.maintenance_visits).where(t.maintenance_visits.c.id == row_id)
        )
        return None if row is None else row_fields(VisitRow, row)

    async def of_job(self, job_id: int) -> VisitRow | None:
        row: RowMapping | None = await self._first(
            select(t.maintenance_visits).where(t.maintenance_visits.c.job_id == job_id)
        )
        return None if row is None else row_fields(VisitRow, row)


def _plan(visit: PlannedVisit) -> dict[str, Any]:
    return {
        "visit_index": visit.visit_index,
        "visit_on": visit.visit_on,
        "window_starts_on": visit.window_starts_on,
        "window_ends_on": visit.window_ends_on,
        "generate_on": visit.generate_on,
    }
