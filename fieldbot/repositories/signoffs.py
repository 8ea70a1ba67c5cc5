"""Sign-offs and settlements: the customer's confirmation or dispute, how the job was paid,
the cash a technician holds until the accountant confirms it, and the invoices not yet paid
(receivables) until the accountant records them paid.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import select, update

from fieldbot import tables as t
from fieldbot.repositories.base import ConcurrencyConflict, Repository, aware, row_fields

SignoffOutcome = Literal["confirmed", "disputed", "rework", "accepted_as_is", "returned"]
# phone: staff record that the customer confirmed a remote resolution by phone (weaker evidence).
SignoffMethod = Literal["customer_chat", "paper_photo", "in_person", "supervisor", "phone"]
SettlementMethod = Literal["cash", "invoice", "none"]


@dataclass(frozen=True, slots=True)
class Signoff:
    id: int
    job_id: int
    outcome: str
    method: str
    at: datetime
    customer_id: int | None = None
    staff_id: int | None = None
    evidence: str | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Settlement:
    id: int
    job_id: int
    method: str
    amount_fen: int
    settled_at: datetime
    invoice_number: str | None = None
    collected_by: int | None = None
    cash_confirmed_by: int | None = None
    cash_confirmed_at: datetime | None = None
    paid_at: datetime | None = None
    paid_by: int | None = None


@dataclass(frozen=True, slots=True)
class Receivable:
    """An invoice not yet recorded paid, with the job it is for."""

    settlement: Settlement
    job_number: str
    branch_id: int
    customer_id: int


class SignoffRepository(Repository):
    """Sign-off evidence and outcomes of jobs, their settlement, and the cash technicians hold."""

    async def add_signoff(
        self,
        *,
        job_id: int,
        outcome: SignoffOutcome,
        method: SignoffMethod,
        now: datetime,
        customer_id: int | None = None,
        staff_id: int | None = None,
        evidence: str | None = None,
        reason: str | None = None,
    ) -> int:
        return await self._insert(
            t.signoffs,
            {
                "job_id": job_id,
                "outcome": outcome,
                "method": method,
                "customer_id": customer_id,
                "staff_id": staff_id,
                "evidence": evidence,
                "reason": reason,
                "at": aware(now, "now"),
            },
        )

    async def signoffs(self, job_id: int) -> list[Signoff]:
        rows = await self._all(
            select(t.signoffs).where(t.signoffs.c.job_id == job_id).order_by(t.signoffs.c.id)
        )
        return [row_fields(Signoff, row) for row in rows]

    async def forget_signoff_photos(self, job_ids: list[int]) -> None:
        """Erasure (DESIGN.md §6): the photos of signed paper vouchers of these jobs go (their
        Telegram file ids); the sign-off, its method and outcome stay."""
        if job_ids:
            await self._conn.execute(
                update(t.signoffs).where(t.signoffs.c.job_id.in_(job_ids)).values(evidence=None)
            )

    # --- settlement and cash held -------------------------------------------------------------

    async def settle(
        self,
        *,
        job_id: int,
        method: SettlementMethod,
        amount_fen: int,
        now: datetime,
        invoice_number: str | None = None,
        collected_by: int | None = None,
    ) -> Settlement:
        if await self.settlement(job_id) is not None:
            raise ConcurrencyConflict(f"job {job_id} is settled already")
        await self._insert(
            t.settlements,
            {
                "job_id": job_id,
                "method": method,
                "amount_fen": amount_fen,
                "invoice_number": invoice_number,
                "collected_by": collected_by,
                "settled_at": aware(now, "now"),
            },
        )
        found = await self.settlement(job_id)
        assert found is not None
        return found

    async def settlement(self, job_id: int) -> Settlement | None:
        row = await self._first(select(t.settlements).where(t.settlements.c.job_id == job_id))
        return None if row is None else row_fields(Settlement, row)

    # --- receivables ---------------------------------------------------------------------------

    async def settlement_by_id(self, settlement_id: int) -> Settlement | None:
        row = await self._first(select(t.settlements).where(t.settlements.c.id == settlement_id))
        return None if row is None else row_fields(Settlement, row)

    async def receivables(self, branch_id: int | None = None) -> list[Receivable]:
        """Invoices not yet recorded paid (of one branch, or of every branch when None),
        oldest first."""
        column = t.settlements.c
        query = (
            select(
                t.settlements,
                t.jobs.c.number.label("job_number"),
                t.jobs.c.branch_id.label("job_branch_id"),
                t.jobs.c.customer_id.label("job_customer_id"),
            )
            .join(t.jobs, t.jobs.c.id == column.job_id)
            .where(column.method == "invoice", column.paid_at.is_(None))
            .order_by(column.settled_at, column.id)
        )
        if branch_id is not None:
            query = query.where(t.jobs.c.branch_id == branch_id)
        return [
            Receivable(
                settlement=row_fields(Settlement, row),
                job_number=row["job_number"],
                branch_id=int(row["job_branch_id"]),
                customer_id=int(row["job_customer_id"]),
            )
            for row in await self._all(query)
        ]

    async def record_paid(self, settlement_id: int, staff_id: int, now: datetime) -> bool:
        """The invoice was paid: recorded once (False when it is not an invoice or was
        recorded paid already; nothing is overwritten)."""
        column = t.settlements.c
        result = await self._conn.execute(
            update(t.settlements)
            .where(
                column.id == settlement_id,
                column.method == "invoice",
                column.paid_at.is_(None),
            )
            .values(paid_at=aware(now, "now"), paid_by=staff_id)
            .returning(column.id)
        )
        return result.first() is not None
