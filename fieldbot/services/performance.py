"""A technician's monthly performance (DESIGN.md §5 "Survey": ratings feed it; issue 13): jobs
closed by service type, hours, deadlines met and missed, the average rating of each survey
item, complaints, and repeat repairs — as plain data for the chat, the command line and the
monthly report.

Counted like the KPIs (:mod:`fieldbot.services.kpis`): a job by when it closed, a clock by
when it stopped, a survey by when it was answered, work by when it was recorded, a complaint
by when it was filed. Repeat repairs are the repairs closed in the month followed by a new
repair job on the same unit within ``FIELDBOT_REPEAT_REPAIR_DAYS`` — known so far (the window
of a repair closed late in the month may still be open).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from fieldbot.domain.feedback import ITEMS
from fieldbot.domain.kpis import ClosedRepair, Period, Ratio, Scope, repeated
from fieldbot.domain.model import Role
from fieldbot.services.kpis import current_month, resolve_scope
from fieldbot.settings import Settings
from fieldbot.store import UnitOfWork

# The job clocks the technician owns (assign and first reply are the supervisor's).
TECHNICIAN_CLOCKS: tuple[str, ...] = (
    "contact",
    "arrival",
    "on_time",
    "resolution",
    "signoff",
    "workshop",
)


@dataclass(frozen=True, slots=True)
class Performance:
    technician: str
    period: Period
    jobs_by_type: dict[str, int]  # service type A/B/C -> jobs closed
    minutes: int  # on-site work records and workshop repair cards
    deadlines: dict[str, Ratio]  # per clock: met ÷ stopped
    surveys: int  # surveys answered
    average_rating: dict[str, float | None]  # per item, 1 … 4
    complaints: int
    repairs: int  # repairs closed
    repeat_repairs: int

    @property
    def jobs(self) -> int:
        return sum(self.jobs_by_type.values())

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)

    @property
    def deadlines_met(self) -> int:
        return sum(r.numerator for r in self.deadlines.values())

    @property
    def deadlines_missed(self) -> int:
        return sum(r.denominator - r.numerator for r in self.deadlines.values())


async def performances(
    uow: UnitOfWork,
    settings: Settings,
    *,
    scope: Scope,
    now: datetime,
    period: Period | None = None,
) -> list[Performance]:
    """The figures of every technician of ``scope`` for ``period`` (default: the current
    month of the scope's timezone), by staff code: a branch's technicians (active, or with
    figures in the period), one technician, or every technician of the company. Each figure
    is one grouped query, whatever the number of technicians."""
    found = await resolve_scope(uow, settings, scope)
    chosen = period or current_month(now, found.timezone)
    where = found.where(chosen)
    ratings = await uow.kpis.ratings_by_technician(where)
    by_type = await uow.kpis.closed_by_type(where)
    minutes = await uow.kpis.work_minutes(where)
    clocks = await uow.kpis.job_clocks_stopped(where, TECHNICIAN_CLOCKS)
    complaints = await uow.kpis.complaints_filed(where)
    days = settings.repeat_repair_days
    closed = await uow.kpis.closed_repairs(where)
    units = [r.equipment_id for r in closed if r.equipment_id is not None]
    later = (
        await uow.kpis.repairs_called(units, where.since, where.until + timedelta(days=days))
        if units
        else []
    )
    repeats = repeated(closed, later, days)
    by_technician: dict[int | None, list[ClosedRepair]] = {}
    for repair in closed:
        by_technician.setdefault(repair.technician_id, []).append(repair)
    if found.technician_id is not None and scope.code is not None:
        codes = {found.technician_id: scope.code}
    else:
        ids = {*ratings, *by_type, *minutes, *clocks, *complaints, *by_technician}
        branch = scope.code if scope.kind == "branch" else None
        codes = {
            row.id: row.staff.code
            for row in await uow.staff.rows(branch=branch, role=Role.TECHNICIAN, active_only=False)
            if row.id in ids or row.staff.active
        }
    result: list[Performance] = []
    for tech_id, code in sorted(codes.items(), key=lambda item: item[1]):
        mine = by_technician.get(tech_id, [])
        rated = ratings.get(tech_id)
        average: dict[str, float | None] = {
            item: None
            if rated is None or not rated.surveys
            else round(rated.total[item] / rated.surveys, 2)
            for item in ITEMS
        }
        result.append(
            Performance(
                technician=code,
                period=chosen,
                jobs_by_type=by_type.get(tech_id, {}),
                minutes=minutes.get(tech_id, 0),
                deadlines=clocks.get(tech_id, {}),
                surveys=0 if rated is None else rated.surveys,
                average_rating=average,
                complaints=complaints.get(tech_id, 0),
                repairs=len(mine),
                repeat_repairs=sum(1 for r in mine if r.job_id in repeats),
            )
        )
    return result


async def monthly_performance(
    uow: UnitOfWork,
    settings: Settings,
    *,
    technician: str,
    now: datetime,
    period: Period | None = None,
) -> Performance:
    """One technician's figures for ``period`` (default: the current month of their
    branch's timezone); :class:`~fieldbot.services.workflow.UnknownStaff` for anyone else."""
    (found,) = await performances(
        uow, settings, scope=Scope("technician", technician.upper()), now=now, period=period
    )
    return found
