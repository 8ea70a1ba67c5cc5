"""Payment: cash collected (within the cash limit) or an invoice; the job closes once it is
also signed off.
"""

from __future__ import annotations

from fieldbot.domain.permissions import Permission
from fieldbot.handlers.routes import Route, action
from fieldbot.handlers.technician.common import button_job, job_ref
from fieldbot.handlers.turn import Turn
from fieldbot.i18n import N_
from fieldbot.services import settlement
from fieldbot.services.settlement import CashNotAllowed, amount_due
from fieldbot.services.workflow import INVOICE, load_job, money_arg


def routes() -> list[Route]:
    return [
        action("job.cash", cash_pressed, "staff", Permission.WORK_JOBS),
        action("job.invoice", invoice_pressed, "staff", Permission.WORK_JOBS),
    ]


async def _pay(turn: Turn, payload: dict[str, object], method: str) -> None:
    code = turn.code
    s, clock = turn.deps.settings, turn.deps.clock
    job_id = button_job(payload)
    if await turn.uow.fieldwork.settlement(job_id) is not None:
        job = await load_job(turn.uow, job_id)
        await turn.reply(N_("Job {number} is settled already."), args={"number": job.number})
        return
    try:
        payment = await settlement.record_payment(
            turn.uow,
            s,
            clock,
            job=job_id,
            actor=code,
            method="cash" if method == "cash" else "invoice",
        )
    except CashNotAllowed:
        job = await load_job(turn.uow, job_id)
        await turn.reply(
            N_("Job {number}: {due} is above the cash limit of {limit}. Issue an invoice."),
            args={
                "number": job.number,
                "due": money_arg(await amount_due(turn.uow, job)),
                "limit": money_arg(s.cash_limit_fen),
            },
            buttons=[[(INVOICE, "job.invoice", job_ref(job))]],
        )
        return
    job = await load_job(turn.uow, job_id)
    if method == "cash":
        await turn.reply(
            N_("Job {number}: cash {amount} recorded. You now hold {held} in cash."),
            args={
                "number": job.number,
                "amount": money_arg(payment.settlement.amount_fen),
                "held": money_arg(payment.cash_held_fen),
            },
        )
    else:
        await turn.reply(
            N_("Job {number}: invoice for {amount} recorded."),
            args={"number": job.number, "amount": money_arg(payment.settlement.amount_fen)},
        )
    if payment.closed is not None:
        await turn.reply(N_("Job {number} is closed."), args={"number": job.number})
    else:
        await turn.reply(
            N_("Job {number} closes once the customer has confirmed."),
            args={"number": job.number},
        )


async def cash_pressed(turn: Turn, payload: dict[str, object]) -> None:
    await _pay(turn, payload, "cash")


async def invoice_pressed(turn: Turn, payload: dict[str, object]) -> None:
    await _pay(turn, payload, "invoice")
