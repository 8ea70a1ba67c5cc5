"""The KPIs of a period and a scope (DESIGN.md §5 "How the numbers are defined", §8 ``fieldbot
kpi``), computed from what the store records — the chat's /kpi, the command line and the
monthly report read them here.

- resolution rate: jobs whose resolution clock stopped in the period (cancelled excluded),
  met ÷ all;
- satisfaction: item answers rated 4 or 3 ÷ all item answers of surveys answered in the
  period (also per item);
- survey coverage: jobs closed in the period with their survey answered ÷ jobs closed;
- consultations answered: consultations whose assign clock stopped in the period (cancelled
  excluded), answered within it (assign met, or the first reply to their own request met);
- complaints replied to: complaints whose reply clock stopped in the period, met ÷ all;
- installations passing: installations closed in the period, signed off without a dispute;
- repairs passing: repairs closed in the period whose ``FIELDBOT_REPEAT_REPAIR_DAYS`` window
  has passed, with no new repair job on the same unit within it;
- customer files complete: the active customers — those with a job closed in the period in
  the scope — whose file has name, phone, address, location and a unit;
- visits made / on time: see :func:`fieldbot.domain.kpis.visits` (the arrival and on-time
  clocks, so planned maintenance jobs count like any booked visit).

The period is read in the scope's timezone: the branch's (a technician's branch), else
``FIELDBOT_TIMEZONE``. A job belongs to its branch and its current technician; a closed job is
its survey (one per closed job, sent in the close's transaction, so ``surveys.sent_at`` is the
close). A KPI with nothing to count has no value and is met (:mod:`fieldbot.domain.kpis`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fieldbot.domain.feedback import ITEMS
from fieldbot.domain.kpis import (
    COMPANY,
    InvalidScope,
    Kpi,
    KpiName,
    Period,
    Ratio,
    Scope,
    judged,
    kpis,
    month_of,
    repeated,
    targets,
    visits,
)
from fieldbot.domain.model import Role
from fieldbot.i18n import N_
from fieldbot.labels import KPI_LABELS
from fieldbot.repositories.kpis import Ratings, Where
from fieldbot.services.calendars import require_branch
from fieldbot.services.deadlines.feedback_clocks import COMPLAINT_REPLY
from fieldbot.services.workflow import UnknownStaff
from fieldbot.settings import Settings
from fieldbot.store import UnitOfWork

LINE = N_("{mark} {name}: {value} (target {target} %, {numerator}/{denominator})")
NO_VALUE = N_("none counted")
MET, MISSED = "✓", "✗"


@dataclass(frozen=True, slots=True)
class ScopeFilter:
    """A scope resolved against the store: its ids and the timezone its periods are read in."""

    scope: Scope
    branch_id: int | None
    technician_id: int | None
    timezone: str

    def where(self, period: Period) -> Where:
        since, until = period.bounds(ZoneInfo(self.timezone))
        return Where(since, until, self.branch_id, self.technician_id)


@dataclass(frozen=True, slots=True)
class KpiReport:
    period: Period
    scope: Scope
    timezone: str
    kpis: list[Kpi]
    satisfaction_items: dict[str, Ratio]  # per survey item: rated 4 or 3 ÷ answers

    def get(self, name: KpiName) -> Kpi:
        return next(k for k in self.kpis if k.name is name)


async def resolve_scope(uow: UnitOfWork, settings: Settings, scope: Scope) -> ScopeFilter:
    """The scope's branch or technician; :class:`UnknownBranch` / :class:`UnknownStaff`."""
    if scope.kind == "company" or scope.code is None:
        return ScopeFilter(scope, None, None, settings.timezone)
    if scope.kind == "branch":
        branch = await require_branch(uow, scope.code)
        branch_id = await uow.branches.require_id(scope.code)
        return ScopeFilter(scope, branch_id, None, branch.timezone or settings.timezone)
    row = await uow.staff.row(scope.code)
    if row is None or Role.TECHNICIAN not in row.staff.roles:
        raise UnknownStaff(f"no technician {scope.code!r}", staff=scope.code)
    timezone = settings.timezone
    if row.branch_id is not None:
        branch = (await uow.branches.stored_by_ids([row.branch_id]))[row.branch_id]
        timezone = branch.timezone or timezone
    return ScopeFilter(scope, row.branch_id, row.id, timezone)


async def scope_named(uow: UnitOfWork, code: str) -> Scope:
    """``company``, a branch code or a technician's staff code, as a scope."""
    word = code.strip()
    if word.lower() in {"company", "all", "公司", "全公司"}:
        return COMPANY
    upper = word.upper()
    if await uow.branches.id_of(upper) is not None:
        return Scope("branch", upper)
    row = await uow.staff.row(upper)
    if row is not None and Role.TECHNICIAN in row.staff.roles:
        return Scope("technician", upper)
    raise InvalidScope(f"no branch or technician {word!r}", expected="SH01 / T01")


