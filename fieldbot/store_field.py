"""Repositories of the field workflow's tables (:mod:`fieldbot.tables_field`).

Exposed on the unit of work as ``uow.fieldwork``. Rows come back as plain frozen values with
their ids; parts are named by their code. Nothing here decides a rule: the services do.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, TypeVar

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import RowMapping

from fieldbot import tables as t
from fieldbot import tables_field as f
from fieldbot.store import ConcurrencyConflict, StoreError, _aware, _Repository

ApprovalStatus = Literal["none", "pending", "approved", "rejected"]
SignoffOutcome = Literal["confirmed", "disputed", "rework", "accepted_as_is", "returned"]
SignoffMethod = Literal["customer_chat", "paper_photo", "in_person", "supervisor"]
SettlementMethod = Literal["cash", "invoice", "none"]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class FeeLineRow:
    kind: str
    description: str
    amount_fen: int
    charged_fen: int
    warranty_eligible: bool = False
    part: str | None = None  # part code
    quantity: int | None = None


@dataclass(frozen=True, slots=True)
class WorkRecordRow:
    id: int
    job_id: int
    technician_id: int
    description: str
    minutes: int
    service_type: str
    total_fen: int
    amount_due_fen: int
    approval: str
    created_at: datetime
    lines: tuple[FeeLineRow, ...]
    decided_by: int | None = None
    decided_at: datetime | None = None
    decision_reason: str | None = None


@dataclass(frozen=True, slots=True)
class PartUse:
    id: int
    job_id: int
    part: str
    quantity: int
    location: str
    staff_id: int
    stage: str
    used_at: datetime
    work_record_id: int | None = None


@dataclass(frozen=True, slots=True)
class PartRequest:
    id: int
    job_id: int
    part: str
    quantity: int
    target: str
    requested_by: int
    status: str
    created_at: datetime
    source: str | None = None
    fulfilled_by: int | None = None
    fulfilled_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class DefectivePart:
    id: int
    job_id: int
    part: str
    quantity: int
    staff_id: int
    recorded_at: datetime
    note: str | None = None


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


def _fields(cls: type[T], row: RowMapping, **extra: Any) -> T:
    names = [name for name in cls.__dataclass_fields__ if name not in extra]  # type: ignore[attr-defined]
    return cls(**{name: row[name] for name in names}, **extra)


class FieldworkRepository(_Repository):
    """Work records, parts, sign-offs, settlements and the take-back records of jobs."""

    async def _part_id(self, code: str) -> int:
        return await self._id_by(t.parts, "code", code, "part")

    async def _insert(self, table: Any, values: dict[str, Any]) -> int:
        result = await self._conn.execute(insert(table).values(values).returning(table.c.id))
        return int(result.scalar_one())

    # --- work records and fee lines -----------------------------------------------------------

    async def add_work_record(
        self,
        *,
        job_id: int,
        technician_id: int,
        description: str,
        minutes: int,
        service_type: str,
        total_fen: int,
        amount_due_fen: int,
        approval: ApprovalStatus,
        lines: Sequence[FeeLineRow],
        now: datetime,
    ) -> WorkRecordRow:
        now = _aware(now, "now")
        record_id = await self._insert(
            f.work_records,
            {
                "job_id": job_id,
                "technician_id": technician_id,
                "description": description,
                "minutes": minutes,
                "service_type": service_type,
                "total_fen": total_fen,
                "amount_due_fen": amount_due_fen,
                "approval": approval,
                "created_at": now,
            },
        )
        for position, line in enumerate(lines, start=1):
            await self._conn.execute(
                insert(f.fee_lines).values(
                    work_record_id=record_id,
                    position=position,
                    kind=line.kind,
                    description=line.description,
                    amount_fen=line.amount_fen,
                    charged_fen=line.charged_fen,
                    warranty_eligible=line.warranty_eligible,
                    part_id=None if line.part is None else await self._part_id(line.part),
                    quantity=line.quantity,
                )
            )
        found = await self.work_record(record_id)
        assert found is not None
        return found

    async def _lines(self, record_id: int) -> tuple[FeeLineRow, ...]:
        rows = await self._all(
            select(f.fee_lines, t.parts.c.code.label("part_code"))
            .select_from(f.fee_lines.outerjoin(t.parts, f.fee_lines.c.part_id == t.parts.c.id))
            .where(f.fee_lines.c.work_record_id == record_id)
            .order_by(f.fee_lines.c.position)
        )
        return tuple(
            FeeLineRow(
                kind=row["kind"],
                description=row["description"],
                amount_fen=int(row["amount_fen"]),
                charged_fen=int(row["charged_fen"]),
                warranty_eligible=bool(row["warranty_eligible"]),
                part=row["part_code"],
                quantity=row["quantity"],
            )
            for row in rows
        )

    async def _record(self, row: RowMapping) -> WorkRecordRow:
        return _fields(WorkRecordRow, row, lines=await self._lines(int(row["id"])))

    async def work_record(self, record_id: int) -> WorkRecordRow | None:
        row = await self._first(select(f.work_records).where(f.work_records.c.id == record_id))
        return None if row is None else await self._record(row)

    async def work_records(self, job_id: int) -> list[WorkRecordRow]:
        """Every work record of a job, oldest first (a rejected one is followed by another)."""
        rows = await self._all(
            select(f.work_records)
            .where(f.work_records.c.job_id == job_id)
            .order_by(f.work_records.c.id)
        )
        return [await self._record(row) for row in rows]

    async def latest_work_record(self, job_id: int) -> WorkRecordRow | None:
        found = await self.work_records(job_id)
        return found[-1] if found else None

    async def decide_work_record(
        self,
        record_id: int,
        approval: Literal["approved", "rejected"],
        staff_id: int,
        now: datetime,
        reason: str | None = None,
    ) -> None:
        """Approve or reject a pending record; a record decided already is a conflict."""
        column = f.work_records.c
        result = await self._conn.execute(
            update(f.work_records)
            .where(column.id == record_id, column.approval == "pending")
            .values(
                approval=approval,
                decided_by=staff_id,
                decided_at=_aware(now, "now"),
                decision_reason=reason,
            )
            .returning(column.id)
        )
        if result.first() is None:
            raise ConcurrencyConflict(f"work record {record_id} was decided already")

    # --- parts --------------------------------------------------------------------------------

    async def record_part_use(
        self,
        *,
        job_id: int,
        part: str,
        quantity: int,
        location: str,
        staff_id: int,
        stage: Literal["site", "workshop"],
        now: datetime,
    ) -> int:
        return await self._insert(
            f.part_usages,
            {
                "job_id": job_id,
                "part_id": await self._part_id(part),
                "quantity": quantity,
                "location": location,
                "staff_id": staff_id,
                "stage": stage,
                "used_at": _aware(now, "now"),
            },
        )

    async def part_uses(self, job_id: int) -> list[PartUse]:
        rows = await self._all(
            select(f.part_usages, t.parts.c.code.label("part"))
            .select_from(f.part_usages.join(t.parts, f.part_usages.c.part_id == t.parts.c.id))
            .where(f.part_usages.c.job_id == job_id)
            .order_by(f.part_usages.c.id)
        )
        return [_fields(PartUse, row) for row in rows]

    async def charge_part_uses(self, use_ids: Sequence[int], record_id: int) -> None:
        """Mark part uses as charged by a work record."""
        if use_ids:
            await self._conn.execute(
                update(f.part_usages)
                .where(f.part_usages.c.id.in_(list(use_ids)))
                .values(work_record_id=record_id)
            )

    async def release_part_uses(self, record_id: int) -> None:
        """The record's fees were rejected: its parts are charged again at the next finish."""
        await self._conn.execute(
            update(f.part_usages)
            .where(f.part_usages.c.work_record_id == record_id)
            .values(work_record_id=None)
        )

    async def create_part_request(
        self,
        *,
        job_id: int,
        part: str,
        quantity: int,
        target: str,
        requested_by: int,
        now: datetime,
    ) -> PartRequest:
        request_id = await self._insert(
            f.part_requests,
            {
                "job_id": job_id,
                "part_id": await self._part_id(part),
                "quantity": quantity,
                "target": target,
                "requested_by": requested_by,
                "status": "open",
                "created_at": _aware(now, "now"),
            },
        )
        found = await self.part_request(request_id)
        assert found is not None
        return found

    def _requests_query(self) -> Any:
        return select(f.part_requests, t.parts.c.code.label("part")).select_from(
            f.part_requests.join(t.parts, f.part_requests.c.part_id == t.parts.c.id)
        )

    async def part_request(self, request_id: int) -> PartRequest | None:
        row = await self._first(self._requests_query().where(f.part_requests.c.id == request_id))
        return None if row is None else _fields(PartRequest, row)

    async def part_requests(
        self, *, job_id: int | None = None, status: str | None = None
    ) -> list[PartRequest]:
        query = self._requests_query().order_by(f.part_requests.c.id)
        if job_id is not None:
            query = query.where(f.part_requests.c.job_id == job_id)
        if status is not None:
            query = query.where(f.part_requests.c.status == status)
        return [_fields(PartRequest, row) for row in await self._all(query)]

    async def fulfil_part_request(
        self, request_id: int, *, source: str, staff_id: int, now: datetime
    ) -> None:
        """Mark an open request fulfilled; one fulfilled already is a conflict."""
        column = f.part_requests.c
        result = await self._conn.execute(
            update(f.part_requests)
            .where(column.id == request_id, column.status == "open")
            .values(
                status="fulfilled",
                source=source,
                fulfilled_by=staff_id,
                fulfilled_at=_aware(now, "now"),
            )
            .returning(column.id)
        )
        if result.first() is None:
            raise ConcurrencyConflict(f"part request {request_id} is no longer open")

    async def cancel_part_requests(self, job_id: int) -> int:
        """Cancel the job's open requests (the job was cancelled); returns how many."""
        column = f.part_requests.c
        result = await self._conn.execute(
            update(f.part_requests)
            .where(column.job_id == job_id, column.status == "open")
            .values(status="cancelled")
            .returning(column.id)
        )
        return len(result.all())

    async def record_defective(
        self,
        *,
        job_id: int,
        part: str,
        quantity: int,
        staff_id: int,
        now: datetime,
        note: str | None = None,
    ) -> int:
        return await self._insert(
            f.defective_parts,
            {
                "job_id": job_id,
                "part_id": await self._part_id(part),
                "quantity": quantity,
                "staff_id": staff_id,
                "note": note,
                "recorded_at": _aware(now, "now"),
            },
        )

    async def defectives(self, job_id: int | None = None) -> list[DefectivePart]:
        query = (
            select(f.defective_parts, t.parts.c.code.label("part"))
            .select_from(
                f.defective_parts.join(t.parts, f.defective_parts.c.part_id == t.parts.c.id)
            )
            .order_by(f.defective_parts.c.id)
        )
        if job_id is not None:
            query = query.where(f.defective_parts.c.job_id == job_id)
        return [_fields(DefectivePart, row) for row in await self._all(query)]

    # --- sign-off -----------------------------------------------------------------------------

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
            f.signoffs,
            {
                "job_id": job_id,
                "outcome": outcome,
                "method": method,
                "customer_id": customer_id,
                "staff_id": staff_id,
                "evidence": evidence,
                "reason": reason,
                "at": _aware(now, "now"),
            },
        )

    async def signoffs(self, job_id: int) -> list[Signoff]:
        rows = await self._all(
            select(f.signoffs).where(f.signoffs.c.job_id == job_id).order_by(f.signoffs.c.id)
        )
        return [_fields(Signoff, row) for row in rows]

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
            f.settlements,
            {
                "job_id": job_id,
                "method": method,
                "amount_fen": amount_fen,
                "invoice_number": invoice_number,
                "collected_by": collected_by,
                "settled_at": _aware(now, "now"),
            },
        )
        found = await self.settlement(job_id)
        assert found is not None
        return found

    async def settlement(self, job_id: int) -> Settlement | None:
        row = await self._first(select(f.settlements).where(f.settlements.c.job_id == job_id))
        return None if row is None else _fields(Settlement, row)

    async def cash_held(self, staff_id: int) -> int:
        """Cash (fen) the technician collected that the accountant has not confirmed yet."""
        column = f.settlements.c
        total: int | None = (
            await self._conn.execute(
                select(func.coalesce(func.sum(column.amount_fen), 0)).where(
                    column.collected_by == staff_id,
                    column.method == "cash",
                    column.cash_confirmed_at.is_(None),
                )
            )
        ).scalar_one()
        return int(total or 0)

    async def confirm_cash(self, collected_by: int, accountant_id: int, now: datetime) -> int:
        """The accountant received the technician's cash: every unconfirmed cash settlement
        of theirs is confirmed. Returns the fen confirmed (0 when nothing was held)."""
        column = f.settlements.c
        result = await self._conn.execute(
            update(f.settlements)
            .where(
                column.collected_by == collected_by,
                column.method == "cash",
                column.cash_confirmed_at.is_(None),
            )
            .values(cash_confirmed_by=accountant_id, cash_confirmed_at=_aware(now, "now"))
            .returning(column.amount_fen)
        )
        return sum(int(amount) for (amount,) in result.all())

    # --- take-back ----------------------------------------------------------------------------

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
            f.receipts,
            {
                "number": number,
                "job_id": job_id,
                "equipment_id": equipment_id,
                "issued_by": issued_by,
                "issued_at": _aware(now, "now"),
                "promised_at": _aware(promised_at, "promised_at"),
            },
        )
        row = await self._first(select(f.receipts).where(f.receipts.c.id == receipt_id))
        assert row is not None
        return _fields(Receipt, row)

    async def receipts(self, job_id: int) -> list[Receipt]:
        rows = await self._all(
            select(f.receipts).where(f.receipts.c.job_id == job_id).order_by(f.receipts.c.id)
        )
        return [_fields(Receipt, row) for row in rows]

    async def active_receipt(self, job_id: int) -> Receipt | None:
        found = [r for r in await self.receipts(job_id) if r.voided_at is None]
        return found[-1] if found else None

    async def void_receipt(self, receipt_id: int, now: datetime) -> None:
        column = f.receipts.c
        result = await self._conn.execute(
            update(f.receipts)
            .where(column.id == receipt_id, column.voided_at.is_(None))
            .values(voided_at=_aware(now, "now"))
            .returning(column.id)
        )
        if result.first() is None:
            raise ConcurrencyConflict(f"receipt {receipt_id} is void already")

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
            f.workshop_register,
            {
                "job_id": job_id,
                "receipt_id": receipt_id,
                "direction": direction,
                "staff_id": staff_id,
                "at": _aware(now, "now"),
            },
        )

    async def register(self, job_id: int | None = None) -> list[RegisterEntry]:
        """The in/out register, in order (of one job, or all)."""
        query = select(f.workshop_register).order_by(
            f.workshop_register.c.at, f.workshop_register.c.id
        )
        if job_id is not None:
            query = query.where(f.workshop_register.c.job_id == job_id)
        return [_fields(RegisterEntry, row) for row in await self._all(query)]

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
            f.repair_cards,
            {
                "job_id": job_id,
                "receipt_id": receipt_id,
                "technician_id": technician_id,
                "minutes": minutes,
                "notes": notes,
                "parts": json.dumps([[code, qty] for code, qty in parts]),
                "created_at": _aware(now, "now"),
            },
        )
        cards = await self.repair_cards(job_id)
        return next(card for card in cards if card.id == card_id)

    async def repair_cards(self, job_id: int) -> list[RepairCard]:
        rows = await self._all(
            select(f.repair_cards)
            .where(f.repair_cards.c.job_id == job_id)
            .order_by(f.repair_cards.c.id)
        )
        return [
            _fields(
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
            f.inspections,
            {
                "job_id": job_id,
                "repair_card_id": repair_card_id,
                "passed": passed,
                "reason": reason,
                "supervisor_id": supervisor_id,
                "at": _aware(now, "now"),
            },
        )

    async def inspections(self, job_id: int) -> list[Inspection]:
        rows = await self._all(
            select(f.inspections)
            .where(f.inspections.c.job_id == job_id)
            .order_by(f.inspections.c.id)
        )
        return [_fields(Inspection, row, passed=bool(row["passed"])) for row in rows]
