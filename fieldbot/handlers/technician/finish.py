"""The finish form (what was done, the hours, the parts, the fees, the summary, Submit) and the
workshop's repair form, which asks the same without fees. Submitting the finish form asks the
customer to sign off (:mod:`fieldbot.handlers.technician.signoff`).
"""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal
from typing import Any

from telegram import Message

from fieldbot.domain.entitlement import FeeLine
from fieldbot.domain.model import JobState
from fieldbot.domain.money import parse_money
from fieldbot.domain.permissions import Permission
from fieldbot.handlers.refusals import free_text
from fieldbot.handlers.routes import Route, action, form
from fieldbot.handlers.technician.cards import (
    form_fees,
    form_parts,
    hours_buttons,
    hours_text,
    work_summary,
)
from fieldbot.handlers.technician.common import FORM_FINISH, FORM_REPAIR, button_job
from fieldbot.handlers.technician.parts import ask_parts, parts_search_reply, quantity_step
from fieldbot.handlers.technician.signoff import after_signoff_requested
from fieldbot.handlers.turn import Turn
from fieldbot.i18n import N_
from fieldbot.labels import STATE_NAMES
from fieldbot.repositories.conversations import Form
from fieldbot.repositories.jobs import JobRecord
from fieldbot.services import quote, work_record, workshop
from fieldbot.services.workflow import ButtonSpec, load_job, money_arg


def routes() -> list[Route]:
    return [
        action("job.finish", finish_pressed, "staff", Permission.WORK_JOBS),
        action("job.repaired", repaired_pressed, "staff", Permission.WORK_JOBS),
        action("form.hours", hours_pressed, "staff", Permission.WORK_JOBS),
        action("form.parts_done", parts_done, "staff", Permission.WORK_JOBS),
        action("form.submit", submit_pressed, "staff", Permission.WORK_JOBS),
        action("form.cancel", cancel_pressed, "staff"),
        action("form.keep", keep_pressed, "staff", Permission.WORK_JOBS),
        form(FORM_FINISH, work_form, "staff", Permission.WORK_JOBS),
        form(FORM_REPAIR, work_form, "staff", Permission.WORK_JOBS),
    ]


FEE_STEPS = ("labour", "travel", "other")
FEE_PROMPTS = {
    "labour": N_("Labour fee for job {number}? Send an amount like 120 or 120.50, 0 for none."),
    "travel": N_("Travel fee? Send an amount like 30, 0 for none."),
    "other": N_("Any other fee? Send an amount like 15.50, 0 for none."),
}
KEEP = N_("Keep it")
KEEP_AMOUNT = N_("Keep {amount}")
_HOURS = re.compile(r"^\s*(\d{1,2})(?:[.,](\d{1,2}))?\s*$")


