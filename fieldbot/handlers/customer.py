"""The customer's chat (DESIGN.md §3, §5): confirming or disputing the work (sign-off),
accepting or declining a quote, confirming a receipt, answering the appointment the technician
set (this time suits me / another time, please) and /status (open jobs with their next step,
and those closed in the last 90 days). Their own requests and /mute are
:mod:`fieldbot.handlers.customer_requests`.
The job's sign-off link opened from the QR code is :mod:`fieldbot.handlers.signoff_link`.

Every route here is for customers only (the router checks it); the services check that the
job is this customer's, and nothing here shows another customer's data.
"""

from __future__ import annotations

from typing import Any, Literal

from telegram import Message

from fieldbot.domain.errors import IllegalTransition
from fieldbot.domain.model import JobState
from fieldbot.handlers.refusals import free_text, refusal
from fieldbot.handlers.routes import Route, action, command, form
from fieldbot.handlers.turn import Turn
from fieldbot.i18n import DATE, N_
from fieldbot.labels import STATE_NAMES
from fieldbot.rendering import more_line
from fieldbot.repositories.conversations import Form
from fieldbot.repositories.jobs import JobRecord
from fieldbot.services import custody, customer_notices, quote, signoff, visit
from fieldbot.services.workflow import branch_timezone, dt_arg, staff_arg, technician_of, when_arg

FORM_DISPUTE = "dispute"
FORM_OTHER_TIME = "appointment_request"


def routes() -> list[Route]:
    return [
        command("status", status_command, "customer"),
        action("signoff.confirm", confirm_pressed, "customer"),
        action("signoff.dispute", dispute_pressed, "customer"),
        action("quote.accept", quote_accept_pressed, "customer"),
        action("quote.decline", quote_decline_pressed, "customer"),
        action("receipt.confirm", receipt_confirm_pressed, "customer"),
        action("appointment.confirm", appointment_confirm_pressed, "customer"),
        action("appointment.other", appointment_other_pressed, "customer"),
        form(FORM_DISPUTE, dispute_form, "customer"),
        form(FORM_OTHER_TIME, appointment_other_form, "customer"),
    ]


async def _form_overtaken(turn: Turn, exc: IllegalTransition) -> None:
    """The job moved on while the customer was writing: nothing of the answer is kept, the
    form ends (else every later message would be refused again), and they are told why."""
    turn.refused("form overtaken", detail=str(exc))
    await turn.restart()
    await turn.uow.forms.clear(turn.user_id)
    template, args = refusal(exc)
    await turn.reply(template, args=args)


def _job_id(payload: dict[str, object]) -> int:
    return int(str(payload["job_id"]))


# --- sign-off ----------------------------------------------------------------------------------


async def confirm_pressed(turn: Turn, payload: dict[str, object]) -> None:
    code = turn.code
    s, clock = turn.deps.settings, turn.deps.clock
    done = await signoff.confirm(turn.uow, s, clock, job=_job_id(payload), customer=code)
    await turn.clear_keyboard()
    # Closing tells the customer "complete" itself (services/settlement.close_if_settled).
    await turn.reply(
        N_("Thank you! You confirmed job {number}."), args={"number": done.change.job.number}
    )


async def receipt_confirm_pressed(turn: Turn, payload: dict[str, object]) -> None:
    """The customer confirms the receipt of a unit taken back or carried in (custody)."""
    s, clock = turn.deps.settings, turn.deps.clock
    receipt_id = payload.get("receipt_id")
    done = await custody.confirm_receipt(
        turn.uow,
        s,
        clock,
        job=_job_id(payload),
        customer=turn.code,
        receipt_id=None if receipt_id is None else int(str(receipt_id)),
    )
    await turn.reply(
        N_("Thank you! You confirmed receipt {receipt} for job {number}."),
        args={"receipt": done.receipt.number, "number": done.job.number},
    )


async def dispute_pressed(turn: Turn, payload: dict[str, object]) -> None:
    code = turn.code
    job = await signoff.disputable(turn.uow, job=_job_id(payload), customer=code)
    await turn.uow.forms.start(turn.user_id, FORM_DISPUTE, "reason", {"job_id": job.id}, turn.now)
    await turn.reply(
        N_("What is wrong with job {number}? Please describe it in one message."),
        args={"number": job.number},
    )


