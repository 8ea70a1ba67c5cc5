"""What the records say about one branch in one interval (a working day): the raw counts and
sums the daily report is made of (:mod:`fieldbot.services.daily_reports` puts them together
by DESIGN.md §5's definitions). Every query is bounded by the branch and the interval."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, and_, cast, func, select

from fieldbot import tables as t
from fieldbot.repositories.base import Repository, aware
from fieldbot.repositories.work_records import counted_minutes

CLOSED_STATES = ("closed", "cancelled")
ESCALATION_STEPS = ("level1", "level2", "level3")


@dataclass(frozen=True, slots=True)
class WorkMinutes:
    """Minutes a technician spent on a job in the interval, on site or in the workshop."""

    technician_id: int
    job_id: int
    service_type: str
    minutes: int


@dataclass(frozen=True, slots=True)
class PartsUsed:
    staff_id: int
    code: str
    name: str
    quantity: int


class DayFiguresRepository(Repository):
    async def work_minutes(
        self, branch_id: int, start: datetime, end: datetime
    ) -> list[WorkMinutes]:
        """The minutes counted as hours (:func:`counted_minutes`) of the branch's jobs made in
        ``[start, end)``."""
        counted = counted_minutes(start, end)
        rows = await self._all(select(counted).where(counted.c.branch_id == branch_id))
        return [
            WorkMinutes(
                int(row["technician_id"]),
                int(row["job_id"]),
                str(row["service_type"]),
                int(row["minutes"]),
            )
            for row in rows
        ]

    async def parts_used(self, branch_id: int, start: datetime, end: datetime) -> list[PartsUsed]:
        u, p, j = t.part_usages.c, t.parts.c, t.jobs.c
        rows = await self._all(
            select(u.staff_id, p.code, p.name, func.sum(u.quantity).label("quantity"))
            .join(t.parts, p.id == u.part_id)
            .join(t.jobs, j.id == u.job_id)
            .where(j.branch_id == branch_id, u.used_at >= aware(start), u.used_at < aware(end))
            .group_by(u.staff_id, p.code, p.name)
            .order_by(p.code)
        )
        return [
            PartsUsed(int(r["staff_id"]), str(r["code"]), str(r["name"]), int(r["quantity"]))
            for r in rows
        ]

    async def cash_collected(
        self, branch_id: int, start: datetime, end: datetime
    ) -> dict[int, int]:
        """Fen collected in cash on site in the interval, by technician."""
        s, j = t.settlements.c, t.jobs.c
        rows = await self._all(
            select(s.collected_by, func.sum(s.amount_fen).label("fen"))
            .join(t.jobs, j.id == s.job_id)
            .where(
                j.branch_id == branch_id,
                s.method == "cash",
                s.collected_by.is_not(None),
                s.settled_at >= aware(start),
                s.settled_at < aware(end),
            )
            .group_by(s.collected_by)
        )
        return {int(r["collected_by"]): int(r["fen"]) for r in rows}

    async def registered(self, branch_id: int, start: datetime, end: datetime) -> int:
        j = t.jobs.c
        return await self._count(
            select(func.count())
            .select_from(t.jobs)
            .where(j.branch_id == branch_id, j.called_at >= aware(start), j.called_at < aware(end))
        )

    async def job_events(self, branch_id: int, kind: str, start: datetime, end: datetime) -> int:
        """Jobs of the branch with an event of ``kind`` (``job.close``, ``job.carried_over``)
        in the interval, each job once."""
        e, j = t.events.c, t.jobs.c
        return await self._count(
            select(func.count(func.distinct(j.id)))
            .select_from(t.events)
            .join(t.jobs, cast(j.id, String) == e.subject_id)
            .where(
                e.kind == kind,
                e.subject_type == "job",
                e.at >= aware(start),
                e.at < aware(end),
                j.branch_id == branch_id,
            )
        )

    async def open_jobs(self, branch_id: int, end: datetime) -> int:
        j = t.jobs.c
        return await self._count(
            select(func.count())
            .select_from(t.jobs)
            .where(
                j.branch_id == branch_id,
                j.called_at < aware(end),
                j.state.not_in(CLOSED_STATES),
            )
        )

    async def overdue_jobs(self, branch_id: int, end: datetime) -> int:
        """Open jobs with a clock past its deadline and still not stopped at ``end``."""
        k, j = t.clocks.c, t.jobs.c
        return await self._count(
            select(func.count(func.distinct(j.id)))
            .select_from(t.clocks)
            .join(t.jobs, and_(k.subject_type == "job", k.subject_id == j.id))
            .where(
                j.branch_id == branch_id,
                j.state.not_in(CLOSED_STATES),
                k.state != "stopped",
                k.due_at < aware(end),
            )
        )

    async def deadlines(
        self, branch_id: int, start: datetime, end: datetime
    ) -> dict[tuple[int | None, bool], int]:
        """Job clocks of the branch that stopped in the interval: (technician, met) → count."""
        k, j = t.clocks.c, t.jobs.c
        rows = await self._all(
            select(j.technician_id, k.met, func.count().label("n"))
            .select_from(t.clocks)
            .join(t.jobs, and_(k.subject_type == "job", k.subject_id == j.id))
            .where(
                j.branch_id == branch_id,
                k.state == "stopped",
                k.met.is_not(None),
                k.stopped_at >= aware(start),
                k.stopped_at < aware(end),
            )
            .group_by(j.technician_id, k.met)
        )
        return {
            (None if r["technician_id"] is None else int(r["technician_id"]), bool(r["met"])): int(
                r["n"]
            )
            for r in rows
        }

    async def escalations(self, branch_id: int, start: datetime, end: datetime) -> int:
        """Escalation steps (levels 1-3) fired in the interval, of the branch's jobs and
        complaints."""
        f, j, c = t.fired_steps.c, t.jobs.c, t.complaints.c
        window = (
            f.step.in_(ESCALATION_STEPS),
            f.fired_at >= aware(start),
            f.fired_at < aware(end),
        )
        jobs = await self._count(
            select(func.count())
            .select_from(t.fired_steps)
            .join(t.jobs, and_(f.subject_type == "job", f.subject_id == j.id))
            .where(j.branch_id == branch_id, *window)
        )
        complaints = await self._count(
            select(func.count())
            .select_from(t.fired_steps)
            .join(t.complaints, and_(f.subject_type == "complaint", f.subject_id == c.id))
            .where(c.branch_id == branch_id, *window)
        )
        return jobs + complaints

    async def complaints(self, branch_id: int, start: datetime, end: datetime) -> int:
        c = t.complaints.c
        return await self._count(
            select(func.count())
            .select_from(t.complaints)
            .where(c.branch_id == branch_id, c.filed_at >= aware(start), c.filed_at < aware(end))
        )

    async def surveys(self, branch_id: int, start: datetime, end: datetime) -> tuple[int, int]:
        """Surveys answered in the interval, and those sent by its end and still unanswered."""
        s = t.surveys.c
        answered = await self._count(
            select(func.count())
            .select_from(t.surveys)
            .where(
                s.branch_id == branch_id,
                s.answered_at >= aware(start),
                s.answered_at < aware(end),
            )
        )
        outstanding = await self._count(
            select(func.count())
            .select_from(t.surveys)
            .where(s.branch_id == branch_id, s.state == "open", s.sent_at < aware(end))
        )
        return answered, outstanding

    async def _count(self, query: object) -> int:
        return int((await self._conn.execute(query)).scalar_one() or 0)  # type: ignore[call-overload]