async def _minutes_since_arrival(turn: Turn, job: JobRecord) -> int:
    assert job.id is not None
    arrived = [
        e.at for e in await turn.uow.events.for_subject("job", job.id) if e.kind == "job.arrive"
    ]
    if not arrived:
        return 60
    minutes = int((turn.now - arrived[-1]).total_seconds() // 60)
    return max(minutes, 1)


def parse_hours(text: str) -> int | None:
    """``1.5`` or ``2`` hours → minutes (more than 0, at most 24 h); None otherwise."""
    match = _HOURS.match(text)
    if match is None:
        return None
    whole, fraction = match.groups()
    hours = Decimal(f"{whole}.{fraction or 0}")
    minutes = int((hours * 60).to_integral_value())
    return minutes if 0 < minutes <= 24 * 60 else None


async def finish_pressed(turn: Turn, payload: dict[str, object]) -> None:
    await _start_work_form(turn, payload, FORM_FINISH)


async def repaired_pressed(turn: Turn, payload: dict[str, object]) -> None:
    await _start_work_form(turn, payload, FORM_REPAIR)


async def _start_work_form(turn: Turn, payload: dict[str, object], name: str) -> None:
    job = await load_job(turn.uow, button_job(payload))
    expected = JobState.ON_SITE if name == FORM_FINISH else JobState.IN_WORKSHOP
    if job.state is not expected:
        await turn.reply(
            N_("Job {number} is {state}: that is not possible now."),
            args={"number": job.number, "state": {"t": STATE_NAMES[job.state]}},
        )
        return
    data: dict[str, Any] = {"job_id": job.id, "parts": [], "fees": {}}
    if name == FORM_FINISH:
        start = await work_record.draft(turn.uow, job)
        data["fitted"] = [list(part) for part in start.fitted]
        asked = await work_record.asked_fees(turn.uow, turn.deps.settings, job)
        data["fee_steps"] = [kind.value for kind in asked]
        if start.redo:
            fees = {k: v for k, v in start.fees.items() if k in data["fee_steps"]}
            data.update(redo=True, work=start.work, proposed=start.minutes, fees=fees)
            await turn.uow.forms.start(turn.user_id, name, "work", data, turn.now)
            await turn.reply(
                N_(
                    "Job {number}: the new record starts from the rejected one. What did you "
                    "do? Send the work again, or keep it: {work}"
                ),
                args={"number": job.number, "work": start.work},
                buttons=[[(KEEP, "form.keep", {})]],
            )
            return
        prompt = N_("Job {number}: what did you do? Describe the work in one message.")
    else:
        # After a failed inspection the card starts from the one before (its fee lines).
        start = await workshop.repair_draft(turn.uow, job)
        data["fitted"] = [list(part) for part in start.fitted]
        if start.redo:
            data.update(redo=True, fees=start.fees)
        prompt = N_("Job {number}: what did you repair in the workshop? One message.")
    await turn.uow.forms.start(turn.user_id, name, "work", data, turn.now)
    await turn.reply(prompt, args={"number": job.number})


async def keep_pressed(turn: Turn, _payload: dict[str, object]) -> None:
    """Keep the value the rejected record had for this step (the work, or a fee line)."""
    form = await turn.uow.forms.get(turn.user_id)
    if form is None or form.name not in (FORM_FINISH, FORM_REPAIR):
        await turn.reply(N_("That form is closed. Open the job again with /jobs."))
        return
    if form.step not in ("work", *FEE_STEPS) or (form.name == FORM_REPAIR and form.step == "work"):
        await turn.reply(N_("That form is closed. Open the job again with /jobs."))
        return
    job = await load_job(turn.uow, int(form.data["job_id"]))
    if form.step == "work":
        form = await turn.uow.forms.save(replace(form, step="hours"), turn.now)
        await _ask_hours(turn, form, job)
        return
    fen = int((form.data.get("fees") or {}).get(form.step, 0))
    await _set_fee(turn, form, job, fen)


async def _set_fee(turn: Turn, form: Form, job: JobRecord, fen: int) -> None:
    step = form.step
    if step == "labour" and form.name == FORM_FINISH:  # type A above the limit: quote first
        parts = [*(form.data.get("fitted") or []), *(form.data.get("parts") or [])]
        await quote.require_quote_for(
            turn.uow, turn.deps.settings, job, labour_fen=fen, parts=parts
        )
    fees = {**(form.data.get("fees") or {}), step: fen}
    next_step = _fee_step_after(form, step)
    form = await turn.uow.forms.save(
        replace(form, step=next_step, data={**form.data, "fees": fees}), turn.now
    )
    if next_step == "summary":
        await summary(turn, form)
    else:
        await _ask_fee(turn, form, job)


def _fee_step_after(form: Form, step: str | None) -> str:
    """The next fee step the job's service type charges (only those are asked), else the
    summary. ``step`` None: the first."""
    asked = [s for s in FEE_STEPS if s in form.data.get("fee_steps", FEE_STEPS)]
    following = 0 if step is None else asked.index(step) + 1 if step in asked else len(asked)
    return asked[following] if following < len(asked) else "summary"


async def _ask_fee(turn: Turn, form: Form, job: JobRecord) -> None:
    """A fee step; a re-record offers the rejected record's amount to keep."""
    previous = (form.data.get("fees") or {}).get(form.step)
    buttons: list[list[ButtonSpec]] = []
    if form.data.get("redo") and previous is not None:
        label = {"t": KEEP_AMOUNT, "args": {"amount": money_arg(int(previous))}}
        buttons = [[(label, "form.keep", {})]]
    await turn.reply(FEE_PROMPTS[form.step], args={"number": job.number}, buttons=buttons)


async def _ask_hours(turn: Turn, form: Form, job: JobRecord) -> None:
    proposed = int(form.data.get("proposed") or 60)
    if form.name == FORM_REPAIR:
        await turn.reply(
            N_(
                "How many hours did the repair take? Send a number like 1.5, or tap the button "
                "for {hours} h (working time since the unit came to the bench)."
            ),
            args={"hours": hours_text(proposed)},
            buttons=hours_buttons(proposed),
        )
        return
    await turn.reply(
        N_(
            "How many hours did it take? Send a number like 1.5, or tap the button for "
            "{hours} h (since your arrival)."
        ),
        args={"hours": hours_text(proposed)},
        buttons=hours_buttons(proposed),
    )


async def hours_pressed(turn: Turn, payload: dict[str, object]) -> None:
    form = await turn.uow.forms.get(turn.user_id)
    if form is None or form.name not in (FORM_FINISH, FORM_REPAIR) or form.step != "hours":
        await turn.reply(N_("That form is closed. Open the job again with /jobs."))
        return
    await _set_hours(turn, form, int(str(payload["minutes"])))


async def _set_hours(turn: Turn, form: Form, minutes: int) -> None:
    form = await turn.uow.forms.save(
        replace(form, step="parts", data={**form.data, "minutes": minutes}), turn.now
    )
    await ask_parts(turn, form)


async def work_form(turn: Turn, form: Form, message: Message) -> None:
    """The finish and repair forms, one step per message."""
    text = message.text or ""
    job = await load_job(turn.uow, int(form.data["job_id"]))
    step = form.step
    if step == "work":
        if not text.strip():
            await turn.reply(N_("Please describe the work as text."))
            return
        work = free_text(turn, text)
        proposed = form.data.get("proposed")
        if proposed is None:
            proposed = (
                await _minutes_since_arrival(turn, job)
                if form.name == FORM_FINISH
                else await workshop.proposed_minutes(turn.uow, turn.deps.settings, job, turn.now)
            )
        form = await turn.uow.forms.save(
            replace(form, step="hours", data={**form.data, "work": work, "proposed": proposed}),
            turn.now,
        )
        await _ask_hours(turn, form, job)
    elif step == "hours":
        minutes = parse_hours(text)
        if minutes is None:
            await turn.reply(N_("I cannot read that. Send the hours as a number like 1.5 or 2."))
            return
        await _set_hours(turn, form, minutes)
    elif step == "parts":
        await parts_search_reply(turn, text, form)
    elif step == "quantity":
        await quantity_step(turn, form, text)
    elif step in FEE_STEPS:
        amount = parse_money(text, max_fen=turn.deps.settings.max_amount_fen)
        await _set_fee(turn, form, job, amount.fen)
    else:
        await turn.reply(N_("Tap Submit to record it, or Cancel."))


async def parts_done(turn: Turn, _payload: dict[str, object]) -> None:
    form = await turn.uow.forms.get(turn.user_id)
    if form is None or form.name not in (FORM_FINISH, FORM_REPAIR):
        await turn.reply(N_("That form is closed. Open the job again with /jobs."))
        return
    # The repair card asks the same fee lines as the finish form (DESIGN.md §3 Custody).
    first = _fee_step_after(form, None)
    if first != "summary":
        form = await turn.uow.forms.save(replace(form, step=first), turn.now)
        job = await load_job(turn.uow, int(form.data["job_id"]))
        await _ask_fee(turn, form, job)
    else:
        form = await turn.uow.forms.save(replace(form, step="summary"), turn.now)
        await summary(turn, form)


async def summary(turn: Turn, form: Form) -> None:
    job = await load_job(turn.uow, int(form.data["job_id"]))
    await turn.show(await work_summary(turn, form, job))


async def cancel_pressed(turn: Turn, _payload: dict[str, object]) -> None:
    await turn.uow.forms.clear(turn.user_id)
    await turn.reply(N_("Cancelled. Nothing was saved."))


async def _submit_repair(
    turn: Turn,
    job_id: int,
    minutes: int,
    work: str,
    parts: list[tuple[str, int]],
    fees: list[FeeLine],
) -> None:
    s, clock = turn.deps.settings, turn.deps.clock
    repaired = await workshop.record_repair(
        turn.uow,
        s,
        clock,
        job=job_id,
        actor=turn.code,
        minutes=minutes,
        notes=work,
        parts=parts,
        fees=fees,
    )
    await turn.reply(
        N_(
            "Job {number}: the repair card is recorded: total {total}, amount due {due}. "
            "The supervisor is asked to inspect."
        ),
        args={
            "number": repaired.change.job.number,
            "total": money_arg(repaired.charges.total.fen),
            "due": money_arg(repaired.charges.amount_due.fen),
        },
    )


async def submit_pressed(turn: Turn, _payload: dict[str, object]) -> None:
    code = turn.code
    form = await turn.uow.forms.get(turn.user_id)
    if form is None or form.name not in (FORM_FINISH, FORM_REPAIR) or form.step != "summary":
        await turn.reply(N_("That form is closed. Open the job again with /jobs."))
        return
    s, clock = turn.deps.settings, turn.deps.clock
    job_id = int(form.data["job_id"])
    parts = form_parts(form)
    minutes = int(form.data.get("minutes") or 0)
    work = str(form.data.get("work") or "")
    await turn.uow.forms.clear(turn.user_id)
    fees = form_fees(form)
    if form.name == FORM_REPAIR:
        await _submit_repair(turn, job_id, minutes, work, parts, fees)
        return
    finished = await work_record.finish(
        turn.uow,
        s,
        clock,
        job=job_id,
        actor=code,
        work=work,
        minutes=minutes,
        fees=fees,
        parts=parts,
    )
    job = finished.change.job
    args = {
        "number": job.number,
        "total": money_arg(finished.charges.total.fen),
        "due": money_arg(finished.charges.amount_due.fen),
    }
    if finished.needs_approval:
        await turn.reply(
            N_(
                "Job {number} recorded: total {total}, amount due {due}. It is above the "
                "approval limit: your supervisor is asked to approve it."
            ),
            args=args,
        )
        return
    await turn.reply(N_("Job {number} recorded: total {total}, amount due {due}."), args=args)
    await after_signoff_requested(turn, job, finished.signoff_link)
