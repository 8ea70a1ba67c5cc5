"""A branch's monthly performance report (issue 13, DESIGN.md §8 ``fieldbot report monthly``):
each technician's performance (:mod:`fieldbot.services.performance`) and the branch's KPIs
(:mod:`fieldbot.services.kpis`) for a month, and the files made of them in the reader's
language by :mod:`fieldbot.documents` — an XLSX workbook (technicians, their average ratings,
the KPIs against their targets; sums as formulas) and a PNG chart (jobs by service type per
technician; deadlines met and missed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from fieldbot.documents.chart import Panel, Series, chart_png
from fieldbot.documents.files import write_files
from fieldbot.documents.workbook import HOURS, INTEGER, RATING, Sheet, workbook_bytes
from fieldbot.domain.feedback import ITEMS
from fieldbot.domain.kpis import Period, Scope
from fieldbot.domain.model import Role
from fieldbot.domain.reports import SERVICE_TYPES
from fieldbot.i18n import N_, Translator
from fieldbot.services.calendars import require_branch
from fieldbot.services.daily_report_files import (
    CODE,
    DEADLINES,
    JOBS_BY_TYPE,
    JOBS_OF_TYPE,
    MET,
    MISSED,
    NAME,
    NOTHING,
    TOTAL,
    TOTAL_HOURS,
    TYPE_LABEL,
    hours,
    kpi_sheet,
)
from fieldbot.services.kpis import KpiReport, compute
from fieldbot.services.performance import Performance, performances
from fieldbot.services.surveys import ITEM_NAMES
from fieldbot.settings import Settings
from fieldbot.store import UnitOfWork

TITLE = N_("Monthly performance {branch} {month}")
SHEET_PERFORMANCE = N_("Performance")
SHEET_RATINGS = N_("Ratings")
JOBS = N_("Jobs closed")
DEADLINES_MET = N_("Deadlines met")
DEADLINES_MISSED = N_("Deadlines missed")
SURVEYS = N_("Surveys answered")
COMPLAINTS = N_("Complaints")
REPAIRS = N_("Repairs closed")
REPEAT_REPAIRS = N_("Repeat repairs")


@dataclass(frozen=True, slots=True)
class TechnicianMonth:
    code: str
    name: str
    figures: Performance


@dataclass(frozen=True, slots=True)
class BranchMonth:
    branch_code: str
    branch_name: str
    period: Period
    technicians: list[TechnicianMonth]
    kpis: KpiReport


async def branch_month(
    uow: UnitOfWork, settings: Settings, branch: str, period: Period, now: datetime
) -> BranchMonth:
    """The month's figures of ``branch``: its technicians' performance (active ones, and
    those with figures in the month) and its KPIs; :class:`UnknownBranch` for no branch."""
    code = branch.upper()
    found = await require_branch(uow, code)
    scope = Scope("branch", code)
    rows = await uow.staff.rows(branch=code, role=Role.TECHNICIAN, active_only=False)
    names = {row.staff.code: row.staff.name for row in rows}
    figures = await performances(uow, settings, scope=scope, now=now, period=period)
    report = await compute(uow, settings, now=now, scope=scope, period=period)
    return BranchMonth(
        branch_code=code,
        branch_name=found.name,
        period=period,
        technicians=[
            TechnicianMonth(p.technician, names.get(p.technician, ""), p) for p in figures
        ],
        kpis=report,
    )


def file_stem(month: BranchMonth) -> str:
    return f"monthly-{month.branch_code}-{month.period.label}"


def monthly_workbook(month: BranchMonth, t: Translator) -> bytes:
    jobs_types = SERVICE_TYPES[:3]
    headers = [t.gettext(CODE), t.gettext(NAME)]
    headers += [t.gettext(JOBS_OF_TYPE, type=k) for k in jobs_types]
    headers += [
        t.gettext(JOBS),
        t.gettext(TOTAL_HOURS),
        t.gettext(DEADLINES_MET),
        t.gettext(DEADLINES_MISSED),
        t.gettext(SURVEYS),
        t.gettext(COMPLAINTS),
        t.gettext(REPAIRS),
        t.gettext(REPEAT_REPAIRS),
    ]
    rows = []
    for tech in month.technicians:
        p = tech.figures
        rows.append(
            [tech.code, tech.name]
            + [p.jobs_by_type.get(k, 0) for k in jobs_types]
            + [
                p.jobs,
                hours(p.minutes),
                p.deadlines_met,
                p.deadlines_missed,
                p.surveys,
                p.complaints,
                p.repairs,
                p.repeat_repairs,
            ]
        )
    performance = Sheet(
        title=t.gettext(SHEET_PERFORMANCE),
        headers=headers,
        rows=rows,
        formats=[None, None] + [INTEGER] * 4 + [HOURS] + [INTEGER] * 6,
        totals_label=t.gettext(TOTAL),
        total_columns=list(range(2, len(headers))),
    )
    ratings = Sheet(
        title=t.gettext(SHEET_RATINGS),
        headers=[t.gettext(CODE), t.gettext(NAME), t.gettext(SURVEYS)]
        + [t.gettext(ITEM_NAMES[item]) for item in ITEMS],
        rows=[
            [tech.code, tech.name, tech.figures.surveys]
            + [tech.figures.average_rating.get(item) for item in ITEMS]
            for tech in month.technicians
        ],
        formats=[None, None, INTEGER] + [RATING] * len(ITEMS),
    )
    return workbook_bytes([performance, ratings, kpi_sheet(month.kpis.kpis, t)])


def monthly_chart(month: BranchMonth, t: Translator) -> bytes:
    names = [tech.name or tech.code for tech in month.technicians]
    figures = [tech.figures for tech in month.technicians]
    jobs = Panel(
        title=t.gettext(JOBS_BY_TYPE),
        categories=names,
        series=[
            Series(t.gettext(TYPE_LABEL, type=k), [p.jobs_by_type.get(k, 0) for p in figures])
            for k in SERVICE_TYPES[:3]
        ],
        stacked=True,
        empty_text=t.gettext(NOTHING),
    )
    deadlines = Panel(
        title=t.gettext(DEADLINES),
        categories=names,
        series=[
            Series(t.gettext(MET), [p.deadlines_met for p in figures], "#55A868"),
            Series(t.gettext(MISSED), [p.deadlines_missed for p in figures], "#C44E52"),
        ],
        empty_text=t.gettext(NOTHING),
    )
    title = t.gettext(TITLE, branch=month.branch_name, month=month.period.label)
    return chart_png(title, [jobs, deadlines])


async def write_month(
    uow: UnitOfWork,
    settings: Settings,
    branch: str,
    period: Period,
    now: datetime,
    t: Translator,
    directory: Path,
) -> list[Path]:
    """Write ``monthly-<branch>-<month>.xlsx`` and ``.png`` into ``directory`` (the command
    line and the demo); returns their paths."""
    month = await branch_month(uow, settings, branch, period, now)
    return write_files(
        directory,
        file_stem(month),
        [(".xlsx", monthly_workbook(month, t)), (".png", monthly_chart(month, t))],
    )
