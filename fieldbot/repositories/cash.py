"""Cash on site: what technicians collected (cash settlements) and what the accountant
confirmed as handed over. The rule (cash held) lives in :mod:`fieldbot.services.cash`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from fieldbot import tables as t
from fieldbot.repositories.base import Repository, aware, row_fields


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
        column = t.settlements.c
        query = select(func.coalesce(func.sum(column.amount_fen), 0)).where(
            column.collected_by == staff_id, column.method == "cash"
        )
        if until is not None:
            query = query.where(column.settled_at <= aware(until, "until"))
        return int((await self._conn.execute(query)).scalar_one() or 0)

    async def handed_over(self, staff_id: int, until: datetime | None = None) -> int:
        """Fen the accountant confirmed as handed over by the technician (up to ``until``)."""
        column = t.cash_handovers.c
        query = select(func.coalesce(func.sum(column.confirmed_fen), 0)).where(
            column.staff_id == staff_id
        )
        if until is not None:
            query = query.where(column.at <= aware(until, "until"))
        return int((await self._conn.execute(query)).scalar_one() or 0)

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
