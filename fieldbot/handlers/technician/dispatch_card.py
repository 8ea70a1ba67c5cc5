"""The dispatch card: /jobs (my open jobs, the nearest deadline first), a job's card, accepting
a dispatched job and declining it (a reason from the buttons or written in a form).
"""

from __future__ import annotations

from datetime import datetime

from telegram import Message

from fieldbot.domain.model import JobState
from fieldbot.domain.permissions import Permission
from fieldbot.handlers.refusals import free_text
from fieldbot.handlers.routes import Route, action, command, form
from fieldbot.handlers.technician.cards import (
    appointment_buttons,
    decline_buttons,
    jobs_list,
    send_card,
)
from fieldbot.handlers.technician.common import FORM_DECLINE, OPEN_FOR_TECHNICIAN, button_job
from fieldbot.handlers.turn import Turn
from fieldbot.i18n import N_
from fieldbot.repositories.conversations import Form
from fieldbot.repositories.jobs import JobRecord
from fieldbot.services import dispatch
from fieldbot.services.job_details import next_deadline
from fieldbot.services.workflow import load_job, require_state


def routes() -> list[Route]:
    return [
        command("jobs", jobs_command, "staff", Permission.WORK_JOBS),
        action("job.card", card_pressed, "staff", Permission.WORK_JOBS),
        action("job.accept", accept_pressed, "staff", Permission.WORK_JOBS),
        action("job.decline", decline_pressed, "staff", Permission.WORK_JOBS),
        action("job.decline_reason", decline_reason_pressed, "staff", Permission.WORK_JOBS),
        action("job.decline_other", decline_other_pressed, "staff", Permission.WORK_JOBS),
        form(FORM_DECLINE, decline_form, "staff", Permission.WORK_JOBS),
    ]


# What the supervisors read: the reason as text, in both languages (they may read either).
DECLINE_REASON_TEXT = {
    "far": "太远 / too far",
    "skill": "不熟悉该设备 / not my skill",
    "busy": "太忙 / too busy",
}


async def jobs_command(turn: Turn, _args: str) -> None:
    """/jobs: my open jobs, the nearest deadline first. One job: its card at once; several:
    one list with a button per job that opens its card (one message, not a burst)."""
    assert turn.person.id is not None
    jobs = await turn.uow.jobs.list(technician_id=turn.person.id, states=OPEN_FOR_TECHNICIAN)
    if not jobs:
        await turn.reply(N_("You have no open jobs."))
        return
    far = datetime.max.replace(tzinfo=turn.now.tzinfo)

    def key(job: JobRecord) -> tuple[datetime, str]:
        deadline = next_deadline(job)
        due = deadline.due_at if deadline is not None else None
        return (min(d for d in (due, job.appointment_at, far) if d is not None), job.number)

    jobs.sort(key=key)
    if len(jobs) == 1:
        await send_card(turn, jobs[0])
        return
    await turn.show(jobs_list(jobs))


async def card_pressed(turn: Turn, payload: dict[str, object]) -> None:
    await send_card(turn, await load_job(turn.uow, button_job(payload)))


async def accept_pressed(turn: Turn, payload: dict[str, object]) -> None:
    code = turn.code
    s, clock = turn.deps.settings, turn.deps.clock
    change = await dispatch.accept(turn.uow, s, clock, job=button_job(payload), actor=code)
    await turn.clear_keyboard()
    await turn.reply(
        N_("You accepted job {number}. When will you be there?"),
        args={"number": change.job.number},
        buttons=await appointment_buttons(turn, change.job),
    )


async def decline_pressed(turn: Turn, payload: dict[str, object]) -> None:
    job = await load_job(turn.uow, button_job(payload))
    require_state(job, {JobState.DISPATCHED}, "decline")  # a stale Decline: refused at the tap
    await turn.reply(
        N_("Why do you decline job {number}?"),
        args={"number": job.number},
        buttons=decline_buttons(job),
    )


async def _decline(turn: Turn, job_id: int, reason: str) -> None:
    code = turn.code
    s, clock = turn.deps.settings, turn.deps.clock
    change = await dispatch.decline(turn.uow, s, clock, job=job_id, actor=code, reason=reason)
    await turn.clear_keyboard()
    await turn.reply(
        N_("You declined job {number}. It went back to the supervisor."),
        args={"number": change.job.number},
    )


async def decline_reason_pressed(turn: Turn, payload: dict[str, object]) -> None:
    reason = DECLINE_REASON_TEXT.get(str(payload["reason"]), str(payload["reason"]))
    await _decline(turn, button_job(payload), reason)


async def decline_other_pressed(turn: Turn, payload: dict[str, object]) -> None:
    job = await load_job(turn.uow, button_job(payload))
    await turn.uow.forms.start(turn.user_id, FORM_DECLINE, "reason", {"job_id": job.id}, turn.now)
    await turn.reply(
        N_("Job {number}: write the reason in one message."), args={"number": job.number}
    )


async def decline_form(turn: Turn, form: Form, message: Message) -> None:
    if not (message.text or "").strip():
        await turn.reply(N_("Please write the reason as text."))
        return
    text = free_text(turn, message.text)
    await turn.uow.forms.clear(turn.user_id)
    await _decline(turn, int(form.data["job_id"]), text)