async def dispute_form(turn: Turn, form: Form, message: Message) -> None:
    code = turn.code
    if not (message.text or "").strip():
        await turn.reply(N_("Please describe the problem as text, or send /cancel."))
        return
    text = free_text(turn, message.text)
    s, clock = turn.deps.settings, turn.deps.clock
    try:
        change = await signoff.dispute(
            turn.uow, s, clock, job=int(form.data["job_id"]), customer=code, reason=text
        )
    except IllegalTransition as exc:
        await _form_overtaken(turn, exc)
        return
    await turn.uow.forms.clear(turn.user_id)
    await turn.reply(
        N_(
            "We are sorry. Your objection to job {number} is recorded; a supervisor will follow up."
        ),
        args={"number": change.job.number},
    )


# --- the quote ---------------------------------------------------------------------------------


async def _answer_quote(
    turn: Turn, payload: dict[str, object], decision: Literal["accept", "decline"]
) -> quote.Answered:
    return await quote.answer(
        turn.uow,
        turn.deps.settings,
        turn.deps.clock,
        job=_job_id(payload),
        decision=decision,
        customer=turn.code,
        quote_id=int(str(payload["quote_id"])),
    )


async def quote_accept_pressed(turn: Turn, payload: dict[str, object]) -> None:
    done = await _answer_quote(turn, payload, "accept")
    await turn.reply(
        N_("Thank you! You accepted the quote for job {number}; the technician goes ahead."),
        args={"number": done.change.job.number},
    )


async def quote_decline_pressed(turn: Turn, payload: dict[str, object]) -> None:
    # The sign-off of the call-out fees follows in its own message (services/quote.answer).
    done = await _answer_quote(turn, payload, "decline")
    await turn.reply(
        N_(
            "You declined the quote for job {number}: no repair is done, and only the call-out "
            "fees are due."
        ),
        args={"number": done.change.job.number},
    )


# --- the appointment ---------------------------------------------------------------------------


def _shown_appointment(payload: dict[str, object]) -> str | None:
    shown = payload.get("appointment_at")
    return str(shown) if shown else None


async def appointment_confirm_pressed(turn: Turn, payload: dict[str, object]) -> None:
    code = turn.code
    s, clock = turn.deps.settings, turn.deps.clock
    await visit.confirm_appointment(
        turn.uow,
        s,
        clock,
        job=_job_id(payload),
        customer=code,
        appointment_at=_shown_appointment(payload),
    )
    await turn.reply(N_("Thank you, we will see you then."))


async def appointment_other_pressed(turn: Turn, payload: dict[str, object]) -> None:
    code = turn.code
    job, _ = await visit.appointment_to_answer(
        turn.uow,
        job=_job_id(payload),
        customer=code,
        appointment_at=_shown_appointment(payload),
        what="ask another time for",
    )
    await turn.uow.forms.start(turn.user_id, FORM_OTHER_TIME, "when", {"job_id": job.id}, turn.now)
    await turn.reply(
        N_("When would suit you? Write it in one message, e.g. tomorrow after 14:00."),
    )


async def appointment_other_form(turn: Turn, form: Form, message: Message) -> None:
    code = turn.code
    if not (message.text or "").strip():
        await turn.reply(N_("Please write the time that suits you as text, or send /cancel."))
        return
    text = free_text(turn, message.text)
    s, clock = turn.deps.settings, turn.deps.clock
    try:
        await visit.ask_other_time(
            turn.uow, s, clock, job=int(form.data["job_id"]), customer=code, wish=text
        )
    except IllegalTransition as exc:
        await _form_overtaken(turn, exc)
        return
    await turn.uow.forms.clear(turn.user_id)
    await turn.reply(N_("Thank you. The technician will propose a new time."))


# --- status ------------------------------------------------------------------------------------

