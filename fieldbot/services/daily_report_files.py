"""The branch daily report as files, in the reader's language: the XLSX workbook (a sheet per
part: the technicians by service type, parts used, cash, the branch's figures, the day's KPIs
against their targets; totals as formulas) and the PNG chart (jobs by type per technician;
deadlines met and missed), made by :mod:`fieldbot.documents` from the figures and translated
labels."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from fieldbot.documents.chart import Panel, Series, chart_png
from fieldbot.documents.files import write_files
from fieldbot.documents.workbook import HOURS, INTEGER, MONEY, PERCENT, Sheet, workbook_bytes
from fieldbot.domain.kpis import Kpi
from fieldbot.domain.reports import SERVICE_TYPES, BranchDay, branch_from_json
from fieldbot.i18n import N_, Translator
from fieldbot.labels import KPI_LABELS
from fieldbot.services.calendars import require_branch
from fieldbot.services.daily_figures import branch_day, day_bounds
from fieldbot.settings import Settings
from fieldbot.store import UnitOfWork

TITLE = N_("Branch daily report {branch} {day}")
SHEET_TECHNICIANS = N_("Technicians")
SHEET_PARTS = N_("Parts used")
SHEET_CASH = N_("Cash")
SHEET_BRANCH = N_("Branch")
CODE = N_("Code")
NAME = N_("Name")
JOBS_OF_TYPE = N_("Type {type} jobs")
HOURS_OF_TYPE = N_("Type {type} hours")
ADMIN_HOURS = N_("Type D (admin) hours")
TOTAL_HOURS = N_("Hours")
TOTAL = N_("Total")
PART = N_("Part")
QUANTITY = N_("Quantity")
TECHNICIAN = N_("Technician")
CASH_COLLECTED = N_("Cash collected")
CASH_HELD = N_("Cash held")
FIGURE = N_("Figure")
VALUE = N_("Value")
JOBS_BY_TYPE = N_("Jobs by service type per technician")
DEADLINES = N_("Deadlines met and missed")
MET = N_("Met")
MISSED = N_("Missed")
NOTHING = N_("Nothing to show")
TYPE_LABEL = N_("Type {type}")

BRANCH_FIGURES = (
    ("registered", N_("Jobs registered")),
    ("closed", N_("Jobs closed")),
    ("open", N_("Jobs open")),
    ("overdue", N_("Jobs overdue")),
    ("carried_over", N_("Jobs carried over")),
    ("escalations", N_("Escalations")),
    ("complaints", N_("Complaints")),
    ("surveys_answered", N_("Surveys answered")),
    ("surveys_outstanding", N_("Surveys outstanding")),
    ("receivables", N_("Receivables (unpaid invoices)")),
    ("deadlines_met", N_("Deadlines met")),
    ("deadlines_missed", N_("Deadlines missed")),
)
SHEET_KPIS = N_("KPIs")
KPI = N_("KPI")
TARGET = N_("Target")
RESULT = N_("Met or missed")
PASSED = N_("Passed")
COUNTED = N_("Counted")
TARGET_MET = N_("target met")
TARGET_MISSED = N_("target missed")
RECEIVABLES_AMOUNT = N_("Receivables amount")
CASH_TO_RECONCILE = N_("Cash to reconcile")


def file_stem(day: BranchDay) -> str:
    return f"daily-{day.branch_code}-{day.day.isoformat()}"


def yuan(fen: int) -> Decimal:
    return Decimal(fen) / 100


def hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(Decimal("0.01"))


def branch_workbook(day: BranchDay, t: Translator) -> bytes:
    jobs_types = SERVICE_TYPES[:3]
    headers = [t.gettext(CODE), t.gettext(NAME)]
    headers += [t.gettext(JOBS_OF_TYPE, type=k) for k in jobs_types]
    headers += [t.gettext(HOURS_OF_TYPE, type=k) for k in jobs_types]
    headers += [t.gettext(ADMIN_HOURS), t.gettext(TOTAL_HOURS)]
    rows = []
    for tech in day.technicians:
        rows.append(
            [tech.code, tech.name]
            + [tech.line(k).jobs for k in jobs_types]
            + [hours(tech.line(k).minutes) for k in jobs_types]
            + [hours(tech.admin_minutes), hours(tech.minutes)]
        )
    numeric = list(range(2, len(headers)))
    technicians = Sheet(
        title=t.gettext(SHEET_TECHNICIANS),
        headers=headers,
        rows=rows,
        formats=[None, None] + [INTEGER] * 3 + [HOURS] * 5,
        totals_label=t.gettext(TOTAL),
        total_columns=numeric,
    )
    parts = Sheet(
        title=t.gettext(SHEET_PARTS),
        headers=[t.gettext(TECHNICIAN), t.gettext(PART), t.gettext(NAME), t.gettext(QUANTITY)],
        rows=[
            [tech.code, p.code, p.name, p.quantity] for tech in day.technicians for p in tech.parts
        ],
        formats=[None, None, None, INTEGER],
        totals_label=t.gettext(TOTAL),
        total_columns=[3],
    )
    cash = Sheet(
        title=t.gettext(SHEET_CASH),
        headers=[
            t.gettext(CODE),
            t.gettext(NAME),
            t.gettext(CASH_COLLECTED),
            t.gettext(CASH_HELD),
        ],
        rows=[
            [tech.code, tech.name, yuan(tech.cash_collected_fen), yuan(tech.cash_held_fen)]
            for tech in day.technicians
        ],
        formats=[None, None, MONEY, MONEY],
        totals_label=t.gettext(TOTAL),
        total_columns=[2, 3],
    )
    figures: list[list[object]] = [
        [t.gettext(label), getattr(day, name)] for name, label in BRANCH_FIGURES
    ]
    branch = Sheet(
        title=t.gettext(SHEET_BRANCH),
        headers=[t.gettext(FIGURE), t.gettext(VALUE)],
        rows=[
            *figures,
            [t.gettext(RECEIVABLES_AMOUNT), yuan(day.receivables_fen)],
            [t.gettext(CASH_TO_RECONCILE), yuan(day.cash_to_reconcile_fen)],
        ],
        formats=[None, INTEGER],
        widths=[30, 14],
        cell_formats={(len(figures), 1): MONEY, (len(figures) + 1, 1): MONEY},
    )
    sheets = [technicians, parts, cash, branch]
    if day.kpis:  # a report filed before the KPIs were in it has none
        sheets.append(kpi_sheet(day.kpis, t))
    return workbook_bytes(sheets)


def kpi_sheet(kpis: Sequence[Kpi], t: Translator) -> Sheet:
    """The KPIs against their targets (the daily and the monthly workbook): value and target
    as shares in percent format, met or missed, and the counts."""
    return Sheet(
        title=t.gettext(SHEET_KPIS),
        headers=[
            t.gettext(KPI),
            t.gettext(VALUE),
            t.gettext(TARGET),
            t.gettext(RESULT),
            t.gettext(PASSED),
            t.gettext(COUNTED),
        ],
        rows=[
            [
                t.gettext(KPI_LABELS[k.name]),
                None if not k.denominator else k.numerator / k.denominator,
                k.target_percent / 100,
                t.gettext(TARGET_MET if k.met else TARGET_MISSED),
                k.numerator,
                k.denominator,
            ]
            for k in kpis
        ],
        formats=[None, PERCENT, PERCENT, None, INTEGER, INTEGER],
        widths=[30, 12, 12, 14, 12, 12],
    )


def branch_chart(day: BranchDay, t: Translator) -> bytes:
    names = [tech.name for tech in day.technicians]
    jobs = Panel(
        title=t.gettext(JOBS_BY_TYPE),
        categories=names,
        series=[
            Series(t.gettext(TYPE_LABEL, type=k), [tech.line(k).jobs for tech in day.technicians])
            for k in SERVICE_TYPES[:3]
        ],
        stacked=True,
        empty_text=t.gettext(NOTHING),
    )
    deadlines = Panel(
        title=t.gettext(DEADLINES),
        categories=names,
        series=[
            Series(t.gettext(MET), [tech.deadlines_met for tech in day.technicians], "#55A868"),
            Series(
                t.gettext(MISSED), [tech.deadlines_missed for tech in day.technicians], "#C44E52"
            ),
        ],
        empty_text=t.gettext(NOTHING),
    )
    title = t.gettext(TITLE, branch=day.branch_name, day=t.date(day.day))
    return chart_png(title, [jobs, deadlines])


async def write_day(
    uow: UnitOfWork,
    settings: Settings,
    branch: str,
    day: date,
    now: datetime,
    t: Translator,
    directory: Path,
) -> list[Path]:
    """Write ``daily-<branch>-<day>.xlsx`` and ``.png`` into ``directory`` (the command line
    and the demo): the figures of the report made at the end of the day (corrections
    included), or computed from the records up to ``now`` when none was made yet."""
    found = await require_branch(uow, branch)
    branch_id = await uow.branches.require_id(branch)
    made = await uow.reports.of_day(day, branch_id, "branch")
    if made:
        technicians = await uow.staff.rows(branch=branch, active_only=False)
        names = {row.id: row.staff.name for row in technicians}
        figures = branch_from_json(made[0].figures).with_names(names)
    else:
        _, end = day_bounds(day, found.timezone or settings.timezone)
        figures = await branch_day(uow, settings, branch, day, min(now, end))
    return write_files(
        directory,
        file_stem(figures),
        [(".xlsx", branch_workbook(figures, t)), (".png", branch_chart(figures, t))],
    )
