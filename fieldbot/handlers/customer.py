"""The customer's chat (DESIGN.md §3): confirming or disputing the work (sign-off), the
job's sign-off link opened from the technician's QR code, and answering the appointment the
technician set (this time suits me / another time, please).

The services check that the job is this customer's; nothing here shows another customer's
data.
"""

from __future__ import annotations

from typing import Any

from telegram import Message

from fieldbot.domain.errors import NotAllowed
from fieldbot.domain.model import JobState
from fieldbot.handlers.refusals import free_text
from fieldbot.handlers.technician import SET_APPOINTMENT
from fieldbot.handlers.turn import Turn
from fieldbot.i18n import N_
from fieldbot.labels import STATE_NAMES
from fieldbot.rendering import more_line
from fieldbot.repositories.conversations import Form
from fieldbot.repositories.outbox import OutboxRepository
from fieldbot.services import signoff
from fieldbot.services.registration import identify
from fieldbot.services.signoff import SignoffLinkInvalid
from fieldbot.services.workflow import (
    branch_timezone,
    customer_tag,
    dt_arg,
    load_customer,
    load_job,
    notify_staff,
    record,
    require_customer_of,
    technician_of,
)

FORM_DISPUTE = "dispute"
FORM_OTHER_TIME = "appointment_request"


def _customer(turn: Turn) -> str:
    person = turn.person
    if person.kind != "customer" or person.code is None:
        raise NotAllowed("only the customer may answer this", user=turn.user_id)
    return person.code


def _job_id(payload: dict[str, object]) -> int:
    return int(str(payload["job_id"]))


# --- sign-off ----------------------------------------------------------------------------------


async def confirm_pressed(turn: Turn, payload: dict[str, object]) -> None:
    code = _customer(turn)
    s, clock = turn.deps.settings, turn.deps.clock
    done = await signoff.confirm(turn.uow, s, clock, job=_job_id(payload), customer=code)
    await turn.reply(
        N_("Thank you! You confirmed job {number}."), args={"number": done.change.job.number}
    )
    if done.closed is not None:
        await turn.reply(
            N_("Job {number} is complete. Thank you for choosing us."),
            args={"number": done.closed.job.number},
        )


async def dispute_pressed(turn: Turn, payload: dict[str, object]) -> None:
    code = _customer(turn)
    job = await load_job(turn.uow, _job_id(payload))
    await require_customer_of(turn.uow, code, job, "dispute")
    await turn.uow.forms.start(turn.user_id, FORM_DISPUTE, "reason", {"job_id": job.id}, turn.now)
    await turn.reply(
        N_("What is wrong with job {number}? Please describe it in one message."),
        args={"number": job.number},
    )


async def dispute_form(turn: Turn, form: Form, message: Message) -> None:
    code = _customer(turn)
    if not (message.text or "").strip():
        await turn.reply(N_("Please describe the problem as text, or send /cancel."))
        return
    text = free_text(turn, message.text)
    s, clock = turn.deps.settings, turn.deps.clock
    change = await signoff.dispute(
        turn.uow, s, clock, job=int(form.data["job_id"]), customer=code, reason=text
    )
    await turn.uow.forms.clear(turn.user_id)
    await turn.reply(
        N_(
            "We are sorry. Your objection to job {number} is recorded; a supervisor will follow up."
        ),
        args={"number": change.job.number},
    )


async def open_signoff(turn: Turn, payload: str) -> bool:
    """``/start <payload>`` when the payload is a job's sign-off link: binds this customer and
    shows the summary with Confirm / Dispute. False when the payload is not a sign-off link."""
    invite = await turn.uow.invites.get(payload)
    if invite is None or invite.kind != "signoff":
        return False
    if turn.person.kind == "staff":
        turn.refused("sign-off link opened by staff")
        await turn.reply(N_("This link is for the customer to confirm the work."))
        return True
    s, clock = turn.deps.settings, turn.deps.clock
    try:
        opened = await signoff.open_signoff_link(
            turn.uow, s, clock, payload=payload, user_id=turn.user_id, chat_id=turn.chat_id
        )
    except SignoffLinkInvalid:
        turn.refused("sign-off link invalid")
        await turn.reply(
            N_("This sign-off link is no longer valid. Please ask the technician for a new one.")
        )
        return True
    turn.person = await identify(
        turn.uow, turn.user_id, turn.chat_id, turn.telegram_language, turn.person.language
    )
    await turn.reply(
        N_("Welcome! You are now connected to our service bot."),
        extra={"reply": {"remove": True}},
    )
    kind, recipient_id = turn.person.recipient
    await turn.uow.outbox.enqueue(
        chat_id=turn.chat_id,
        recipient_kind=kind,
        recipient_id=recipient_id,
        template=opened.template,
        params=opened.params,
        now=turn.now,
        priority=OutboxRepository.PRIORITY_REPLY,
    )
    return True