STATUS_SHOWN = 5
# What happens next in each open state, as the customer reads it ({technician}, {when} where
# the state has them).
NEXT_STEP: dict[JobState, str] = {
    JobState.REGISTERED: N_("next: we are finding a technician for you"),
    JobState.DISPATCHED: N_("next: we are finding a technician for you"),
    JobState.ACCEPTED: N_("next: {technician} agrees a time for the visit with you"),
    JobState.EN_ROUTE: N_("next: {technician} is on the way to you"),
    JobState.ON_SITE: N_("next: the work is in progress"),
    JobState.WAITING_PART: N_("next: we are waiting for a part; a new appointment follows"),
    JobState.AWAITING_APPROVAL: N_("next: the fees are approved, then you confirm the work"),
    JobState.AWAITING_SIGNOFF: N_("next: please confirm the work in the summary we sent you"),
    JobState.DISPUTED: N_("next: a supervisor reviews your objection"),
    JobState.SIGNED_OFF: N_("next: the fees are settled and the job closes"),
    JobState.IN_WORKSHOP: N_("next: your unit is repaired in our workshop"),
    JobState.AWAITING_QUOTE: N_("next: please answer the estimate we sent you"),
    JobState.AWAITING_INSPECTION: N_("next: the repair is inspected"),
    JobState.READY_FOR_RETURN: N_("next: your unit is returned to you"),
}
WORKSHOP_PROMISED = N_("next: your unit is repaired in our workshop, promised by {when}")


async def status_command(turn: Turn, _args: str) -> None:
    """The customer's own open jobs, newest first, with who comes and when and the next step
    of each; then those closed in the last 90 days. Nothing of anyone else's."""
    assert turn.person.id is not None
    found = await customer_notices.status_of(turn.uow, customer_id=turn.person.id, now=turn.now)
    if not found.open and not found.closed:
        await turn.reply(N_("You have no service jobs with us yet."))
        return
    lines: list[dict[str, Any]] = [{"t": N_("Your service jobs:"), "args": {}}]
    for job in found.open[:STATUS_SHOWN]:
        lines.extend(await _open_lines(turn, job))
    if len(found.open) > STATUS_SHOWN:
        lines.append(more_line(len(found.open) - STATUS_SHOWN))
    if found.closed:
        lines.append(
            {
                "t": N_("Closed in the last {days} days:"),
                "args": {"days": customer_notices.CLOSED_SHOWN_DAYS},
            }
        )
        for job in found.closed[:STATUS_SHOWN]:
            ended = customer_notices.closed_at(job)
            tz = await branch_timezone(turn.uow, turn.deps.settings, job)
            lines.append(
                {
                    "t": N_("{number}: {state} {when}."),
                    "args": {
                        "number": job.number,
                        "state": {"t": STATE_NAMES[job.state]},
                        "when": dt_arg(ended, tz, DATE) if ended is not None else "",
                    },
                }
            )
        if len(found.closed) > STATUS_SHOWN:
            lines.append(more_line(len(found.closed) - STATUS_SHOWN))
    if found.muted:
        lines.append({"t": N_("Step notices are muted; /unmute turns them on.")})
    await turn.reply("@lines", extra={"lines": lines})


async def _open_lines(turn: Turn, job: JobRecord) -> list[dict[str, Any]]:
    tech = await technician_of(turn.uow, job)
    technician = staff_arg(tech.id) if tech is not None else {"t": N_("not assigned yet")}
    args: dict[str, Any] = {
        "number": job.number,
        "state": {"t": STATE_NAMES[job.state]},
        "technician": technician,
    }
    tz = await branch_timezone(turn.uow, turn.deps.settings, job)
    if job.appointment_at is not None and job.state is JobState.SCHEDULED:
        args["when"] = dt_arg(job.appointment_at, tz)
        return [{"t": N_("{number}: {state}; {technician} comes {when}."), "args": args}]
    lines: list[dict[str, Any]] = [
        {"t": N_("{number}: {state}; technician: {technician}."), "args": args}
    ]
    if job.state is JobState.IN_WORKSHOP and job.workshop_due_at is not None:
        lines.append({"t": WORKSHOP_PROMISED, "args": {"when": when_arg(job.workshop_due_at, tz)}})
    elif job.state in NEXT_STEP:
        lines.append({"t": NEXT_STEP[job.state], "args": {"technician": technician}})
    return lines
