"""Calendar overrides: holidays and make-up working days, company-wide or per branch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, delete, insert, or_, select
from sqlalchemy.engine import RowMapping

from fieldbot import tables as t
from fieldbot.repositories.base import Repository


@dataclass(frozen=True, slots=True)
class CalendarOverride:
    day: date
    is_working: bool
    branch: str | None = None  # branch code; None: company-wide
    note: str | None = None


class CalendarRepository(Repository):
    def _query(self) -> Select[Any]:
        return select(t.calendar_overrides, t.branches.c.code.label("branch_code")).select_from(
            t.calendar_overrides.outerjoin(
                t.branches, t.calendar_overrides.c.branch_id == t.branches.c.id
            )
        )

    @staticmethod
    def _record(row: RowMapping) -> CalendarOverride:
        return CalendarOverride(
            day=row["day"],
            is_working=bool(row["is_working"]),
            branch=row["branch_code"],
            note=row["note"],
        )

    async def _branch_id(self, branch: str | None) -> int | None:
        return None if branch is None else await self._id_by(t.branches, "code", branch, "branch")

    def _where(self, branch_id: int | None, day: date) -> ColumnElement[bool]:
        branch_test = (
            t.calendar_overrides.c.branch_id.is_(None)
            if branch_id is None
            else t.calendar_overrides.c.branch_id == branch_id
        )
        return and_(branch_test, t.calendar_overrides.c.day == day)

    async def set(
        self, day: date, is_working: bool, *, branch: str | None = None, note: str | None = None
    ) -> None:
        """Make ``day`` a working day or a holiday, company-wide or for one branch."""
        branch_id = await self._branch_id(branch)
        await self._conn.execute(delete(t.calendar_overrides).where(self._where(branch_id, day)))
        await self._conn.execute(
            insert(t.calendar_overrides).values(
                branch_id=branch_id, day=day, is_working=is_working, note=note
            )
        )

    async def remove(self, day: date, *, branch: str | None = None) -> bool:
        branch_id = await self._branch_id(branch)
        result = await self._conn.execute(
            delete(t.calendar_overrides)
            .where(self._where(branch_id, day))
            .returning(t.calendar_overrides.c.id)
        )
        return result.first() is not None

    async def get(self, day: date, *, branch: str | None = None) -> CalendarOverride | None:
        branch_id = await self._branch_id(branch)
        row = await self._first(self._query().where(self._where(branch_id, day)))
        return None if row is None else self._record(row)

    async def between(
        self, first: date, last: date, *, branch: str | None = None
    ) -> list[CalendarOverride]:
        """Overrides in ``[first, last]``: company-wide ones, plus the branch's own when a
        branch is given (a branch override wins over a company-wide one on the same day)."""
        column = t.calendar_overrides.c
        branch_test: ColumnElement[bool] = column.branch_id.is_(None)
        if branch is not None:
            branch_test = or_(branch_test, t.branches.c.code == branch)
        rows = await self._all(
            self._query()
            .where(column.day >= first, column.day <= last, branch_test)
            .order_by(column.day, column.branch_id.is_not(None))
        )
        return [self._record(row) for row in rows]

    async def all_ids(self) -> list[tuple[int | None, date, bool]]:
        """(branch id, day, is_working) of every override: for calendars keyed by branch id."""
        rows = await self._all(select(t.calendar_overrides).order_by(t.calendar_overrides.c.day))
        return [(row["branch_id"], row["day"], bool(row["is_working"])) for row in rows]
