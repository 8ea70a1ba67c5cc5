"""The workshop's take-back records: receipts, the in/out register, repair cards and
inspections.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import select, update

from fieldbot import tables as t
from fieldbot.repositories.base import (
    ConcurrencyConflict,
    Repository,
    StoreError,
    aware,
    row_fields,
)


@dataclass(frozen=True, slots=True)
class Receipt:
    id: int
    number: str
    job_id: int
    equipment_id: int | None
    issued_by: int
    issued_at: datetime
    promised_at: datetime
    voided_at: datetime | None = None
    confirmed_at: datetime | None = None  # the customer confirmed handing the unit over
    confirm_method: str | None = None  # customer_chat | paper_photo
    confirm_evidence: str | None = None  # the photo of the signed paper receipt


@dataclass(frozen=True, slots=True)
class RegisterEntry:
    id: int
    job_id: int
    receipt_id: int
    direction: str
    staff_id: int
    at: datetime


@dataclass(frozen=True, slots=True)
class RepairCard:
    id: int
    job_id: int
    receipt_id: int
    technician_id: int
    minutes: int
    notes: str
    parts: tuple[tuple[str, int], ...]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Inspection:
    id: int
    job_id: int
    repair_card_id: int
    passed: bool
    supervisor_id: int
    at: datetime
    reason: str | None = None


class WorkshopRepository(Repository):
    """Take-back records: receipts, the in/out register, repair cards and inspections."""

    async def issue_receipt(
        self,
        *,
        number: str,
        job_id: int,
        equipment_id: int | None,
        issued_by: int,
        promised_at: datetime,
        now: datetime,
    ) -> Receipt:
        receipt_id = await self._insert(
            t.receipts,
            {
                "number": number,
                "job_id": job_id,
                "equipment_id": equipment_id,
                "issued_by": issued_by,
                "issued_at": aware(now, "now"),
                "promised_at": aware(promised_at, "promised_at"),
            },
        )
        row = await self._first(select(t.receipts).where(t.receipts.c.id == receipt_id))
        assert row is not None
        return row_fields(Receipt, row)

    async def receipts(self, job_id: int) -> list[Receipt]:
        rows = await self._all(
            select(t.receipts).where(t.receipts.c.job_id == job_id).order_by(t.receipts.c.id)
        )
        return [row_fields(Receipt, row) for row in rows]

    async def active_receipt(self, job_id: int) -> Receipt | None:
        found = [r for r in await self.receipts(job_id) if r.voided_at is None]
        return found[-1] if found else None

    async def void_receipt(self, receipt_id: int, now: datetime) -> None:
        column = t.receipts.c
        result = await self._conn.execute(
            update(t.receipts)
            .where(column.id == receipt_id, column.voided_at.is_(None))
            .values(voided_at=aware(now, "now"))
            .returning(column.id)
        )
        if result.first() is None:
            raise ConcurrencyConflict(f"receipt {receipt_id} is void already")

    async def confirm_receipt(
        self,
        receipt_id: int,
        *,
        method: Literal["customer_chat", "paper_photo"],
        now: datetime,
        evidence: str | None = None,
    ) -> None:
        """The customer's confirmation of a receipt, once (a second one is a conflict)."""
        column = t.receipts.c
        result = await self._conn.execute(
            update(t.receipts)
            .where(column.id == receipt_id, column.confirmed_at.is_(None))
            .values(
                confirmed_at=aware(now, "now"), confirm_method=method, confirm_evidence=evidence
            )
            .returning(column.id)
        )
        if result.first() is None:
            raise ConcurrencyConflict(f"receipt {receipt_id} is confirmed already")

    async def forget_receipt_photos(self, job_ids: list[int]) -> None:
        """Erasure (DESIGN.md §6): the photos of signed paper receipts of these jobs go."""
        if job_ids:
            await self._conn.execute(
                update(t.receipts)
                .where(t.receipts.c.job_id.in_(job_ids))
                .values(confirm_evidence=None)
            )

    async def register_move(
        self,
        *,
        job_id: int,
        receipt_id: int,
        direction: Literal["in", "out"],
        staff_id: int,
        now: datetime,
    ) -> int:
        return await self._insert(
            t.workshop_register,
            {
                "job_id": job_id,
                "receipt_id": receipt_id,
                "direction": direction,
                "staff_id": staff_id,
                "at": aware(now, "now"),
            },
        )

    async def register(self, job_id: int | None = None) -> list[RegisterEntry]:
        """The in/out register, in order (of one job, or all)."""
        query = select(t.workshop_register).order_by(
            t.workshop_register.c.at, t.workshop_register.c.id
        )
        if job_id is not None:
            query = query.where(t.workshop_register.c.job_id == job_id)
        return [row_fields(RegisterEntry, row) for row in await self._all(query)]

    async def add_repair_card(
        self,
        *,
        job_id: int,
        receipt_id: int,
        technician_id: int,
        minutes: int,
        notes: str,
        parts: Sequence[tuple[str, int]],
        now: datetime,
    ) -> RepairCard:
        if minutes < 0:
            raise StoreError("repair minutes cannot be negative")
        card_id = await self._insert(
            t.repair_cards,
            {
                "job_id": job_id,
                "receipt_id": receipt_id,
                "technician_id": technician_id,
                "minutes": minutes,
                "notes": notes,
                "parts": json.dumps([[code, qty] for code, qty in parts]),
                "created_at": aware(now, "now"),
            },
        )
        cards = await self.repair_cards(job_id)
        return next(card for card in cards if card.id == card_id)

    async def repair_cards(self, job_id: int) -> list[RepairCard]:
        rows = await self._all(
            select(t.repair_cards)
            .where(t.repair_cards.c.job_id == job_id)
            .order_by(t.repair_cards.c.id)
        )
        return [
            row_fields(
                RepairCard,
                row,
                parts=tuple((str(code), int(qty)) for code, qty in json.loads(row["parts"])),
            )
            for row in rows
        ]

    async def add_inspection(
        self,
        *,
        job_id: int,
        repair_card_id: int,
        passed: bool,
        supervisor_id: int,
        now: datetime,
        reason: str | None = None,
    ) -> int:
        return await self._insert(
            t.inspections,
            {
                "job_id": job_id,
                "repair_card_id": repair_card_id,
                "passed": passed,
                "reason": reason,
                "supervisor_id": supervisor_id,
                "at": aware(now, "now"),
            },
        )

    async def inspections(self, job_id: int) -> list[Inspection]:
        rows = await self._all(
            select(t.inspections)
            .where(t.inspections.c.job_id == job_id)
            .order_by(t.inspections.c.id)
        )
        return [row_fields(Inspection, row, passed=bool(row["passed"])) for row in rows]
