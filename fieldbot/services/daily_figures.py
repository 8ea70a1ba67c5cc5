"""The figures of a day's reports (DESIGN.md §5, "How the numbers are defined"), read from the
records of a branch's working day — from the local midnight that starts it to the one that
ends it, in the branch's timezone — by the repository's bounded queries.

- A technician's jobs by service type: the jobs they made a work record (on site, not
  rejected) or a repair card for that day, by the job's service type; minutes: the records'
  and cards' minutes; type D: the admin minutes of their report. Parts used: taken from their
  van for the branch's jobs that day. Cash collected that day, and held at ``until``
  (:func:`fieldbot.services.cash.cash_held_by`).
- The branch: the sum of its technicians, jobs registered (called that day), closed (the
  close event that day), open and overdue at the end of the day, carried over that morning,
  escalations (levels 1-3 fired that day), complaints filed, surveys answered that day and
  outstanding at its end, receivables (unpaid invoices now), the cash to reconcile (what its
  technicians hold), deadlines met and missed (job clocks stopped that day), and the
  branch's KPIs of the day (:func:`fieldbot.services.kpis.compute`, as at ``until``).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from fieldbot.domain.kpis import Period, Scope
from fieldbot.domain.model import Role
from fieldbot.domain.reports import BranchDay, PartLine, TechnicianDay, type_lines
from fieldbot.services.calendars import require_branch
from fieldbot.services.cash import cash_held_by
from fieldbot.services.kpis import compute
from fieldbot.settings import Settings
from fieldbot.store import UnitOfWork


def day_bounds(day: date, timezone: str) -> tuple[datetime, datetime]:
    """The local day as a UTC interval ``[start, end)``."""
    tz = ZoneInfo(timezone)
    start = datetime.combine(day, time(0), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


async def branch_day(
    uow: UnitOfWork,
    settings: Settings,
    branch: str,
    day: date,
    until: datetime,
    admin_minutes: dict[int, int] | None = None,
) -> BranchDay:
    """The branch report's figures of ``day`` (cash held and receivables as at ``until``);
    ``admin_minutes``: the type D minutes each technician's report holds."""
    found = await require_branch(uow, branch)
    branch_id = await uow.branches.require_id(branch)
    start, end = day_bounds(day, found.timezone or settings.timezone)
    figures = uow.day_figures
    work = await figures.work_minutes(branch_id, start, end)
    parts = await figures.parts_used(branch_id, start, end)
    collected = await figures.cash_collected(branch_id, start, end)
    deadlines = await figures.deadlines(branch_id, start, end)
    admin = admin_minutes or {}
    rows = await uow.staff.rows(branch=branch, role=Role.TECHNICIAN)
    held = await cash_held_by(uow, [row.id for row in rows], until)
    # each record and part line looked at once, not once per technician
    jobs: dict[int, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    minutes: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for entry in work:
        jobs[entry.technician_id][entry.service_type].add(entry.job_id)
        minutes[entry.technician_id][entry.service_type] += entry.minutes
    used: dict[int, list[PartLine]] = defaultdict(list)
    for p in parts:
        used[p.staff_id].append(PartLine(p.code, p.name, p.quantity))
    technicians = [
        TechnicianDay(
            staff_id=row.id,
            code=row.staff.code,
            name=row.staff.name,
            day=day,
            by_type=type_lines(jobs[row.id], minutes[row.id], admin.get(row.id, 0)),
            parts=tuple(used[row.id]),
            cash_collected_fen=collected.get(row.id, 0),
            cash_held_fen=held[row.id],
            deadlines_met=deadlines.get((row.id, True), 0),
            deadlines_missed=deadlines.get((row.id, False), 0),
        )
        for row in rows
    ]
    answered, outstanding = await figures.surveys(branch_id, start, end)
    receivables = await uow.fieldwork.receivables(branch_id)
    kpis = await compute(
        uow, settings, now=until, scope=Scope("branch", branch), period=Period("day", day)
    )
    return BranchDay(
        branch_code=branch,
        branch_name=found.name,
        day=day,
        technicians=tuple(technicians),
        registered=await figures.registered(branch_id, start, end),
        closed=await figures.job_events(branch_id, "job.close", start, end),
        open=await figures.open_jobs(branch_id, end),
        overdue=await figures.overdue_jobs(branch_id, min(end, until)),
        carried_over=await figures.job_events(branch_id, "job.carried_over", start, end),
        escalations=await figures.escalations(branch_id, start, end),
        complaints=await figures.complaints(branch_id, start, end),
        surveys_answered=answered,
        surveys_outstanding=outstanding,
        receivables=len(receivables),
        receivables_fen=sum(r.settlement.amount_fen for r in receivables),
        deadlines_met=sum(n for (_, met), n in deadlines.items() if met),
        deadlines_missed=sum(n for (_, met), n in deadlines.items() if not met),
        kpis=tuple(kpis.kpis),
    )
