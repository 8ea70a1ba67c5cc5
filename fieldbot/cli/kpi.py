"""``fieldbot kpi``: the KPIs of DESIGN.md §5 with targets and whether met (§8)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from fieldbot.cli.common import clock_for, open_store, refuse, run, settings
from fieldbot.domain.errors import DomainError
from fieldbot.domain.kpis import COMPANY, InvalidPeriod, Kpi, Period, Scope, parse_period
from fieldbot.services.kpis import KpiReport, compute, kpi_json


def _period(month: str | None, day: str | None) -> Period | None:
    if month is not None and day is not None:
        raise typer.BadParameter("give --month or --date, not both")
    text = month if month is not None else day
    if text is None:
        return None
    try:
        found = parse_period(text)
    except InvalidPeriod:
        raise typer.BadParameter(
            "--month reads YYYY-MM" if month is not None else "--date reads YYYY-MM-DD"
        ) from None
    if found.kind != ("month" if month is not None else "day"):
        raise typer.BadParameter(
            "--month reads YYYY-MM" if month is not None else "--date reads YYYY-MM-DD"
        )
    return found


def _scope(branch: str | None, technician: str | None) -> Scope:
    if branch is not None and technician is not None:
        raise typer.BadParameter("give --branch or --technician, not both")
    if branch is not None:
        return Scope("branch", branch.strip().upper())
    if technician is not None:
        return Scope("technician", technician.strip().upper())
    return COMPANY


def _value(kpi: Kpi) -> str:
    return "-" if kpi.value_percent is None else f"{kpi.value_percent:.1f} %"


def table(report: KpiReport) -> str:
    """One line per KPI: name, value, target, met, numerator/denominator."""
    lines = [f"KPIs {report.period.label} {report.scope.label} ({report.timezone})"]
    width = max(len(k.name.value) for k in report.kpis)
    for k in report.kpis:
        lines.append(
            f"{k.name.value:<{width}}  {_value(k):>8}  target {k.target_percent:>3} %  "
            f"{'met' if k.met else 'MISSED':<6}  {k.numerator}/{k.denominator}"
        )
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    @app.command("kpi")
    def kpi(
        month: Annotated[str | None, typer.Option("--month", help="YYYY-MM")] = None,
        date: Annotated[str | None, typer.Option("--date", help="YYYY-MM-DD")] = None,
        branch: Annotated[str | None, typer.Option("--branch", help="a branch code")] = None,
        technician: Annotated[
            str | None, typer.Option("--technician", help="a technician's staff code")
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="the KPIs as JSON")] = False,
    ) -> None:
        """The KPIs of a month or a day (default: the current month of the configured clock),
        for the company, a branch or a technician: value, target, met, numerator/denominator."""
        period = _period(month, date)
        scope = _scope(branch, technician)
        config = settings()

        async def go() -> KpiReport:
            now = clock_for(config).now()
            async with open_store(config) as store, store.unit_of_work(readonly=True) as uow:
                return await compute(uow, config, now=now, scope=scope, period=period)

        try:
            report = run(go)
        except DomainError as exc:
            refuse(str(exc))
        if as_json:
            print(json.dumps(kpi_json(report), ensure_ascii=False))
            return
        print(table(report))
