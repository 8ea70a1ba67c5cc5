"""``fieldbot report daily``, ``report monthly`` and ``report list`` (DESIGN.md §8): the branch
daily report's workbook and chart written to a directory, with the figures the chat got (the
report as made at the end of the day, corrections included; computed from the records when
none was made yet); a branch's monthly performance workbook and chart (the technicians'
performance and the KPIs); and the branch reports filed, with their approval."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from fieldbot.cli.common import clock_for, open_store, refuse, run, settings
from fieldbot.domain.errors import DomainError
from fieldbot.domain.kpis import InvalidPeriod, Period, parse_period


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        refuse(f"--date: expected YYYY-MM-DD, got {text[:20]!r}")


def _month(text: str) -> Period:
    try:
        found = parse_period(text)
    except InvalidPeriod:
        found = None
    if found is None or found.kind != "month":
        refuse(f"--month: expected YYYY-MM, got {text[:20]!r}")
    return found


def register(app: typer.Typer) -> None:
    report = typer.Typer(
        help="Daily and monthly reports: files and the reports filed.", no_args_is_help=True
    )
    app.add_typer(report, name="report")

    @report.command("daily")
    def daily(
        day: Annotated[str, typer.Option("--date", help="YYYY-MM-DD")],
        branch: Annotated[str | None, typer.Option("--branch", help="a branch code")] = None,
        out: Annotated[Path, typer.Option("--out", help="the directory to write to")] = Path(),
    ) -> None:
        """Write daily-<branch>-<date>.xlsx and .png (every branch without --branch)."""
        from fieldbot.i18n import Catalogs
        from fieldbot.services.daily_report_files import write_day

        config = settings()
        now = clock_for(config).now()
        wanted = _day(day)
        t = Catalogs.load().translator(config.language)

        async def go() -> list[Path]:
            written: list[Path] = []
            async with open_store(config) as store, store.unit_of_work(readonly=True) as uow:
                codes = [branch] if branch else sorted(await uow.branches.keys())
                for code in codes:
                    written += await write_day(uow, config, code, wanted, now, t, out)
            return written

        try:
            paths = run(go)
        except DomainError as exc:
            refuse(str(exc))
        print("\n".join(str(p) for p in paths))

    @report.command("monthly")
    def monthly(
        month: Annotated[str, typer.Option("--month", help="YYYY-MM")],
        branch: Annotated[str | None, typer.Option("--branch", help="a branch code")] = None,
        out: Annotated[Path, typer.Option("--out", help="the directory to write to")] = Path(),
    ) -> None:
        """Write monthly-<branch>-<month>.xlsx and .png (every branch without --branch)."""
        from fieldbot.i18n import Catalogs
        from fieldbot.services.monthly_report import write_month

        config = settings()
        now = clock_for(config).now()
        wanted = _month(month)
        t = Catalogs.load().translator(config.language)

        async def go() -> list[Path]:
            written: list[Path] = []
            async with open_store(config) as store, store.unit_of_work(readonly=True) as uow:
                codes = [branch] if branch else sorted(await uow.branches.keys())
                for code in codes:
                    written += await write_month(uow, config, code, wanted, now, t, out)
            return written

        try:
            paths = run(go)
        except DomainError as exc:
            refuse(str(exc))
        print("\n".join(str(p) for p in paths))

    @report.command("list")
    def list_(
        as_json: Annotated[bool, typer.Option("--json", help="a list of reports as JSON")] = False,
    ) -> None:
        """The branch daily reports, the newest first, with their approval."""
        from fieldbot.services.daily_reports import Filed, branch_reports

        config = settings()

        async def go() -> tuple[list[Filed], dict[int, str]]:
            async with open_store(config) as store, store.unit_of_work(readonly=True) as uow:
                found = await branch_reports(uow)
                names = {}
                for filed in found:
                    by = filed.report.decided_by
                    if by is not None and by not in names:
                        row = await uow.staff.row_by_id(by)
                        names[by] = row.staff.code if row is not None else "?"
                return found, names

        found, names = run(go)
        rows = [_json(f, names) for f in found]
        if as_json:
            print(json.dumps(rows, ensure_ascii=False))
            return
        if not rows:
            print("no daily reports")
            return
        print(f"{'date':<10} {'branch':<6} {'jobs':>4} {'hours':>6} {'state':<9} by")
        for r in rows:
            print(
                f"{r['date']:<10} {r['branch']:<6} {r['jobs']:>4} {r['hours']:>6} "
                f"{r['state']:<9} {r['decided_by'] or '-'}"
            )


def _json(filed: Any, names: dict[int, str]) -> dict[str, Any]:
    report = filed.report
    decided: datetime | None = report.decided_at
    return {
        "date": report.day.isoformat(),
        "branch": filed.branch,
        "state": report.state,
        "approved": report.state == "approved",
        "decided_by": names.get(report.decided_by) if report.decided_by is not None else None,
        "decided_at": decided.isoformat() if decided is not None else None,
        "comment": report.reason,
        "jobs": filed.figures.jobs,
        "hours": f"{filed.figures.minutes / 60:.2f}",
        "registered": filed.figures.registered,
        "closed": filed.figures.closed,
    }
