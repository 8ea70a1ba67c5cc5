"""Resolving a job remotely as the technician does it (DESIGN.md §3 Second pass): before a
visit, Resolve remotely asks what was advised; the customer then confirms in their chat, or the
technician records that they confirmed by phone (Customer confirmed by phone).
"""

from __future__ import annotations

from telegram import Message

from fieldbot.domain.permissions import Permission
from fieldbot.domain.states import Action
from fieldbot.handlers.refusals import free_text_or_ask
from fieldbot.handlers.routes import Route, action, form
from fieldbot.handlers.technician.cards import job_buttons
from fieldbot.handlers.technician.common import FORM_ADVICE, button_job, job_ref
from fieldbot.handlers.technician.signoff import after_signed_off
from fieldbot.handlers.turn import Turn
from fieldbot.i18n import N_
from fieldbot.labels import STATE_NAMES
from fieldbot.repositories.conversations import Form
from fieldbot.services import remote
from fieldbot.services.workflow import load_job, require_assigned


def routes() -> list[Route]:
    return [
        action("job.resolve_remotely", resolve_pressed, "staff", Permission.WORK_JOBS),
        action("job.phone_confirmed", phone_confirmed_pressed, "staff", Permission.WORK_JOBS),
        form(FORM_ADVICE, advice_form, "staff", Permission.WORK_JOBS),
    ]


ASK_ADVICE = N_(
    "Job {number}: what did you advise the customer? Describe it in one message, or /cancel."
)
ADVICE_AGAIN = N_("Please write what was advised in words (at most {max} characters), or /cancel.")
RESOLVED_IN_CHAT = N_(
    "Job {number} is resolved remotely; the customer is asked to confirm in their chat. No "
    "fees are charged."
)
RESOLVED_BY_PHONE = N_(
    "Job {number} is resolved remotely; no fees are charged. The customer has no Telegram "
    "chat with us: when they confirm by phone, tap Customer confirmed by phone."
)
CONFIRMED_BY_PHONE = N_("Job {number} is signed off: the customer confirmed by phone.")


async def resolve_pressed(turn: Turn, payload: dict[str, object]) -> None:
    job = await load_job(turn.uow, button_job(payload))
    await require_assigned(turn.uow, turn.code, job, Action.RESOLVE_REMOTELY)
    if job.state not in remote.REMOTE_STATES:
        await turn.reply(
            N_("Job {number} is {state}: that is not possible now."),
            args={"number": job.number, "state": {"t": STATE_NAMES[job.state]}},
        )
        return
    await turn.uow.forms.start(turn.user_id, FORM_ADVICE, "advice", job_ref(job), turn.now)
    await turn.reply(ASK_ADVICE, args={"number": job.number})


async def advice_form(turn: Turn, form: Form, message: Message) -> None:
    advice = await free_text_or_ask(turn, message, ADVICE_AGAIN)
    if advice is None:
        return
    done = await remote.resolve_remotely(
        turn.uow,
        turn.deps.settings,
        turn.deps.clock,
        job=int(form.data["job_id"]),
        actor=turn.code,
        advice=advice,
    )
    await turn.uow.forms.clear(turn.user_id)
    job = done.change.job
    await turn.reply(
        RESOLVED_IN_CHAT if done.customer_in_chat else RESOLVED_BY_PHONE,
        args={"number": job.number},
        buttons=await job_buttons(turn, job),
    )


async def phone_confirmed_pressed(turn: Turn, payload: dict[str, object]) -> None:
    done = await remote.confirm_by_phone(
        turn.uow, turn.deps.settings, turn.deps.clock, job=button_job(payload), actor=turn.code
    )
    await turn.reply(CONFIRMED_BY_PHONE, args={"number": done.change.job.number})
    await after_signed_off(turn, done)
