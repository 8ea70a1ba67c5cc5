"""The access log (DESIGN.md §6): who was shown a customer's phone, where and when. One insert
per showing, in the unit of work that shows it; listed per customer, oldest first."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select

from fieldbot import tables as t
from fieldbot.repositories.base import Repository, aware, row_fields


@dataclass(frozen=True, slots=True)
class AccessEvent:
    id: int
    at: datetime
    customer_id: int
    actor: str  # "staff:ID" or "cli:OPERATOR"
    staff_id: int | None
    shown: str  # dispatch_card | job_card | calls_due | phone_survey | job_show | export
    job_id: int | None


@dataclass(frozen=True, slots=True)
class Showing:
    """One customer's phone shown, for :meth:`AccessLogRepository.record`."""

    customer_id: int
    job_id: int | None = None


class AccessLogRepository(Repository):
    async def record(
        self,
        showings: Iterable[Showing],
        *,
        actor: str,
        shown: str,
        at: datetime,
        staff_id: int | None = None,
    ) -> None:
        """One row per customer whose phone ``actor`` was shown, in one statement."""
        rows = [
            {
                "at": aware(at, "at"),
                "customer_id": s.customer_id,
                "actor": actor,
                "staff_id": staff_id,
                "shown": shown,
                "job_id": s.job_id,
            }
            for s in showings
        ]
        if rows:
            await self._conn.execute(insert(t.access_events), rows)

    async def of_customer(self, customer_id: int) -> list[AccessEvent]:
        column = t.access_events.c
        rows = await self._all(
            select(t.access_events)
            .where(column.customer_id == customer_id)
            .order_by(column.at, column.id)
        )
        return [row_fields(AccessEvent, row) for row in rows]
