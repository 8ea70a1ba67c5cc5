"""Cash on site: what technicians collected (cash settlements) and what the accountant
confirmed as handed over. The rule (cash held) lives in :mod:`fieldbot.services.cash`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select

from fieldbot import tables as t
from fieldbot.repositories.base import Repository, aware, row_fields

CHUNK = 500  # staff ids in one IN list (SQLite's older builds allow 999 parameters)


@dataclass(frozen=True, slots=True)
class Handover:
    id: int
    staff_id: int
    accountant_id: int
    held_fen: int
    confirmed_fen: int
    at: datetime


class CashRepository(Repository):
    async def collected(self, staff_id: int, until: datetime | None = None) -> int:
        """Fen the technician collected in cash on site (up to ``until``)."""
        return (await self.collected_by([staff_id], until)).get(staff_id, 0)

    async def handed_over(self, staff_id: int, until: datetime | None = None) -> int:
        """Fen the accountant confirmed as handed over by the technician (up to ``until``)."""
        return (await self.handed_over_by([staff_id], until)).get(staff_id, 0)

    async def collected_by(
        self, staff_ids: Sequence[int], until: datetime | None = None
    ) -> dict[int, int]:
        """:meth:`collected` of many technicians in a few queries: staff id → fen (none
        collected: absent)."""
        column = t.settlements.c
        query = select(column.collected_by, func.sum(column.amount_fen)).where(
            column.method == "cash"
        )
        if until is not None:
            query = query.where(column.settled_at <= aware(until, "until"))
        return await self._sums(query, column.collected_by, staff_ids)

    async def handed_over_by(
        self, staff_ids: Sequence[int], until: datetime | None = None
    ) -> dict[int, int]:
        """:meth:`handed_over` of many technicians in a few queries: staff id → fen."""
        column = t.cash_handovers.c
        query = select(column.staff_id, func.sum(column.confirmed_fen))
        if until is not None:
            query = query.where(column.at <= aware(until, "until"))
        return await self._sums(query, column.staff_id, staff_ids)

    async def _sums(
        self, query: Select[Any], staff: ColumnElement[Any], staff_ids: Sequence[int]
    ) -> dict[int, int]:
        found: dict[int, int] = {}
        ids = list(dict.fromkeys(staff_ids))
        for first in range(0, len(ids), CHUNK):
            chunk = query.where(staff.in_(ids[first : first + CHUNK])).group_by(staff)
            for staff_id, fen in (await self._conn.execute(chunk)).all():
                found[int(staff_id)] = int(fen or 0)
        return found

    async def add_handover(
        self, *, staff_id: int, accountant_id: int, held_fen: int, confirmed_fen: int, now: datetime
    ) -> Handover:
        at = aware(now, "now")
        handover_id = await self._insert(
            t.cash_handovers,
            {
                "staff_id": staff_id,
                "accountant_id": accountant_id,
                "held_fen": held_fen,
                "confirmed_fen": confirmed_fen,
                "at": at,
            },
        )
        return Handover(handover_id, staff_id, accountant_id, held_fen, confirmed_fen, at)

    async def handovers(self, staff_id: int) -> list[Handover]:
        rows = await self._all(
            select(t.cash_handovers)
            .where(t.cash_handovers.c.staff_id == staff_id)
            .order_by(t.cash_handovers.c.id)
        )
        return [row_fields(Handover, row) for row in rows]
