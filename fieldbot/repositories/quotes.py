"""Quotes: the technician's estimate put to the customer before the work, and its answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import select, update

from fieldbot import tables as t
from fieldbot.repositories.base import ConcurrencyConflict, Repository, aware, row_fields

QuoteStatus = Literal["pending", "accepted", "declined"]
QuoteMethod = Literal["customer_chat", "paper_photo"]


@dataclass(frozen=True, slots=True)
class QuoteRow:
    id: int
    job_id: int
    technician_id: int
    labour_fen: int
    parts_fen: int
    travel_fen: int
    other_fen: int
    status: str
    created_at: datetime
    method: str | None = None
    evidence: str | None = None
    work_record_id: int | None = None
    decided_at: datetime | None = None

    @property
    def estimate_fen(self) -> int:
        """The estimate the quote limit applies to: labour and parts."""
        return self.labour_fen + self.parts_fen

    @property
    def call_out_fen(self) -> int:
        """The travel and other fees, due whatever the answer."""
        return self.travel_fen + self.other_fen


class QuoteRepository(Repository):
    """Quotes of jobs, newest last; only a pending quote can be answered, once."""

    async def add_quote(
        self,
        *,
        job_id: int,
        technician_id: int,
        labour_fen: int,
        parts_fen: int,
        travel_fen: int,
        other_fen: int,
        now: datetime,
    ) -> QuoteRow:
        quote_id = await self._insert(
            t.quotes,
            {
                "job_id": job_id,
                "technician_id": technician_id,
                "labour_fen": labour_fen,
                "parts_fen": parts_fen,
                "travel_fen": travel_fen,
                "other_fen": other_fen,
                "status": "pending",
                "created_at": aware(now, "now"),
            },
        )
        found = await self.quote(quote_id)
        assert found is not None
        return found

    async def quote(self, quote_id: int) -> QuoteRow | None:
        row = await self._first(select(t.quotes).where(t.quotes.c.id == quote_id))
        return None if row is None else row_fields(QuoteRow, row)

    async def latest_quote(self, job_id: int) -> QuoteRow | None:
        row = await self._first(
            select(t.quotes).where(t.quotes.c.job_id == job_id).order_by(t.quotes.c.id.desc())
        )
        return None if row is None else row_fields(QuoteRow, row)

    async def decide_quote(
        self,
        quote_id: int,
        status: Literal["accepted", "declined"],
        method: QuoteMethod,
        now: datetime,
        *,
        evidence: str | None = None,
        work_record_id: int | None = None,
    ) -> None:
        """Answer a pending quote; one answered already is a conflict."""
        column = t.quotes.c
        result = await self._conn.execute(
            update(t.quotes)
            .where(column.id == quote_id, column.status == "pending")
            .values(
                status=status,
                method=method,
                evidence=evidence,
                work_record_id=work_record_id,
                decided_at=aware(now, "now"),
            )
            .returning(column.id)
        )
        if result.first() is None:
            raise ConcurrencyConflict(f"quote {quote_id} was answered already")

    async def forget_quote_photos(self, job_ids: list[int]) -> None:
        """Erasure (DESIGN.md §6): the photos of signed paper quotes of these jobs go."""
        if job_ids:
            await self._conn.execute(
                update(t.quotes).where(t.quotes.c.job_id.in_(job_ids)).values(evidence=None)
            )
