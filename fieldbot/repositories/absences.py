"""Periods staff are away (/away FROM TO, /back): the days, both included, and when a period
was ended early."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, insert, select, update
from sqlalchemy.engine import RowMapping

from fieldbot import tables as t
from fieldbot.repositories.base import Repository, aware


@dataclass(frozen=True, slots=True)
class Absence:
    id: int
    staff_id: int
    starts_on: date
    ends_on: date
    reason: str | None
    recorded_by: int
    created_at: datetime
    ended_at: datetime | None = None
    ended_by: int | None = None


class AbsenceRepository(Repository):
    """Periods of leave; a period ended by /back no longer counts."""

    @staticmethod
    def _absence(row: RowMapping) -> Absence:
        return Absence(
            id=int(row["id"]),
            staff_id=int(row["staff_id"]),
            starts_on=row["starts_on"],
            ends_on=row["ends_on"],
            reason=row["reason"],
            recorded_by=int(row["recorded_by"]),
            created_at=row["created_at"],
            ended_at=row["ended_at"],
            ended_by=row["ended_by"],
        )

    async def add(
        self,
        *,
        staff_id: int,
        starts_on: date,
        ends_on: date,
        reason: str | None,
        recorded_by: int,
        now: datetime,
    ) -> Absence:
        row = (
            (
                await self._conn.execute(
                    insert(t.absences)
                    .values(
                        staff_id=staff_id,
                        starts_on=starts_on,
                        ends_on=ends_on,
                        reason=reason,
                        recorded_by=recorded_by,
                        created_at=aware(now, "now"),
                    )
                    .returning(*t.absences.c)
                )
            )
            .mappings()
            .one()
        )
        return self._absence(row)

    async def not_over(self, staff_ids: Iterable[int], today: date) -> list[Absence]:
        """The periods of these people that have not ended by ``today`` (current or to
        come, not ended early), by person and start."""
        wanted = sorted(set(staff_ids))
        if not wanted:
            return []
        column = t.absences.c
        rows = await self._all(
            select(t.absences)
            .where(
                column.staff_id.in_(wanted),
                column.ends_on >= today,
                column.ended_at.is_(None),
            )
            .order_by(column.staff_id, column.starts_on)
        )
        return [self._absence(row) for row in rows]

    async def overlapping(self, staff_id: int, starts_on: date, ends_on: date) -> list[Absence]:
        """The person's periods (not ended early) sharing a day with ``starts_on``…``ends_on``."""
        column = t.absences.c
        rows = await self._all(
            select(t.absences)
            .where(
                column.staff_id == staff_id,
                column.ended_at.is_(None),
                and_(column.starts_on <= ends_on, column.ends_on >= starts_on),
            )
            .order_by(column.starts_on)
        )
        return [self._absence(row) for row in rows]

    async def end(self, absence_id: int, *, by: int, now: datetime) -> bool:
        """End a period early (/back): from then on it no longer counts (its days stay as
        they were recorded, ``ended_at`` says when it ended)."""
        column = t.absences.c
        result = await self._conn.execute(
            update(t.absences)
            .where(column.id == absence_id, column.ended_at.is_(None))
            .values(ended_at=aware(now, "now"), ended_by=by)
            .returning(column.id)
        )
        return result.first() is not None

    async def of(self, staff_id: int) -> list[Absence]:
        rows = await self._all(
            select(t.absences)
            .where(t.absences.c.staff_id == staff_id)
            .order_by(t.absences.c.starts_on, t.absences.c.id)
        )
        return [self._absence(row) for row in rows]
