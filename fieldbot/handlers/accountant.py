"""The accountant's chat (DESIGN.md §3 "Invoices and receivables"): /receivables lists the
unpaid invoices, oldest first, paged (/receivables 2), each with its Paid button; supervisors
and managers see their branch's (every branch's without one) without the buttons: the
accountant records payments.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fieldbot.domain.permissions import Permission, may
from fieldbot.handlers.cards import Card, Keyboard, lines_card
from fieldbot.handlers.routes import Route, action, command
from fieldbot.handlers.supervisor.common import branch_code
from fieldbot.handlers.turn import ButtonSpec, Turn
from fieldbot.i18n import DATE, N_
from fieldbot.services import calls, receivables
from fieldbot.services.calendars import require_branch
from fieldbot.services.calls import NoSuchPage
from fieldbot.services.receivables import AlreadyPaid, Unpaid, UnpaidPage
from fieldbot.services.workflow import customer_arg, dt_arg, money_arg, staff_arg, when_arg

PAID = N_("Paid")
HEADER = N_(
    "Unpaid invoices: {total}, {amount} in all, the oldest first; overdue after {days} days — "
    "page {page} of {pages}."
)
LINE = N_("{number} · {customer} · {amount} · invoice {invoice} · issued {issued} · {days} d open")
OVERDUE_LINE = N_(
    "{number} · {customer} · {amount} · invoice {invoice} · issued {issued} · {days} d open · "
    "OVERDUE"
)
NO_SUCH_PAGE = N_(
    "There is no such page: /receivables 2 shows the second page. Nothing was changed."
)


def routes() -> list[Route]:
    return [
        command("receivables", receivables_command, "staff", Permission.VIEW_REPORTS),
        action("rcv.show", invoice_pressed, "staff", Permission.RECORD_PAYMENT),
        action("rcv.paid", paid_pressed, "staff", Permission.RECORD_PAYMENT),
    ]


async def _timezone(turn: Turn, branch: str | None) -> str:
    if branch is None:
        return turn.deps.settings.timezone
    return (await require_branch(turn.uow, branch)).timezone or turn.deps.settings.timezone


def _line(invoice: Unpaid, tz: str) -> dict[str, Any]:
    return {
        "t": OVERDUE_LINE if invoice.overdue else LINE,
        "args": {
            "number": invoice.job_number,
            "customer": customer_arg(invoice.customer_id),
            "amount": money_arg(invoice.amount_fen),
            "invoice": invoice.invoice_number or "-",
            "issued": dt_arg(invoice.issued_at, tz, DATE),
            "days": invoice.days_open,
        },
    }


def _paid_row(invoice: Unpaid) -> list[ButtonSpec]:
    payload = {"settlement_id": invoice.settlement_id}
    return [(invoice.job_number, "rcv.show", payload), (PAID, "rcv.paid", payload)]


def receivables_page(found: UnpaidPage, days: int, tz: str, record: bool) -> Card:
    """A page of the unpaid invoices; with ``record``, a row per invoice: its job number (the
    invoice alone) and Paid."""
    lines: list[dict[str, Any]] = [
        {
            "t": HEADER,
            "args": {
                "total": found.total,
                "amount": money_arg(found.total_fen),
                "days": days,
                "page": found.page,
                "pages": found.pages,
            },
        }
    ]
    lines.extend(_line(invoice, tz) for invoice in found.invoices)
    if found.next_page is not None:
        command = f"/receivables {found.next_page}"
        lines.append({"t": N_("Next page: {command}"), "args": {"command": command}})
    if not record:
        lines.append({"t": N_("The accountant records the payments.")})
    buttons: Keyboard = [_paid_row(invoice) for invoice in found.invoices] if record else []
    return lines_card(lines, buttons)


async def receivables_command(turn: Turn, args: str) -> None:
    """The unpaid invoices of the person's branch (every branch for staff without one)."""
    s = turn.deps.settings
    branch = await branch_code(turn)
    try:
        page = calls.page_number(args)
        found = await receivables.unpaid_page(turn.uow, s, turn.now, branch, page)
    except NoSuchPage:
        turn.refused("no such page", page=args[:20])
        await turn.reply(NO_SUCH_PAGE)
        return
    if not found.total:
        await turn.reply(N_("There are no unpaid invoices."))
        return
    record = may(turn.person.roles, Permission.RECORD_PAYMENT)
    tz = await _timezone(turn, branch)
    await turn.show(receivables_page(found, s.receivable_days, tz, record))


async def invoice_pressed(turn: Turn, payload: dict[str, object]) -> None:
    """One unpaid invoice, with its Paid button."""
    settlement_id = int(str(payload["settlement_id"]))
    branch = await branch_code(turn)
    found = [
        invoice
        for invoice in await receivables.unpaid(turn.uow, turn.deps.settings, turn.now, branch)
        if invoice.settlement_id == settlement_id
    ]
    if not found:
        await turn.reply(N_("That invoice is not unpaid any more. Nothing was changed."))
        return
    tz = await _timezone(turn, branch)
    await turn.show(lines_card([_line(found[0], tz)], [_paid_row(found[0])[1:]]))


async def paid_pressed(turn: Turn, payload: dict[str, object]) -> None:
    """Paid: the invoice is recorded paid, once; a stale or repeated press changes nothing."""
    s, clock = turn.deps.settings, turn.deps.clock
    try:
        paid = await receivables.record_paid(
            turn.uow, s, clock, settlement_id=int(str(payload["settlement_id"])), actor=turn.code
        )
    except AlreadyPaid as exc:
        turn.refused("invoice paid already", job=exc.params.get("job"))
        by, at = exc.params.get("paid_by"), exc.params.get("paid_at")
        await turn.reply(
            N_(
                "The invoice of job {number} was recorded paid already, by {name} on {at}. "
                "Nothing was changed."
            ),
            args={
                "number": exc.params.get("job"),
                "name": staff_arg(int(str(by))) if by is not None else "-",
                "at": when_arg(at, s.timezone) if isinstance(at, datetime) else "-",
            },
        )
        return
    settled = paid.settlement
    await turn.reply(
        N_("Job {number}: invoice {invoice} for {amount} is recorded paid."),
        args={
            "number": paid.job_number,
            "invoice": settled.invoice_number or "-",
            "amount": money_arg(settled.amount_fen),
        },
    )
