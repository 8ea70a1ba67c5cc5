"""Work records and their fee lines: what the technician reports at finish, and what a
workshop repair card charges."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import Subquery, insert, select, union_all, update
from sqlalchemy.engine import RowMapping

from fieldbot import tables as t
from fieldbot.repositories.base import ConcurrencyConflict, Repository, aware, row_fields

ApprovalStatus = Literal["none", "pending", "approved", "rejected"]
WorkStage = Literal["site", "workshop"]


def counted_minutes(since: datetime, until: datetime) -> Subquery:
    """The one rule of a technician's hours (DESIGN.md §5 "hours"), for the daily reports and
    the KPIs alike: the minutes of on-site work records made in ``[since, until)`` (a rejected
    record is followed by its correction, so it does not count) plus those of the workshop's
    repair cards (a workshop work record only bills the cards' minutes, so it does not count
    again). One row per record: technician_id, job_id, service_type, branch_id, minutes."""
    since, until = aware(since, "since"), aware(until, "until")
    w, r, j = t.work_records.c, t.repair_cards.c, t.jobs.c
    site = (
        select(w.technician_id, w.job_id, j.service_type, j.branch_id, w.minutes)
        .join(t.jobs, j.id == w.job_id)
        .where(
            w.stage == "site",
            w.approval != "rejected",
            w.created_at >= since,
            w.created_at < until,
        )
    )
    cards = (
        select(r.technician_id, r.job_id, j.service_type, j.branch_id, r.minutes)
        .join(t.jobs, j.id == r.job_id)
        .where(r.created_at >= since, r.created_at < until)
    )
    return union_all(site, cards).subquery("counted_minutes")


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
    stage: str = "site"  # site: the finish form; workshop: a repair card


class WorkRecordRepository(Repository):
    """What the technician reports at finish: work records and their fee lines."""

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
        stage: WorkStage = "site",
    ) -> WorkRecordRow:
        now = aware(now, "now")
        record_id = await self._insert(
            t.work_records,
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
                "stage": stage,
            },
        )
        for position, line in enumerate(lines, start=1):
            await self._conn.execute(
                insert(t.fee_lines).values(
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
            select(t.fee_lines, t.parts.c.code.label("part_code"))
            .select_from(t.fee_lines.outerjoin(t.parts, t.fee_lines.c.part_id == t.parts.c.id))
            .where(t.fee_lines.c.work_record_id == record_id)
            .order_by(t.fee_lines.c.position)
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
        return row_fields(WorkRecordRow, row, lines=await self._lines(int(row["id"])))

    async def work_record(self, record_id: int) -> WorkRecordRow | None:
        row = await self._first(select(t.work_records).where(t.work_records.c.id == record_id))
        return None if row is None else await self._record(row)

    async def work_records(self, job_id: int) -> list[WorkRecordRow]:
        """Every work record of a job, oldest first (a rejected one is followed by another)."""
        rows = await self._all(
            select(t.work_records)
            .where(t.work_records.c.job_id == job_id)
            .order_by(t.work_records.c.id)
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
        column = t.work_records.c
        result = await self._conn.execute(
            update(t.work_records)
            .where(column.id == record_id, column.approval == "pending")
            .values(
                approval=approval,
                decided_by=staff_id,
                decided_at=aware(now, "now"),
                decision_reason=reason,
            )
            .returning(column.id)
        )
        if result.first() is None:
            raise ConcurrencyConflict(f"work record {record_id} was decided already")
