"""``fieldbot receivables list``: the unpaid invoices, oldest first (DESIGN.md §8)."""

from __future__ import annotations

import json
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer

from fieldbot.cli.common import clock_for, open_store, refuse, run, settings
from fieldbot.domain.errors import DomainError
from fieldbot.domain.money import Money, format_money
from fieldbot.i18n import local_text
from fieldbot.services.receivables import Unpaid


def register(app: typer.Typer) -> None:
    receivables = typer.Typer(help="Receivables: invoices not yet paid.", no_args_is_help=True)
    app.add_typer(receivables, name="receivables")

    @receivables.command("list")
    def list_(
        branch: Annotated[str | None, typer.Option("--branch", help="a branch code")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="a list of invoices as JSON")] = False,
    ) -> None:
        """The invoices not yet recorded paid, the oldest first, overdue ones marked."""
        from fieldbot.services.receivables import unpaid

        config = settings()
        now = clock_for(config).now()

        async def go() -> list[Unpaid]:
            async with open_store(config) as store, store.unit_of_work(readonly=True) as uow:
                return await unpaid(uow, config, now, branch)

        found = _refused_or(go)
        tz = ZoneInfo(config.timezone)
        if as_json:
            print(json.dumps([unpaid_json(u, tz) for u in found], ensure_ascii=False))
            return
        if not found:
            print("no unpaid invoices")
            return
        print("\n".join(unpaid_lines(found, tz)))


def _refused_or(go: Any) -> list[Unpaid]:
    """Domain refusals (an unknown branch) exit 1 with their reason."""
    try:
        found: list[Unpaid] = run(go)
    except DomainError as exc:
        refuse(str(exc))
    return found


def unpaid_json(invoice: Unpaid, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "job": invoice.job_number,
        "branch": invoice.branch,
        "customer": invoice.customer,
        "amount_fen": invoice.amount_fen,
        "invoice_number": invoice.invoice_number,
        "issued_at": invoice.issued_at.astimezone(tz).isoformat(),
        "due_at": invoice.due_at.astimezone(tz).isoformat(),
        "days_open": invoice.days_open,
        "overdue": invoice.overdue,
    }


def unpaid_lines(found: list[Unpaid], tz: ZoneInfo) -> list[str]:
    lines = [
        f"{'job':<14} {'branch':<6} {'customer':<8} {'amount':>12} {'invoice':<20} "
        f"{'issued':<16} {'days':>4} overdue"
    ]
    for u in found:
        amount = format_money(Money(u.amount_fen))
        lines.append(
            f"{u.job_number:<14} {u.branch:<6} {u.customer:<8} {amount:>12} "
            f"{u.invoice_number or '-':<20} {local_text(u.issued_at, tz):<16} {u.days_open:>4} "
            f"{'OVERDUE' if u.overdue else '-'}"
        )
    return lines
