"""/kpi: the KPIs of DESIGN.md §5 with their targets, met or not and numerator/denominator,
for the supervisor's own branch, or (manager, deputy GM) the company or any branch; with a
technician's code, their monthly performance too.

``/kpi [WHO] [WHEN]`` in either order: WHO is ``company``, a branch code (``SH02``) or a
technician's code (``T01``), default the person's branch (the company for staff without one);
WHEN is a month ``2026-09`` or a day ``2026-09-14``, default the current month.
"""

from __future__ import annotations

from typing import Any

from fieldbot.domain.errors import NotAllowed
from fieldbot.domain.kpis import COMPANY, InvalidScope, KpiName, Period, Scope, is_period
from fieldbot.domain.kpis import parse_period as read_period
from fieldbot.domain.permissions import Permission, covers_scope
from fieldbot.handlers.routes import Route, command
from fieldbot.handlers.supervisor.common import branch_code
from fieldbot.handlers.turn import Turn
from fieldbot.i18n import N_
from fieldbot.services import kpis, performance
from fieldbot.services.kpis import kpi_line, percent_arg
from fieldbot.services.surveys import ITEM_NAMES


def routes() -> list[Route]:
    return [command("kpi", kpi_command, "staff", Permission.VIEW_KPIS)]


USAGE = N_(
    "Send /kpi, optionally with who and when: company, a branch (SH01) or a technician (T01), "
    "and a month (2026-09) or a day (2026-09-14), e.g. /kpi SH02 2026-09."
)
HEAD = N_("KPIs of {scope}, {period}:")
COMPANY_SCOPE = N_("the company")
BRANCH_SCOPE = N_("branch {code}")
TECHNICIAN_SCOPE = N_("technician {code}")
SUMMARY = N_("{met} of {total} KPIs met. ✓ met, ✗ missed.")
ITEM_LINE = N_("  {item}: {value} ({numerator}/{denominator})")
PERFORMANCE_HEAD = N_("Performance of {technician}, {period}:")
PERFORMANCE_JOBS = N_("Jobs closed: {jobs} (type A {a}, B {b}, C {c})")
PERFORMANCE_HOURS = N_("Hours worked: {hours}")
PERFORMANCE_DEADLINES = N_("Deadlines met: {met}, missed: {missed}")
PERFORMANCE_RATINGS = N_("Surveys answered: {surveys}; average rating (1–4):")
PERFORMANCE_RATING = N_("  {item}: {average}")
PERFORMANCE_COMPLAINTS = N_("Complaints: {complaints}")
PERFORMANCE_REPEATS = N_("Repeat repairs within {days} days: {repeats} of {repairs} repairs")


def _period_arg(period: Period) -> dict[str, Any] | str:
    if period.kind == "day":
        return {"day": period.first.isoformat(), "fmt": "date"}
    return period.label


def _scope_arg(scope: Scope) -> dict[str, Any]:
    if scope.kind == "company":
        return {"t": COMPANY_SCOPE}
    template = BRANCH_SCOPE if scope.kind == "branch" else TECHNICIAN_SCOPE
    return {"t": template, "args": {"code": scope.code}}


def report_lines(report: kpis.KpiReport) -> list[dict[str, Any]]:
    """The KPIs as chat lines: each with its mark, value, target and count; satisfaction per
    survey item under it."""
    lines: list[dict[str, Any]] = [
        {
            "t": HEAD,
            "args": {"scope": _scope_arg(report.scope), "period": _period_arg(report.period)},
        }
    ]
    for kpi in report.kpis:
        lines.append(kpi_line(kpi))
        if kpi.name is KpiName.SATISFACTION and kpi.denominator:
            for item, ratio in report.satisfaction_items.items():
                value = None if not ratio.denominator else 100 * ratio.numerator / ratio.denominator
                lines.append(
                    {
                        "t": ITEM_LINE,
                        "args": {
                            "item": {"t": ITEM_NAMES[item]},
                            "value": percent_arg(None if value is None else round(value, 1)),
                            "numerator": ratio.numerator,
                            "denominator": ratio.denominator,
                        },
                    }
                )
    met = sum(1 for k in report.kpis if k.met)
    lines.append({"t": SUMMARY, "args": {"met": met, "total": len(report.kpis)}})
    return lines


def performance_lines(found: performance.Performance, days: int) -> list[dict[str, Any]]:
    by_type = found.jobs_by_type
    lines: list[dict[str, Any]] = [
        {
            "t": PERFORMANCE_HEAD,
            "args": {"technician": found.technician, "period": _period_arg(found.period)},
        },
        {
            "t": PERFORMANCE_JOBS,
            "args": {
                "jobs": found.jobs,
                "a": by_type.get("A", 0),
                "b": by_type.get("B", 0),
                "c": by_type.get("C", 0),
            },
        },
        {"t": PERFORMANCE_HOURS, "args": {"hours": f"{found.hours:.1f}"}},
        {
            "t": PERFORMANCE_DEADLINES,
            "args": {"met": found.deadlines_met, "missed": found.deadlines_missed},
        },
        {"t": PERFORMANCE_RATINGS, "args": {"surveys": found.surveys}},
    ]
    for item, average in found.average_rating.items():
        lines.append(
            {
                "t": PERFORMANCE_RATING,
                "args": {
                    "item": {"t": ITEM_NAMES[item]},
                    "average": "—" if average is None else f"{average:.2f}",
                },
            }
        )
    lines.append({"t": PERFORMANCE_COMPLAINTS, "args": {"complaints": found.complaints}})
    lines.append(
        {
            "t": PERFORMANCE_REPEATS,
            "args": {"days": days, "repeats": found.repeat_repairs, "repairs": found.repairs},
        }
    )
    return lines


async def _parse(turn: Turn, args: str) -> tuple[Scope | None, Period | None]:
    scope: Scope | None = None
    period: Period | None = None
    words = args.split()
    if len(words) > 2:
        raise InvalidScope("too many words", expected="SH01 / T01")
    for word in words:
        if period is None and (is_period(word) or word[:1].isdigit()):
            period = read_period(word)
        elif scope is None:
            scope = await kpis.scope_named(turn.uow, word)
        else:
            raise InvalidScope("two scopes", expected="SH01 / T01")
    return scope, period


async def kpi_command(turn: Turn, args: str) -> None:
    """``/kpi [WHO] [WHEN]``: the KPIs; a technician's also shows their month's performance."""
    if args.strip().lower() in {"help", "?", "帮助"}:
        await turn.reply(USAGE)
        return
    scope, period = await _parse(turn, args)
    if scope is None:
        own = await branch_code(turn)
        scope = COMPANY if own is None else Scope("branch", own)
    settings = turn.deps.settings
    resolved = await kpis.resolve_scope(turn.uow, settings, scope)
    if not covers_scope(turn.person.branch_id, resolved.branch_id):
        raise NotAllowed(
            f"{turn.person.code} may not read the KPIs of {scope.label}",
            permission=Permission.VIEW_KPIS.value,
        )
    report = await kpis.compute(turn.uow, settings, now=turn.now, scope=scope, period=period)
    lines = report_lines(report)
    if scope.kind == "technician" and scope.code is not None and report.period.kind == "month":
        found = await performance.monthly_performance(
            turn.uow, settings, technician=scope.code, now=turn.now, period=report.period
        )
        lines.extend(performance_lines(found, settings.repeat_repair_days))
    await turn.reply("@lines", extra={"lines": lines})
