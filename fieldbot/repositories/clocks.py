"""Deadline clocks of subjects (jobs, complaints...) and the escalation steps that fired."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, func, insert, select, update
from sqlalchemy.engine import RowMapping

from fieldbot import tables as t
from fieldbot.repositories.base import (
    ConcurrencyConflict,
    Repository,
    StoreError,
    aware,
    dialect_insert,
    from_db_instant,
)

ClockState = Literal["running", "paused", "stopped"]
CalendarKind = Literal["calendar", "working"]


@dataclass(frozen=True, slots=True)
class ClockRow:
    """One deadline clock of a subject (job, complaint, ...). Times in UTC.

    ``due_at`` is the deadline while running; ``wake_at`` is the next instant the sweep must
    look at it (a reminder, the deadline, an escalation level), set by the scheduler.
    """

    subject_type: str
    subject_id: int
    clock: str
    calendar: str
    target_seconds: int
    started_at: datetime
    state: str = "running"
    generation: int = 1
    branch_id: int | None = None
    urgent: bool = False
    paused_at: datetime | None = None
    pause_reason: str | None = None
    elapsed_before_pause_seconds: float = 0.0
    stopped_at: datetime | None = None
    due_at: datetime | None = None
    wake_at: datetime | None = None
    met: bool | None = None
    id: int | None = None
    version: int = 0
    updated_at: datetime | None = None


_CLOCK_FIELDS = tuple(f.name for f in fields(ClockRow))


class ClockRepository(Repository):
    @staticmethod
    def _clock(row: RowMapping) -> ClockRow:
        values = {name: row[name] for name in _CLOCK_FIELDS}
        values["urgent"] = bool(values["urgent"])
        values["met"] = None if values["met"] is None else bool(values["met"])
        values["elapsed_before_pause_seconds"] = float(values["elapsed_before_pause_seconds"])
        return ClockRow(**values)

    @staticmethod
    def _values(clock: ClockRow) -> dict[str, Any]:
        skip = {"id", "version", "updated_at"}
        return {name: getattr(clock, name) for name in _CLOCK_FIELDS if name not in skip}

    async def start(self, clock: ClockRow, now: datetime) -> ClockRow:
        """Start a clock; if the subject already has this clock it restarts as a new
        generation (so the steps of the old one cannot block the new one's)."""
        now = aware(now, "now")
        column = t.clocks.c
        existing = await self._first(
            select(t.clocks)
            .where(
                column.subject_type == clock.subject_type,
                column.subject_id == clock.subject_id,
                column.clock == clock.clock,
            )
            .with_for_update()
        )
        values = self._values(clock)
        if existing is None:
            values.update(generation=clock.generation, version=1, updated_at=now)
            row = (
                (await self._conn.execute(insert(t.clocks).values(values).returning(*t.clocks.c)))
                .mappings()
                .one()
            )
        else:
            values.update(
                generation=int(existing["generation"]) + 1,
                version=column.version + 1,
                updated_at=now,
            )
            row = (
                (
                    await self._conn.execute(
                        update(t.clocks)
                        .where(column.id == existing["id"])
                        .values(values)
                        .returning(*t.clocks.c)
                    )
                )
                .mappings()
                .one()
            )
        return self._clock(row)

    async def get(self, subject_type: str, subject_id: int, clock: str) -> ClockRow | None:
        column = t.clocks.c
        row = await self._first(
            select(t.clocks).where(
                column.subject_type == subject_type,
                column.subject_id == subject_id,
                column.clock == clock,
            )
        )
        return None if row is None else self._clock(row)

    async def for_subject(self, subject_type: str, subject_id: int) -> list[ClockRow]:
        column = t.clocks.c
        rows = await self._all(
            select(t.clocks)
            .where(column.subject_type == subject_type, column.subject_id == subject_id)
            .order_by(column.clock)
        )
        return [self._clock(row) for row in rows]

    async def save(self, clock: ClockRow, now: datetime) -> ClockRow:
        """Write a changed clock if nobody changed it since it was read (``version``)."""
        if clock.id is None:
            raise StoreError("start a clock before saving it")
        column = t.clocks.c
        values = self._values(clock)
        values.update(version=column.version + 1, updated_at=aware(now, "now"))
        row = await self._first(
            update(t.clocks)
            .where(column.id == clock.id, column.version == clock.version)
            .values(values)
            .returning(*t.clocks.c)
        )
        if row is None:
            raise ConcurrencyConflict(
                f"clock {clock.clock} of {clock.subject_type} {clock.subject_id} changed meanwhile"
            )
        return self._clock(row)

    async def due(self, now: datetime, limit: int = 100) -> list[ClockRow]:
        """Running clocks whose ``wake_at`` has come, earliest first; on PostgreSQL locked
        ``FOR UPDATE SKIP LOCKED`` so several sweeps share the work."""
        column = t.clocks.c
        query = (
            select(t.clocks)
            .where(column.state == "running", column.wake_at <= aware(now, "now"))
            .order_by(column.wake_at, column.id)
            .limit(limit)
        )
        if self._row_locks:
            query = query.with_for_update(skip_locked=True)
        return [self._clock(row) for row in await self._all(query)]

    async def overdue_subjects(self, subject_type: str, now: datetime) -> int:
        """How many subjects (jobs: ``"job"``) have a running clock past its deadline."""
        column = t.clocks.c
        query = select(func.count(func.distinct(column.subject_id))).where(
            column.subject_type == subject_type,
            column.state == "running",
            column.due_at <= aware(now, "now"),
        )
        return int((await self._conn.execute(query)).scalar_one())

    async def open_on(self, calendar: str, branch_id: int | None = None) -> list[ClockRow]:
        """The running and paused clocks counting on ``calendar`` ("working", "calendar"),
        of one branch or (None) of every branch."""
        column = t.clocks.c
        query = select(t.clocks).where(
            column.state.in_(("running", "paused")), column.calendar == calendar
        )
        if branch_id is not None:
            query = query.where(column.branch_id == branch_id)
        rows = await self._all(query.order_by(column.id))
        return [self._clock(row) for row in rows]

    async def next_wake_at(self) -> datetime | None:
        column = t.clocks.c
        value = (
            await self._conn.execute(
                select(func.min(column.wake_at)).where(column.state == "running")
            )
        ).scalar_one_or_none()
        return None if value is None else from_db_instant(value)


@dataclass(frozen=True, slots=True)
class FiredStep:
    subject_type: str
    subject_id: int
    clock: str
    generation: int
    step: str
    fired_at: datetime
    acknowledged_by: int | None = None
    acknowledged_at: datetime | None = None
    id: int | None = None


_STEP_FIELDS = tuple(f.name for f in fields(FiredStep))


class StepRepository(Repository):
    """Escalation steps that fired: each (subject, clock, generation, step) exactly once."""

    @staticmethod
    def _step(row: RowMapping) -> FiredStep:
        return FiredStep(**{name: row[name] for name in _STEP_FIELDS})

    def _key(
        self, subject_type: str, subject_id: int, clock: str, generation: int, step: str
    ) -> ColumnElement[bool]:
        column = t.fired_steps.c
        return and_(
            column.subject_type == subject_type,
            column.subject_id == subject_id,
            column.clock == clock,
            column.generation == generation,
            column.step == step,
        )

    async def fire(
        self,
        subject_type: str,
        subject_id: int,
        clock: str,
        generation: int,
        step: str,
        now: datetime,
    ) -> bool:
        """Record that the step fires now. False when it already fired (by this process
        earlier, or by another instance): then send nothing. On PostgreSQL a concurrent
        firer waits for the first to commit and then gets False."""
        stmt = (
            dialect_insert(self._conn, t.fired_steps)
            .values(
                subject_type=subject_type,
                subject_id=subject_id,
                clock=clock,
                generation=generation,
                step=step,
                fired_at=aware(now, "now"),
            )
            .on_conflict_do_nothing(
                index_elements=["subject_type", "subject_id", "clock", "generation", "step"]
            )
            .returning(t.fired_steps.c.id)
        )
        return (await self._conn.execute(stmt)).scalar_one_or_none() is not None

    async def get(
        self, subject_type: str, subject_id: int, clock: str, generation: int, step: str
    ) -> FiredStep | None:
        row = await self._first(
            select(t.fired_steps).where(
                self._key(subject_type, subject_id, clock, generation, step)
            )
        )
        return None if row is None else self._step(row)

    async def acknowledge(
        self,
        subject_type: str,
        subject_id: int,
        clock: str,
        generation: int,
        step: str,
        staff_id: int,
        now: datetime,
    ) -> bool:
        """The first acknowledgement wins (True); later ones change nothing (False)."""
        result = await self._conn.execute(
            update(t.fired_steps)
            .where(
                self._key(subject_type, subject_id, clock, generation, step),
                t.fired_steps.c.acknowledged_at.is_(None),
            )
            .values(acknowledged_by=staff_id, acknowledged_at=aware(now, "now"))
            .returning(t.fired_steps.c.id)
        )
        return result.first() is not None

    async def for_subject(
        self, subject_type: str, subject_id: int, clock: str | None = None
    ) -> list[FiredStep]:
        column = t.fired_steps.c
        query = (
            select(t.fired_steps)
            .where(column.subject_type == subject_type, column.subject_id == subject_id)
            .order_by(column.fired_at, column.id)
        )
        if clock is not None:
            query = query.where(column.clock == clock)
        return [self._step(row) for row in await self._all(query)]

    async def unacknowledged(
        self, step: str, fired_before: datetime, limit: int = 100
    ) -> list[FiredStep]:
        """Steps of this name fired before the instant and not acknowledged (level 2 looks
        for level 1s like that); ``SKIP LOCKED`` on PostgreSQL."""
        column = t.fired_steps.c
        query = (
            select(t.fired_steps)
            .where(
                column.step == step,
                column.acknowledged_at.is_(None),
                column.fired_at < aware(fired_before, "fired_before"),
            )
            .order_by(column.fired_at, column.id)
            .limit(limit)
        )
        if self._row_locks:
            query = query.with_for_update(skip_locked=True)
        return [self._step(row) for row in await self._all(query)]
