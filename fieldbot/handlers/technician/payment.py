"""Payment: cash collected (within the cash limit) or an invoice, whose number the technician
sends; the job closes once it is also signed off (an invoice stays a receivable until the
accountant records it paid).
"""

from __future__ import annotations

from telegram import Message

from fieldbot.domain.permissions import Permission
from fieldbot.domain.text import INVOICE_NUMBER_MAX, invoice_number
from fieldbot.handlers.routes import Route, action, form
from fieldbot.handlers.technician.cards import INVOICE
from fieldbot.handlers.technician.common import FORM_INVOICE, button_job, job_ref
from fieldbot.handlers.turn import Turn
from fieldbot.i18n import N_
from fieldbot.repositories.conversations import Form
from fieldbot.services import settlement
from fieldbot.services.settlement import CashNotAllowed, Payment, amount_due, require_settler
from fieldbot.services.workflow import load_job, money_arg

ASK_INVOICE_NUMBER = N_(
    "Job {number}: send the invoice number (letters, digits and dashes, at most {max}), or /cancel."
)
NOT_AN_INVOICE_NUMBER = N_(
    "That is not an invoice number: use letters, digits and dashes only, at most {max}, "
    "like 12345678 or INV-2026-0042. Nothing was saved; send it again, or /cancel."
)


def routes() -> list[Route]:
    return [
        action("job.cash", cash_pressed, "staff", Permission.WORK_JOBS),
        action("job.invoice", invoice_pressed, "staff", Permission.WORK_JOBS),
        form(FORM_INVOICE, invoice_form, "staff", Permission.WORK_JOBS),
    ]


async def _settled_already(turn: Turn, job_id: int) -> bool:
    if await turn.uow.fieldwork.settlement(job_id) is None:
        return False
    job = await load_job(turn.uow, job_id)
    await turn.reply(N_("Job {number} is settled already."), args={"number": job.number})
    return True


async def cash_pressed(turn: Turn, payload: dict[str, object]) -> None:
    code = turn.code
    s, clock = turn.deps.settings, turn.deps.clock
    job_id = button_job(payload)
    if await _settled_already(turn, job_id):
        return
    try:
        payment = await settlement.record_payment(
            turn.uow, s, clock, job=job_id, actor=code, method="cash"
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
    await turn.reply(
        N_("Job {number}: cash {amount} recorded. You now hold {held} in cash."),
        args={
            "number": (await load_job(turn.uow, job_id)).number,
            "amount": money_arg(payment.settlement.amount_fen),
            "held": money_arg(payment.cash_held_fen),
        },
    )
    await _closed_or_waiting(turn, payment, job_id)


async def invoice_pressed(turn: Turn, payload: dict[str, object]) -> None:
    """Invoice: the number is asked (a form), once the job may be settled by this person."""
    job_id = button_job(payload)
    if await _settled_already(turn, job_id):
        return
    job = await load_job(turn.uow, job_id)
    await require_settler(turn.uow, job, turn.code, "invoice")
    await turn.uow.forms.start(turn.user_id, FORM_INVOICE, "number", job_ref(job), turn.now)
    await turn.reply(ASK_INVOICE_NUMBER, args={"number": job.number, "max": INVOICE_NUMBER_MAX})


async def invoice_form(turn: Turn, form: Form, message: Message) -> None:
    job_id = int(form.data["job_id"])
    number = invoice_number(message.text)
    if number is None:
        turn.refused("not an invoice number", job=job_id)
        await turn.reply(NOT_AN_INVOICE_NUMBER, args={"max": INVOICE_NUMBER_MAX})
        return
    await turn.uow.forms.clear(turn.user_id)
    if await _settled_already(turn, job_id):
        return
    payment = await settlement.record_payment(
        turn.uow,
        turn.deps.settings,
        turn.deps.clock,
        job=job_id,
        actor=turn.code,
        method="invoice",
        invoice_number=number,
    )
    await turn.reply(
        N_("Job {number}: invoice for {amount} recorded, invoice number {invoice}."),
        args={
            "number": (await load_job(turn.uow, job_id)).number,
            "amount": money_arg(payment.settlement.amount_fen),
            "invoice": number,
        },
    )
    await _closed_or_waiting(turn, payment, job_id)


async def _closed_or_waiting(turn: Turn, payment: Payment, job_id: int) -> None:
    number = (await load_job(turn.uow, job_id)).number
    if payment.closed is not None:
        await turn.reply(N_("Job {number} is closed."), args={"number": number})
    else:
        await turn.reply(
            N_("Job {number} closes once the customer has confirmed."), args={"number": number}
        )