def current_month(now: datetime, timezone: str) -> Period:
    return month_of(now, ZoneInfo(timezone))


def satisfaction_of(found: Ratings) -> tuple[Ratio, dict[str, Ratio]]:
    """All item answers rated 4 or 3 ÷ all item answers, and the same per item."""
    per_item = {item: Ratio(found.satisfied[item], found.surveys) for item in ITEMS}
    total = Ratio()
    for ratio in per_item.values():
        total = total + ratio
    return total, per_item


async def repairs_passing(
    uow: UnitOfWork, settings: Settings, where: Where, now: datetime
) -> Ratio:
    """Repairs closed in the period and judged (their repeat window has passed): those with
    no new repair job on the same unit within the window ÷ all."""
    days = settings.repeat_repair_days
    closed = [r for r in await uow.kpis.closed_repairs(where) if judged(r, now, days)]
    if not closed:
        return Ratio()
    units = [r.equipment_id for r in closed if r.equipment_id is not None]
    later = await uow.kpis.repairs_called(
        units, where.since, max(r.closed_at for r in closed) + timedelta(days=days)
    )
    failed = repeated(closed, later, days)
    return Ratio(len(closed) - len(failed), len(closed))


async def compute(
    uow: UnitOfWork,
    settings: Settings,
    *,
    now: datetime,
    scope: Scope = COMPANY,
    period: Period | None = None,
) -> KpiReport:
    """Every KPI of ``scope`` for ``period`` (default: the current month of the scope's
    timezone), with its target and whether it is met."""
    found = await resolve_scope(uow, settings, scope)
    chosen = period or current_month(now, found.timezone)
    where = found.where(chosen)
    satisfaction, per_item = satisfaction_of(await uow.kpis.ratings(where))
    coverage = await uow.surveys.coverage(
        found.branch_id, where.since, where.until, technician_id=found.technician_id
    )
    made, on_time = visits(await uow.kpis.visit_clocks(where, now), where.since, where.until, now)
    ratios = {
        KpiName.RESOLUTION_RATE: await uow.kpis.job_clock_met("resolution", where),
        KpiName.SATISFACTION: satisfaction,
        KpiName.SURVEY_COVERAGE: Ratio(coverage.answered, coverage.sent),
        KpiName.CONSULTATIONS_ANSWERED: await uow.kpis.consultations_answered(where),
        KpiName.COMPLAINTS_REPLIED: await uow.kpis.complaints_replied(where, COMPLAINT_REPLY),
        KpiName.INSTALLATIONS_PASSING: await uow.kpis.installations_passing(where),
        KpiName.REPAIRS_PASSING: await repairs_passing(uow, settings, where, now),
        KpiName.CUSTOMER_FILES_COMPLETE: await uow.kpis.customer_files(where),
        KpiName.VISITS_MADE: made,
        KpiName.VISITS_ON_TIME: on_time,
    }
    goals = targets(settings.target_resolution_percent, settings.target_satisfaction_percent)
    return KpiReport(chosen, scope, found.timezone, kpis(ratios, goals), per_item)


def kpi_json(report: KpiReport) -> dict[str, object]:
    """DESIGN.md §8: ``{"period", "scope", "kpis": [{"name", "value_percent",
    "target_percent", "met", "numerator", "denominator"}]}``."""
    return {
        "period": report.period.label,
        "scope": report.scope.label,
        "kpis": [
            {
                "name": k.name.value,
                "value_percent": k.value_percent,
                "target_percent": k.target_percent,
                "met": k.met,
                "numerator": k.numerator,
                "denominator": k.denominator,
            }
            for k in report.kpis
        ],
    }


def percent_arg(value: float | None) -> dict[str, Any] | str:
    """A percentage as a text argument of a message; "none counted" for no value."""
    return {"t": NO_VALUE} if value is None else f"{value:.1f} %"


def kpi_line(kpi: Kpi) -> dict[str, Any]:
    """A KPI as a chat line (``{"t", "args"}``): met or missed, value, target, count — /kpi
    and the branch daily report."""
    return {
        "t": LINE,
        "args": {
            "mark": MET if kpi.met else MISSED,
            "name": {"t": KPI_LABELS[kpi.name]},
            "value": percent_arg(kpi.value_percent),
            "target": kpi.target_percent,
            "numerator": kpi.numerator,
            "denominator": kpi.denominator,
        },
    }
