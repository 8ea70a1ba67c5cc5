"""The counts behind the KPIs and a technician's monthly performance (DESIGN.md §5 "How the
numbers are defined"), as aggregate queries over one period and one scope.

Each query reads only the period's rows through an index: a clock by the moment it stopped
(``clocks(clock, stopped_at)``, or ``due_at`` for a visit still owed), a closed job by its
survey (sent in the close's transaction: ``surveys.sent_at``), a survey by when it was
answered (``surveys.answered_at``), a complaint by its reply clock. The scope narrows by the
job's branch and its (current) technician.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    exists,
    func,
    not_,
    or_,
    select,
)

from fieldbot import tables as t
from fieldbot.crypto import EMPTY_CIPHERTEXT_BYTES
from fieldbot.domain.feedback import ITEMS
from fieldbot.domain.kpis import ClosedRepair, LaterRepair, Ratio, VisitClock
from fieldbot.domain.model import JobState, WorkKind
from fieldbot.repositories.base import Repository, aware
from fieldbot.repositories.work_records import counted_minutes

CHUNK = 500  # ids per IN list, well under either database's parameter limit
ARRIVED = "job.arrive"  # the job event of an arrival (DESIGN.md §3)
VISIT_CLOCKS = ("arrival", "on_time")  # repairs and emergencies; booked kinds
SATISFIED = 3  # an item rated 4 or 3 counts as satisfied


@dataclass(frozen=True, slots=True)
class Where:
    """The period ``[since, until)`` (UTC) and the scope: a branch, a technician, or neither
    (the company)."""

    since: datetime
    until: datetime
    branch_id: int | None = None
    technician_id: int | None = None


@dataclass(frozen=True, slots=True)
class Ratings:
    """Surveys answered: how many, and per item the answers rated 4 or 3 and the sum."""

    surveys: int
    satisfied: dict[str, int]
    total: dict[str, int]


def _n(value: Any) -> int:
    return 0 if value is None else int(str(value))


def _id(value: Any) -> int | None:
    return None if value is None else int(str(value))


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _job_scope(where: Where) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if where.branch_id is not None:
        found.append(t.jobs.c.branch_id == where.branch_id)
    if where.technician_id is not None:
        found.append(t.jobs.c.technician_id == where.technician_id)
    return found


def _closed_in(where: Where, until: datetime | None = None) -> list[ColumnElement[bool]]:
    """Surveys of jobs that closed in the period, in the scope (the survey keeps the job's
    branch and technician)."""
    s = t.surveys.c
    found: list[ColumnElement[bool]] = [
        s.sent_at >= aware(where.since, "since"),
        s.sent_at < aware(until or where.until, "until"),
    ]
    if where.branch_id is not None:
        found.append(s.branch_id == where.branch_id)
    if where.technician_id is not None:
        found.append(s.technician_id == where.technician_id)
    return found


def _job_clock(name: str, alias: Any = None) -> Any:
    clocks = t.clocks if alias is None else alias
    return and_(
        clocks.c.subject_type == "job",
        clocks.c.subject_id == t.jobs.c.id,
        clocks.c.clock == name,
    )


def _stopped_in(clocks: Any, name: str, where: Where) -> list[ColumnElement[bool]]:
    return [
        clocks.c.clock == name,
        clocks.c.state == "stopped",
        clocks.c.stopped_at >= aware(where.since, "since"),
        clocks.c.stopped_at < aware(where.until, "until"),
    ]


def _met_count(condition: ColumnElement[bool]) -> Any:
    return func.sum(case((condition, 1), else_=0))


class KpiRepository(Repository):
    async def _ratio(self, query: Any) -> Ratio:
        row = (await self._conn.execute(query)).one()
        return Ratio(_n(row[0]), _n(row[1]))

    async def job_clock_met(self, clock: str, where: Where, kind: WorkKind | None = None) -> Ratio:
        """Jobs (cancelled ones excluded) whose ``clock`` stopped in the period: met ÷ all."""
        c = t.clocks
        query = (
            select(_met_count(c.c.met.is_(True)), func.count())
            .select_from(c.join(t.jobs, _job_clock(clock)))
            .where(*_stopped_in(c, clock, where), t.jobs.c.state != JobState.CANCELLED.value)
            .where(*_job_scope(where))
        )
        if kind is not None:
            query = query.where(t.jobs.c.kind == kind.value)
        return await self._ratio(query)

    async def consultations_answered(self, where: Where) -> Ratio:
        """Consultations whose assign clock stopped in the period (cancelled excluded): those
        answered within it (the assign clock met, or the first reply to the customer's own
        request met) ÷ all."""
        c = t.clocks
        reply = t.clocks.alias("first_reply")
        query = (
            select(
                _met_count(or_(c.c.met.is_(True), reply.c.met.is_(True))),
                func.count(),
            )
            .select_from(
                c.join(t.jobs, _job_clock("assign")).outerjoin(
                    reply, _job_clock("first_reply", reply)
                )
            )
            .where(
                *_stopped_in(c, "assign", where),
                t.jobs.c.state != JobState.CANCELLED.value,
                t.jobs.c.kind == WorkKind.CONSULTATION.value,
            )
            .where(*_job_scope(where))
        )
        return await self._ratio(query)

    async def complaints_replied(self, where: Where, reply_clock: str) -> Ratio:
        """Complaints whose reply clock stopped in the period: met ÷ all (technician scope:
        complaints about their jobs)."""
        c = t.clocks
        k = t.complaints
        query = (
            select(_met_count(c.c.met.is_(True)), func.count())
            .select_from(
                c.join(
                    k,
                    and_(c.c.subject_type == "complaint", c.c.subject_id == k.c.id),
                ).outerjoin(t.jobs, t.jobs.c.id == k.c.job_id)
            )
            .where(*_stopped_in(c, reply_clock, where))
        )
        if where.branch_id is not None:
            query = query.where(k.c.branch_id == where.branch_id)
        if where.technician_id is not None:
            query = query.where(t.jobs.c.technician_id == where.technician_id)
        return await self._ratio(query)

    async def ratings(self, where: Where) -> Ratings:
        """Surveys answered in the period, in the scope (every technician's together)."""
        groups = (await self.ratings_by_technician(where)).values()
        return Ratings(
            sum(g.surveys for g in groups),
            {item: sum(g.satisfied[item] for g in groups) for item in ITEMS},
            {item: sum(g.total[item] for g in groups) for item in ITEMS},
        )

    async def installations_passing(self, where: Where) -> Ratio:
        """Installations closed in the period: signed off without a dispute ÷ all."""
        disputed = exists().where(
            t.signoffs.c.job_id == t.jobs.c.id, t.signoffs.c.outcome == "disputed"
        )
        query = (
            select(_met_count(not_(disputed)), func.count())
            .select_from(t.surveys.join(t.jobs, t.jobs.c.id == t.surveys.c.job_id))
            .where(*_closed_in(where), t.jobs.c.kind == WorkKind.INSTALLATION.value)
        )
        return await self._ratio(query)

    async def closed_repairs(
        self, where: Where, until: datetime | None = None
    ) -> list[ClosedRepair]:
        """Repairs closed in the period (up to ``until`` when earlier): job, unit, close."""
        query = (
            select(
                t.jobs.c.id, t.jobs.c.equipment_id, t.surveys.c.sent_at, t.surveys.c.technician_id
            )
            .select_from(t.surveys.join(t.jobs, t.jobs.c.id == t.surveys.c.job_id))
            .where(*_closed_in(where, until), t.jobs.c.kind == WorkKind.REPAIR.value)
        )
        return [
            ClosedRepair(int(r[0]), _id(r[1]), r[2], _id(r[3]))
            for r in (await self._conn.execute(query)).all()
        ]

    async def repairs_called(
        self, equipment_ids: Iterable[int], since: datetime, until: datetime
    ) -> list[LaterRepair]:
        """Repair jobs (not cancelled) on these units called in ``(since, until]``."""
        ids = sorted(set(equipment_ids))
        found: list[LaterRepair] = []
        j = t.jobs.c
        for chunk in _chunks(ids):
            query = select(j.id, j.equipment_id, j.called_at).where(
                j.equipment_id.in_(chunk),
                j.kind == WorkKind.REPAIR.value,
                j.state != JobState.CANCELLED.value,
                j.called_at > aware(since, "since"),
                j.called_at <= aware(until, "until"),
            )
            found.extend(
                LaterRepair(int(r[0]), int(r[1]), r[2])
                for r in (await self._conn.execute(query)).all()
            )
        return found

    async def customer_files(self, where: Where) -> Ratio:
        """Customers with a job closed in the period (in the scope): those whose file holds
        name, phone, address, a location and at least one unit ÷ all."""
        c = t.customers.c
        active = select(t.surveys.c.customer_id).where(*_closed_in(where)).distinct()
        filled = [
            func.length(c[column]) > EMPTY_CIPHERTEXT_BYTES
            for column in ("name_enc", "phone_enc", "address_enc")
        ]
        located = not_(and_(c.latitude == 0, c.longitude == 0))
        unit = exists().where(t.equipment.c.customer_id == c.id)
        query = select(_met_count(and_(*filled, located, unit)), func.count()).where(
            c.id.in_(active.scalar_subquery())
        )
        return await self._ratio(query)

    async def visit_clocks(self, where: Where, now: datetime) -> list[VisitClock]:
        """The visit clocks of jobs (not cancelled) that stopped in the period or whose
        deadline fell in it (and has passed), with whether each job had an arrival: two
        queries, one on ``clocks(clock, stopped_at)``, one on ``clocks(clock, due_at)``."""
        c = t.clocks.c
        since, until = aware(where.since, "since"), aware(where.until, "until")
        stopped = and_(c.state == "stopped", c.stopped_at >= since, c.stopped_at < until)
        due = and_(c.due_at >= since, c.due_at < until, c.due_at <= aware(now, "now"))
        rows: dict[int, Any] = {}
        for condition in (stopped, due):
            query = (
                select(
                    c.id,
                    t.jobs.c.id,
                    t.jobs.c.technician_id,
                    c.state,
                    c.stopped_at,
                    c.due_at,
                    c.met,
                )
                .select_from(
                    t.clocks.join(
                        t.jobs, and_(c.subject_type == "job", c.subject_id == t.jobs.c.id)
                    )
                )
                .where(
                    c.clock.in_(VISIT_CLOCKS),
                    condition,
                    t.jobs.c.state != JobState.CANCELLED.value,
                )
                .where(*_job_scope(where))
            )
            for row in (await self._conn.execute(query)).all():
                rows[int(row[0])] = row
        arrived = await self._arrived([int(r[1]) for r in rows.values()])
        return [
            VisitClock(
                job_id=int(r[1]),
                technician_id=_id(r[2]),
                state=str(r[3]),
                stopped_at=r[4],
                due_at=r[5],
                met=r[6],
                arrived=int(r[1]) in arrived,
            )
            for r in rows.values()
        ]

    async def _arrived(self, job_ids: Sequence[int]) -> set[int]:
        e = t.events.c
        found: set[int] = set()
        for chunk in _chunks(sorted(set(job_ids))):
            query = (
                select(e.subject_id)
                .where(
                    e.subject_type == "job",
                    e.subject_id.in_([str(i) for i in chunk]),
                    e.kind == ARRIVED,
                )
                .distinct()
            )
            found.update(int(r[0]) for r in (await self._conn.execute(query)).all())
        return found

    # --- technicians' months (DESIGN.md §5: monthly performance), grouped by technician ----
    # Each returns {technician id: figure}; a job without a technician counts under None.

    async def ratings_by_technician(self, where: Where) -> dict[int | None, Ratings]:
        """Surveys answered in the period, per technician of the job: per item, the answers
        rated 4 or 3 and the sum of the ratings."""
        s = t.surveys.c
        columns: list[Any] = [s.technician_id, func.count()]
        for item in ITEMS:
            columns.append(_met_count(s[item] >= SATISFIED))
            columns.append(func.sum(s[item]))
        query = select(*columns).where(
            s.state == "answered",
            s.answered_at >= aware(where.since, "since"),
            s.answered_at < aware(where.until, "until"),
        )
        if where.branch_id is not None:
            query = query.where(s.branch_id == where.branch_id)
        if where.technician_id is not None:
            query = query.where(s.technician_id == where.technician_id)
        found: dict[int | None, Ratings] = {}
        for row in (await self._conn.execute(query.group_by(s.technician_id))).all():
            satisfied = {item: _n(row[2 + 2 * i]) for i, item in enumerate(ITEMS)}
            total = {item: _n(row[3 + 2 * i]) for i, item in enumerate(ITEMS)}
            found[_id(row[0])] = Ratings(_n(row[1]), satisfied, total)
        return found

    async def closed_by_type(self, where: Where) -> dict[int | None, dict[str, int]]:
        """Jobs closed in the period by service type (A, B, C), per technician."""
        query = (
            select(t.surveys.c.technician_id, t.jobs.c.service_type, func.count())
            .select_from(t.surveys.join(t.jobs, t.jobs.c.id == t.surveys.c.job_id))
            .where(*_closed_in(where))
            .group_by(t.surveys.c.technician_id, t.jobs.c.service_type)
        )
        found: dict[int | None, dict[str, int]] = {}
        for r in (await self._conn.execute(query)).all():
            found.setdefault(_id(r[0]), {})[str(r[1])] = _n(r[2])
        return found

    async def work_minutes(self, where: Where) -> dict[int | None, int]:
        """Per technician, the minutes counted as hours (:func:`counted_minutes`) recorded in
        the period."""
        counted = counted_minutes(where.since, where.until)
        query = select(counted.c.technician_id, func.sum(counted.c.minutes))
        if where.technician_id is not None:
            query = query.where(counted.c.technician_id == where.technician_id)
        if where.branch_id is not None:
            query = query.where(counted.c.branch_id == where.branch_id)
        found: dict[int | None, int] = {}
        for row in (await self._conn.execute(query.group_by(counted.c.technician_id))).all():
            found[_id(row[0])] = _n(row[1])
        return found

    async def job_clocks_stopped(
        self, where: Where, names: Sequence[str]
    ) -> dict[int | None, dict[str, Ratio]]:
        """Per technician and job clock, the clocks of the scope's jobs (not cancelled)
        stopped in the period: met ÷ all."""
        c = t.clocks.c
        query = (
            select(t.jobs.c.technician_id, c.clock, _met_count(c.met.is_(True)), func.count())
            .select_from(
                t.clocks.join(t.jobs, and_(c.subject_type == "job", c.subject_id == t.jobs.c.id))
            )
            .where(
                c.clock.in_(list(names)),
                c.state == "stopped",
                c.stopped_at >= aware(where.since, "since"),
                c.stopped_at < aware(where.until, "until"),
                t.jobs.c.state != JobState.CANCELLED.value,
            )
            .where(*_job_scope(where))
            .group_by(t.jobs.c.technician_id, c.clock)
        )
        found: dict[int | None, dict[str, Ratio]] = {}
        for r in (await self._conn.execute(query)).all():
            found.setdefault(_id(r[0]), {})[str(r[1])] = Ratio(_n(r[2]), _n(r[3]))
        return found

    async def complaints_filed(self, where: Where) -> dict[int | None, int]:
        """Complaints filed in the period, per technician of the job they are about."""
        k = t.complaints.c
        query = (
            select(t.jobs.c.technician_id, func.count())
            .select_from(t.complaints.outerjoin(t.jobs, t.jobs.c.id == k.job_id))
            .where(
                k.filed_at >= aware(where.since, "since"),
                k.filed_at < aware(where.until, "until"),
            )
            .group_by(t.jobs.c.technician_id)
        )
        if where.branch_id is not None:
            query = query.where(k.branch_id == where.branch_id)
        if where.technician_id is not None:
            query = query.where(t.jobs.c.technician_id == where.technician_id)
        return {_id(r[0]): _n(r[1]) for r in (await self._conn.execute(query)).all()}
