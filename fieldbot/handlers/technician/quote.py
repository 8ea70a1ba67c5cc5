"""The quote as the technician sees it (DESIGN.md §3 Second pass): on site, Send quote asks the
estimate in four short steps — labour, parts (one amount: what the parts will cost), and the
call-out fees (travel, other) due whatever the answer — shows it, and sends it to the customer.
A customer without Telegram signs the paper quote: the technician sends its photo with the
answer (Signed quote: accepted / declined).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Literal

from telegram import Message

from fieldbot.domain.model import JobState
from fieldbot.domain.money import parse_money
from fieldbot.domain.permissions import Permission
from fieldbot.domain.states import Action
from fieldbot.handlers.cards import lines_card
from fieldbot.handlers.routes import Route, action, form
from fieldbot.handlers.technician.cards import CANCEL, paper_quote_row, send_card
from fieldbot.handlers.technician.common import (
    FORM_QUOTE,
    FORM_QUOTE_PHOTO,
    button_job,
    job_ref,
)
from fieldbot.handlers.technician.signoff import after_signoff_requested
from fieldbot.handlers.turn import Turn
from fieldbot.i18n import N_
from fieldbot.labels import STATE_NAMES
from fieldbot.repositories.conversations import Form
from fieldbot.services import quote
from fieldbot.services.workflow import load_job, money_arg, require_assigned


def routes() -> list[Route]:
    return [
        action("job.quote", quote_pressed, "staff", Permission.WORK_JOBS),
        action("quote.send", send_pressed, "staff", Permission.WORK_JOBS),
        action("job.quote_paper", paper_pressed, "staff", Permission.WORK_JOBS),
        form(FORM_QUOTE, quote_form, "staff", Permission.WORK_JOBS),
        form(FORM_QUOTE_PHOTO, paper_form, "staff", Permission.WORK_JOBS),
    ]


STEPS = ("labour", "parts", "travel", "other")
PROMPTS = {
    "labour": N_(
        "Quote for job {number}: the estimated labour? Send an amount like 300 or 300.50."
    ),
    "parts": N_("The estimated parts, in all? Send an amount like 450, 0 for none."),
    "travel": N_("The travel fee, due even if the customer declines? Send an amount, 0 for none."),
    "other": N_("Any other call-out fee, due even if declined? Send an amount, 0 for none."),
}
SEND = N_("Send quote")


def _not_now(job_state: JobState) -> dict[str, Any]:
    return {"state": {"t": STATE_NAMES[job_state]}}


async def quote_pressed(turn: Turn, payload: dict[str, object]) -> None:
    job = await load_job(turn.uow, button_job(payload))
    await require_assigned(turn.uow, turn.code, job, Action.QUOTE)
    if job.state is not JobState.ON_SITE:
        await turn.reply(
            N_("Job {number} is {state}: that is not possible now."),
            args={"number": job.number, **_not_now(job.state)},
        )
        return
    await turn.uow.forms.start(turn.user_id, FORM_QUOTE, STEPS[0], job_ref(job), turn.now)
    await turn.reply(PROMPTS[STEPS[0]], args={"number": job.number})


async def quote_form(turn: Turn, form: Form, message: Message) -> None:
    """One amount a message; after the last, the quote as the customer will read it."""
    if form.step not in STEPS:
        await turn.reply(N_("Tap Send quote to send it, or Cancel."))
        return
    amount = parse_money(message.text or "", max_fen=turn.deps.settings.max_amount_fen)
    data = {**form.data, form.step: amount.fen}
    following = STEPS.index(form.step) + 1
    step = STEPS[following] if following < len(STEPS) else "summary"
    form = await turn.uow.forms.save(replace(form, step=step, data=data), turn.now)
    job = await load_job(turn.uow, int(form.data["job_id"]))
    if step != "summary":
        await turn.reply(PROMPTS[step], args={"number": job.number})
        return
    labour, parts = int(data["labour"]), int(data["parts"])
    if not quote.quote_needed(job, turn.deps.settings, labour, parts):
        await turn.uow.forms.clear(turn.user_id)
        await turn.reply(
            N_(
                "An estimate of {estimate} is within the quote limit of {limit}: no quote is "
                "needed, go ahead with the work."
            ),
            args={
                "estimate": money_arg(labour + parts),
                "limit": money_arg(turn.deps.settings.quote_limit_fen),
            },
        )
        return
    lines: list[dict[str, Any]] = [
        {"t": N_("Job {number}, the quote to send:"), "args": {"number": job.number}},
        {"t": N_("Labour: {amount}"), "args": {"amount": money_arg(labour)}},
        {"t": N_("Parts: {amount}"), "args": {"amount": money_arg(parts)}},
        {"t": N_("Estimate: {amount}"), "args": {"amount": money_arg(labour + parts)}},
        {
            "t": N_("Call-out fees, due if declined: {amount}"),
            "args": {"amount": money_arg(int(data["travel"]) + int(data["other"]))},
        },
    ]
    await turn.show(lines_card(lines, [[(SEND, "quote.send", {}), (CANCEL, "form.cancel", {})]]))


async def send_pressed(turn: Turn, _payload: dict[str, object]) -> None:
    form = await turn.uow.forms.get(turn.user_id)
    if form is None or form.name != FORM_QUOTE or form.step != "summary":
        await turn.reply(N_("That form is closed. Open the job again with /jobs."))
        return
    await turn.uow.forms.clear(turn.user_id)
    data = form.data
    sent = await quote.send_quote(
        turn.uow,
        turn.deps.settings,
        turn.deps.clock,
        job=int(data["job_id"]),
        actor=turn.code,
        labour_fen=int(data["labour"]),
        parts_fen=int(data["parts"]),
        travel_fen=int(data["travel"]),
        other_fen=int(data["other"]),
    )
    job = sent.change.job
    args = {"number": job.number, "estimate": money_arg(sent.quote.estimate_fen)}
    if sent.customer_in_chat:
        await turn.reply(
            N_(
                "Job {number}: the quote of {estimate} is sent; the customer is asked to "
                "accept it in their chat."
            ),
            args=args,
        )
        return
    await turn.reply(
        N_(
            "Job {number}: the customer has no Telegram chat with us. Have the paper quote of "
            "{estimate} signed, then send its photo with the answer."
        ),
        args=args,
        buttons=[paper_quote_row(job)],
    )


async def paper_pressed(turn: Turn, payload: dict[str, object]) -> None:
    job = await load_job(turn.uow, button_job(payload))
    await require_assigned(turn.uow, turn.code, job, Action.ACCEPT_QUOTE)
    decision = str(payload.get("decision"))
    if job.state is not JobState.AWAITING_QUOTE or decision not in ("accept", "decline"):
        await turn.reply(
            N_("Job {number} is {state}: that is not possible now."),
            args={"number": job.number, **_not_now(job.state)},
        )
        return
    data = {**job_ref(job), "decision": decision}
    await turn.uow.forms.start(turn.user_id, FORM_QUOTE_PHOTO, "photo", data, turn.now)
    await turn.reply(
        N_("Job {number}: send the photo of the quote the customer signed."),
        args={"number": job.number},
    )


async def paper_form(turn: Turn, form: Form, message: Message) -> None:
    if not message.photo:
        await turn.reply(N_("Please send a photo of the signed quote, or /cancel."))
        return
    decision: Literal["accept", "decline"] = (
        "accept" if form.data.get("decision") == "accept" else "decline"
    )
    answered = await quote.answer(
        turn.uow,
        turn.deps.settings,
        turn.deps.clock,
        job=int(form.data["job_id"]),
        decision=decision,
        actor=turn.code,
        photo=message.photo[-1].file_id,
    )
    await turn.uow.forms.clear(turn.user_id)
    job = answered.change.job
    if decision == "accept":
        await turn.reply(
            N_("Job {number}: the signed quote is recorded as accepted. Go ahead with the work."),
            args={"number": job.number},
        )
        await send_card(turn, job)
        return
    await turn.reply(
        N_(
            "Job {number}: the signed quote is recorded as declined; only the call-out fees "
            "are due. The customer signs off for them."
        ),
        args={"number": job.number},
    )
    await after_signoff_requested(turn, job, answered.signoff_link)
