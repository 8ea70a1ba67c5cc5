"""The daily reports (technician and branch, one of each a day) and the files sent with them.

Nothing here decides a rule: :mod:`fieldbot.services.daily_reports` does."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update

from fieldbot import tables as t
from fieldbot.repositories.base import (
    ConcurrencyConflict,
    Repository,
    aware,
    dialect_insert,
    json_object,
    row_fields,
)
from fieldbot.repositories.events import canonical_json


@dataclass(frozen=True, slots=True)
class ReportRow:
    id: int
    key: str
    kind: str
    day: date
    branch_id: int
    staff_id: int | None
    state: str
    admin_minutes: int
    reason: str | None
    figures: dict[str, Any]
    decided_by: int | None
    decided_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ReportFile:
    id: int
    report_id: int
    name: str
    media: str  # document | photo
    content: bytes


def report_key(kind: str, day: date, subject_id: int) -> str:
    return f"{kind}:{day.isoformat()}:{subject_id}"


class ReportRepository(Repository):
    def _row(self, row: Any) -> ReportRow:
        return row_fields(ReportRow, row, figures=json_object(row["figures"]))

    async def create(
        self,
        *,
        kind: str,
        day: date,
        branch_id: int,
        staff_id: int | None,
        figures: dict[str, Any],
        now: datetime,
    ) -> ReportRow | None:
        """A new pending report; None when the day's report of that kind and subject exists."""
        subject = staff_id if kind == "technician" else branch_id
        assert subject is not None
        now = aware(now, "now")
        stmt = (
            dialect_insert(self._conn, t.reports)
            .values(
                key=report_key(kind, day, subject),
                kind=kind,
                day=day,
                branch_id=branch_id,
                staff_id=staff_id,
                state="pending",
                figures=canonical_json(figures),
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(t.reports)
        )
        found = (await self._conn.execute(stmt)).mappings().first()
        return None if found is None else self._row(found)

    async def get(self, report_id: int) -> ReportRow | None:
        row = await self._first(select(t.reports).where(t.reports.c.id == report_id))
        return None if row is None else self._row(row)

    async def by_key(self, key: str) -> ReportRow | None:
        row = await self._first(select(t.reports).where(t.reports.c.key == key))
        return None if row is None else self._row(row)

    async def of_day(self, day: date, branch_id: int, kind: str) -> list[ReportRow]:
        column = t.reports.c
        rows = await self._all(
            select(t.reports)
            .where(column.day == day, column.branch_id == branch_id, column.kind == kind)
            .order_by(column.id)
        )
        return [self._row(row) for row in rows]

    async def listed(self, kind: str, state: str | None = None) -> list[ReportRow]:
        """Reports of a kind (in one state), the newest day first."""
        column = t.reports.c
        query = select(t.reports).where(column.kind == kind)
        if state is not None:
            query = query.where(column.state == state)
        rows = await self._all(query.order_by(column.day.desc(), column.branch_id))
        return [self._row(row) for row in rows]

    async def save(self, report: ReportRow, now: datetime) -> ReportRow:
        """Write ``report`` against its version (the loser of a race is refused)."""
        column = t.reports.c
        result = await self._conn.execute(
            update(t.reports)
            .where(column.id == report.id, column.version == report.version)
            .values(
                state=report.state,
                admin_minutes=report.admin_minutes,
                reason=report.reason,
                figures=canonical_json(report.figures),
                decided_by=report.decided_by,
                decided_at=report.decided_at,
                version=report.version + 1,
                updated_at=aware(now, "now"),
            )
        )
        if result.rowcount != 1:
            raise ConcurrencyConflict(f"report {report.id} changed meanwhile")
        return replace(report, version=report.version + 1, updated_at=now)

    # --- files --------------------------------------------------------------------------------

    async def add_file(
        self, report_id: int, name: str, media: str, content: bytes, now: datetime
    ) -> int:
        return await self._insert(
            t.report_files,
            {
                "report_id": report_id,
                "name": name,
                "media": media,
                "content": content,
                "created_at": aware(now, "now"),
            },
        )

    async def file(self, file_id: int) -> ReportFile | None:
        row = await self._first(select(t.report_files).where(t.report_files.c.id == file_id))
        return None if row is None else row_fields(ReportFile, row, content=bytes(row["content"]))

    async def files(self, report_id: int) -> list[ReportFile]:
        rows = await self._all(
            select(t.report_files)
            .where(t.report_files.c.report_id == report_id)
            .order_by(t.report_files.c.id)
        )
        return [row_fields(ReportFile, row, content=bytes(row["content"])) for row in rows]
