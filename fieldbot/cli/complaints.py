"""``fieldbot complaints``: the complaint register (DESIGN.md §5, §8), with state and clocks."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer

from fieldbot.cli.common import open_store, refuse, run, settings
from fieldbot.domain.errors import DomainError
from fieldbot.repositories.clocks import ClockRow
from fieldbot.services.complaints import ComplaintSummary, register_summaries


def register(app: typer.Typer) -> None:
    complaints = typer.Typer(help="Complaints: the register.", no_args_is_help=True)
    app.add_typer(complaints, name="complaints")

    @complaints.command("list")
    def list_(
        branch: Annotated[str | None, typer.Option("--branch", help="a branch code")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="the register as JSON")] = False,
    ) -> None:
        """The register in the order filed: number, customer, job, state, class and clocks."""
        config = settings()

        async def go() -> list[ComplaintSummary]:
            async with open_store(config) as store, store.unit_of_work(readonly=True) as uow:
                return await register_summaries(uow, branch)

        try:
            found = run(go)
        except DomainError as exc:
            refuse(str(exc))
        tz = ZoneInfo(config.timezone)
        if as_json:
            print(json.dumps([summary_json(s, tz) for s in found], ensure_ascii=False))
            return
        if not found:
            print("no complaints")
            return
        print("\n".join(summary_line(s, tz) for s in found))


def _local(instant: datetime | None, tz: ZoneInfo) -> str | None:
    return None if instant is None else instant.astimezone(tz).isoformat(timespec="minutes")


def clock_json(clock: ClockRow, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "clock": clock.clock,
        "state": clock.state,
        "due_at": _local(clock.due_at, tz),
        "met": clock.met,
    }


def summary_json(summary: ComplaintSummary, tz: ZoneInfo) -> dict[str, Any]:
    c = summary.complaint
    return {
        "number": c.number,
        "filed_at": _local(c.filed_at, tz),
        "branch": summary.branch,
        "customer": summary.customer,
        "job": summary.job,
        "source": c.source,
        "state": c.state,
        "severity": c.severity,
        "cause": c.cause,
        "contact": None
        if c.contact_kind is None
        else {"kind": c.contact_kind, "at": _local(c.contact_at, tz)},
        "result_at": _local(c.result_at, tz),
        "resolved_at": _local(c.resolved_at, tz),
        "reopened": c.reopened,
        "clocks": [clock_json(clock, tz) for clock in summary.clocks],
    }


def _clock_text(clock: ClockRow, tz: ZoneInfo) -> str:
    if clock.state == "stopped":
        return f"{clock.clock} {'met' if clock.met else 'missed'}"
    return f"{clock.clock} due {_local(clock.due_at, tz)}"


def summary_line(summary: ComplaintSummary, tz: ZoneInfo) -> str:
    c = summary.complaint
    parts = [
        c.number,
        _local(c.filed_at, tz) or "",
        summary.branch,
        summary.customer,
        summary.job or "-",
        c.state,
        c.severity or "unclassified",
        c.cause or "-",
        *(_clock_text(clock, tz) for clock in summary.clocks),
    ]
    return "  ".join(parts)
