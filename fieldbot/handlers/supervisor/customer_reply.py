"""Replying to a customer's own request from its job card (DESIGN.md §5): the Reply to customer
button → the reply in one message → delivered in the customer's chat; the first reply stops
the first-reply clock (§4). The form is a row: a restart in the middle keeps it.
"""

from __future__ import annotations

from telegram import Message

from fieldbot.domain.permissions import Permission
from fieldbot.handlers.refusals import free_text_or_ask
from fieldbot.handlers.routes import Route, action, form
from fieldbot.handlers.turn import Turn
from fieldbot.i18n import N_
from fieldbot.repositories.conversations import Form
from fieldbot.services.customer_requests import reply_to_customer, replyable

FORM_REPLY = "sup.reply"
REPLY_ACTION = "sup.reply"
REPLY_TO_CUSTOMER = N_("Reply to customer")
ASK_REPLY = N_(
    "Your reply to the customer of job {number}, in one message (they read it with your "
    "name). /cancel to stop."
)
REPLY_TEXT = N_("Please write the reply as text (at most {max} characters), or send /cancel.")


def routes() -> list[Route]:
    return [
        action(REPLY_ACTION, reply_pressed, "staff", Permission.REGISTER_JOB),
        form(FORM_REPLY, reply_form, "staff", Permission.REGISTER_JOB),
    ]


async def reply_pressed(turn: Turn, payload: dict[str, object]) -> None:
    """The supervisor of the job's branch starts a reply (the service checks who, the job and
    that the customer is in the chat)."""
    found, _ = await replyable(turn.uow, job=int(str(payload["job_id"])), actor=turn.code)
    await turn.uow.forms.start(turn.user_id, FORM_REPLY, "text", {"job_id": found.id}, turn.now)
    await turn.reply(ASK_REPLY, args={"number": found.number})


async def reply_form(turn: Turn, form: Form, message: Message) -> None:
    text = await free_text_or_ask(turn, message, REPLY_TEXT)
    if text is None:
        return
    done = await reply_to_customer(
        turn.uow,
        turn.deps.settings,
        turn.deps.clock,
        job=int(form.data["job_id"]),
        actor=turn.code,
        text=text,
    )
    await turn.uow.forms.clear(turn.user_id)
    await turn.reply(N_("Sent to the customer of job {number}."), args={"number": done.job.number})