# --- the appointment ---------------------------------------------------------------------------


async def appointment_confirm_pressed(turn: Turn, payload: dict[str, object]) -> None:
    code = _customer(turn)
    job = await load_job(turn.uow, _job_id(payload))
    row = await require_customer_of(turn.uow, code, job, "confirm the appointment of")
    await record(
        turn.uow,
        job,
        "job.appointment_confirmed",
        customer_tag(row),
        turn.now,
        {"appointment_at": job.appointment_at},
    )
    tech = await technician_of(turn.uow, job)
    if tech is not None:
        await notify_staff(
            turn.uow,
            tech,
            N_("Job {number}: the customer confirmed the appointment."),
            {"number": job.number},
            turn.now,
        )
    await turn.reply(N_("Thank you, we will see you then."))


async def appointment_other_pressed(turn: Turn, payload: dict[str, object]) -> None:
    code = _customer(turn)
    job = await load_job(turn.uow, _job_id(payload))
    await require_customer_of(turn.uow, code, job, "ask another time for")
    await turn.uow.forms.start(turn.user_id, FORM_OTHER_TIME, "when", {"job_id": job.id}, turn.now)
    await turn.reply(
        N_("When would suit you? Write it in one message, e.g. tomorrow after 14:00."),
    )


async def appointment_other_form(turn: Turn, form: Form, message: Message) -> None:
    code = _customer(turn)
    if not (message.text or "").strip():
        await turn.reply(N_("Please write the time that suits you as text, or send /cancel."))
        return
    text = free_text(turn, message.text)
    job = await load_job(turn.uow, int(form.data["job_id"]))
    row = await load_customer(turn.uow, code)
    await record(
        turn.uow, job, "job.appointment_declined", customer_tag(row), turn.now, {"wish": text}
    )
    tech = await technician_of(turn.uow, job)
    if tech is not None:
        ref: dict[str, Any] = {"job_id": job.id}
        await notify_staff(
            turn.uow,
            tech,
            N_("Job {number}: the customer asks for another time: {wish}"),
            {"number": job.number, "wish": text},
            turn.now,
            buttons=[(SET_APPOINTMENT, "job.appointment", ref)],
        )
    await turn.uow.forms.clear(turn.user_id)
    await turn.reply(N_("Thank you. The technician will propose a new time."))


# --- status ------------------------------------------------------------------------------------

STATUS_SHOWN = 5


async def status_command(turn: Turn, _args: str) -> None:
    """The customer's own jobs, newest first: state, who comes and when. Nothing of anyone
    else's."""
    assert turn.person.id is not None
    jobs = await turn.uow.jobs.list(customer_id=turn.person.id)
    if not jobs:
        await turn.reply(N_("You have no service jobs with us yet."))
        return
    lines: list[dict[str, Any]] = [{"t": N_("Your service jobs:"), "args": {}}]
    for job in reversed(jobs[-STATUS_SHOWN:]):
        tech = await technician_of(turn.uow, job)
        args: dict[str, Any] = {
            "number": job.number,
            "state": {"t": STATE_NAMES[job.state]},
            "technician": tech.staff.name if tech is not None else {"t": N_("not assigned yet")},
        }
        if job.appointment_at is not None and job.state in (
            JobState.SCHEDULED,
            JobState.EN_ROUTE,
        ):
            tz = await branch_timezone(turn.uow, turn.deps.settings, job)
            args["when"] = dt_arg(job.appointment_at, tz)
            lines.append({"t": N_("{number}: {state}; {technician} comes {when}."), "args": args})
        else:
            lines.append({"t": N_("{number}: {state}; technician: {technician}."), "args": args})
    if len(jobs) > STATUS_SHOWN:
        lines.append(more_line(len(jobs) - STATUS_SHOWN))
    await turn.reply("@lines", extra={"lines": lines})


def register() -> None:
    from fieldbot.handlers import router

    router.CUSTOMER_COMMANDS["status"] = status_command
    router.ACTIONS["signoff.confirm"] = confirm_pressed
    router.ACTIONS["signoff.dispute"] = dispute_pressed
    router.ACTIONS["appointment.confirm"] = appointment_confirm_pressed
    router.ACTIONS["appointment.other"] = appointment_other_pressed
    router.FORMS[FORM_DISPUTE] = dispute_form
    router.FORMS[FORM_OTHER_TIME] = appointment_other_form
