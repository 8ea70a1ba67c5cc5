"""Resolving a job remotely from the supervisor's job card (DESIGN.md §3 Second pass): Resolve
remotely asks what was advised (a form); Customer confirmed by phone records the customer's
confirmation of a remote resolution. Buttons carry the version the supervisor saw.
"""

from __future__ import annotations

from telegram import Message

from fieldbot.domain.permissions import Permission
from fieldbot.handlers.refusals import free_text_or_ask
from fieldbot.handlers.routes import Route, action, form
from fieldbot.handlers.supervisor.cards import job_card
from fieldbot.handlers.supervisor.common import current, job_id_of
from fieldbot.handlers.turn import Turn
from fieldbot.i18n import N_
from fieldbot.repositories.conversations import Form
from fieldbot.services import remote
from fieldbot.services.workflow import require_supervisor

FORM_ADVICE = "sup.advice"


def routes() -> list[Route]:
    return [
        action("sup.resolve_remotely", resolve_pressed, "staff", Permission.DISPATCH),
        action("sup.phone_confirmed", phone_confirmed_pressed, "staff", Permission.DISPATCH),
        form(FORM_ADVICE, advice_form, "staff", Permission.DISPATCH),
    ]


ASK_ADVICE = N_(
    "Job {number}: what was the customer advised? Describe it in one message, or /cancel."
)
ADVICE_AGAIN = N_("Please write what was advised in words (at most {max} characters), or /cancel.")


async def resolve_pressed(turn: Turn, payload: dict[str, object]) -> None:
    job = await current(turn, payload)
    await require_supervisor(turn.uow, turn.code, job, Permission.DISPATCH, "resolve remotely")
    if job.state not in remote.REMOTE_STATES:
        # The button's version matched: nothing moved, but the state does not allow it.
        await turn.reply(N_("That is not possible for this job now. Nothing was changed."))
        return
    data = {"job_id": job_id_of(job), "version": job.version}
    await turn.uow.forms.start(turn.user_id, FORM_ADVICE, "advice", data, turn.now)
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
        expected_version=int(form.data["version"]),
    )
    await turn.uow.forms.clear(turn.user_id)
    job = done.change.job
    await turn.reply(
        N_(
            "Job {number} is resolved remotely; the customer is asked to confirm in their chat. "
            "No fees are charged."
        )
        if done.customer_in_chat
        else N_(
            "Job {number} is resolved remotely; no fees are charged. The customer has no "
            "Telegram chat with us: when they confirm by phone, tap Customer confirmed by phone."
        ),
        args={"number": job.number},
    )
    await turn.show(await job_card(turn, job))


async def phone_confirmed_pressed(turn: Turn, payload: dict[str, object]) -> None:
    job = await current(turn, payload)
    done = await remote.confirm_by_phone(
        turn.uow,
        turn.deps.settings,
        turn.deps.clock,
        job=job_id_of(job),
        actor=turn.code,
        expected_version=job.version,
    )
    await turn.reply(
        N_("Job {number} is signed off: the customer confirmed by phone."),
        args={"number": done.change.job.number},
    )
    if done.closed is not None:
        await turn.reply(N_("Job {number} is closed."), args={"number": done.closed.job.number})
