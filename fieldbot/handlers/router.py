"""Routes each update to the handlers of the sender's audience (staff, customer, unknown).

python-telegram-bot's filters are synchronous, and who someone is lives in the database, so
one handler resolves the person inside the update's unit of work and routes from there: the
audience check is applied once, here, not repeated in every handler.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import Bot, Message, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from fieldbot.domain.errors import DomainError
from fieldbot.domain.model import JobState
from fieldbot.handlers import (
    common,
    customer,
    deadlines,
    escalation,
    registration,
    supervisor,
    technician,
)
from fieldbot.handlers.refusals import refusal
from fieldbot.handlers.turn import Deps, Turn
from fieldbot.i18n import N_
from fieldbot.labels import STATE_NAMES
from fieldbot.repositories.conversations import Form
from fieldbot.store import StoreError

log = logging.getLogger("fieldbot.handlers")

Command = Callable[[Turn, str], Awaitable[None]]
Action = Callable[[Turn, dict[str, object]], Awaitable[None]]
# A form that spans several messages: its state is a row (uow.forms), so a restart in the
# middle continues where the person was. The handler gets the form and the message.
FormHandler = Callable[[Turn, Form, Message], Awaitable[None]]

STALE_BUTTON = N_("This button is no longer valid.")
EDITED = N_(
    "I do not take an edited message as an answer, and nothing was changed. If something "
    "needs correcting, send the correction as a new message."
)
REFUSED = (DomainError, StoreError)


async def _help(turn: Turn, _args: str) -> None:
    await common.help_(turn)


async def _me(turn: Turn, _args: str) -> None:
    await common.me(turn)


async def _lang(turn: Turn, _args: str) -> None:
    await common.lang(turn)


async def _lang_chosen(turn: Turn, payload: dict[str, object]) -> None:
    await common.lang_chosen(turn, str(payload["language"]))


# Commands of every registered person; audience modules add their own (``register``).
REGISTERED_COMMANDS: dict[str, Command] = {"help": _help, "me": _me, "lang": _lang}
STAFF_COMMANDS: dict[str, Command] = {}
CUSTOMER_COMMANDS: dict[str, Command] = {}
ACTIONS: dict[str, Action] = {
    "lang.set": _lang_chosen,
    "deadline.ack": escalation.acknowledge_pressed,
}
FORMS: dict[str, FormHandler] = {}
# Messages that are not text, outside a form: "location" and "photo" per audience.
MessageHandler = Callable[[Turn, Message], Awaitable[None]]
STAFF_MEDIA: dict[str, MessageHandler] = {}
CUSTOMER_MEDIA: dict[str, MessageHandler] = {}


async def _cancel(turn: Turn, _args: str) -> None:
    if await turn.uow.forms.get(turn.user_id) is None:
        await turn.reply(N_("There is nothing to cancel."))
        return
    await turn.uow.forms.clear(turn.user_id)
    await turn.reply(N_("Cancelled. Nothing was saved."))


REGISTERED_COMMANDS["cancel"] = _cancel


class Router:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def __call__(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not isinstance(update, Update) or update.effective_user is None:
            return
        if update.effective_chat is None:
            return
        if update.callback_query is not None:
            await self._callback(update)
            return
        message = update.effective_message
        if message is None:
            return
        async with Turn(self.deps, update) as turn:
            was = turn.person.kind
            try:
                if _edited_text(update):
                    await _edited(turn)
                else:
                    await self._message(turn, update)
            except REFUSED as exc:
                await self._refuse(turn, exc)
            await turn.commit()
        if was == "unknown" and turn.person.kind != "unknown":
            await self._publish_menu(context.bot, turn)

    async def _publish_menu(self, bot: Bot, turn: Turn) -> None:
        """A person who just registered gets their own command menu at once; it is
        configuration, not a message, and start-up publishes every menu again anyway."""
        person = turn.person
        try:
            await common.set_person_commands(
                bot, self.deps, person.kind, person.chat_id, person.roles, person.language
            )
        except TelegramError as exc:
            log.warning("could not set the command menu of %s: %s", person.code, exc)

    async def _refuse(self, turn: Turn, exc: Exception) -> None:
        """Undo whatever the step wrote, then say why, in a fresh transaction."""
        turn.refused(type(exc).__name__, error=getattr(exc, "code", "-"), detail=str(exc))
        template, args = refusal(exc)
        await turn.restart()
        await turn.reply(template, args=args)

    async def _message(self, turn: Turn, update: Update) -> None:
        message = update.effective_message
        assert message is not None
        if message.contact is not None:
            await registration.contact(turn, update)
            return
        command, args = _command(message.text or "")
        if command == "start":
            await registration.start(turn, args)
            return
        if turn.person.kind == "unknown":
            await registration.explain(turn)
            return
        if command is not None:
            table = {
                **REGISTERED_COMMANDS,
                **(STAFF_COMMANDS if turn.person.kind == "staff" else CUSTOMER_COMMANDS),
            }
            handler = table.get(command)
            if handler is None:
                turn.refused("unknown command", command=command)
                await turn.reply(
                    N_("I don't know that command. Send /help to see what you can do.")
                )
                return
            await handler(turn, args)
            return
        form = await turn.uow.forms.get(turn.user_id)
        if form is not None and form.name in FORMS:
            if await _about_a_finished_job(turn, form):
                return
            await FORMS[form.name](turn, form, message)
            return
        media = STAFF_MEDIA if turn.person.kind == "staff" else CUSTOMER_MEDIA
        kind = "location" if message.location else "photo" if message.photo else None
        if kind is not None and kind in media:
            await media[kind](turn, message)
            return
        await turn.reply(N_("I did not understand that. Send /help to see what you can do."))

    async def _callback(self, update: Update) -> None:
        query = update.callback_query
        assert query is not None
        async with Turn(self.deps, update) as turn:
            token = query.data or ""
            button = await turn.uow.buttons.use(token, turn.user_id, turn.now) if token else None
            action = ACTIONS.get(button.action) if button is not None else None
            if button is None or action is None or turn.person.kind == "unknown":
                turn.refused("stale or foreign button", token=token[:8])
                await query.answer(turn.t.gettext(STALE_BUTTON), show_alert=True)
                return
            try:
                await action(turn, dict(button.payload))
            except REFUSED as exc:
                await self._refuse(turn, exc)
            await turn.commit()
        await query.answer()


def _edited_text(update: Update) -> bool:
    """An edit of something the person sent earlier (DESIGN.md §6): it answers no prompt.
    A live location moving is an edit too, and it stays a location."""
    edited = update.edited_message
    return edited is not None and edited.location is None


async def _edited(turn: Turn) -> None:
    turn.refused("edited message")
    await turn.reply(EDITED)


async def _about_a_finished_job(turn: Turn, form: Form) -> bool:
    """A form about a job that was cancelled or closed meanwhile ends at the next message."""
    job_id = form.data.get("job_id")
    if not isinstance(job_id, int):
        return False
    job = await turn.uow.jobs.get(job_id)
    if job is None or job.state not in (JobState.CANCELLED, JobState.CLOSED):
        return False
    await turn.uow.forms.clear(turn.user_id)
    await turn.reply(
        N_("Job {number} is {state} now: the form is closed and nothing of it was saved."),
        args={"number": job.number, "state": {"t": STATE_NAMES[job.state]}},
    )
    return True


def _command(text: str) -> tuple[str | None, str]:
    """``/start@bot payload`` -> ("start", "payload"); plain text -> (None, text)."""
    if not text.startswith("/"):
        return None, text
    head, _, rest = text.partition(" ")
    name = head[1:].split("@", 1)[0].lower()
    # Only plain spaces are trimmed: an invisible reason (an ideographic space) stays for the
    # command to refuse as such (domain.text).
    return name, rest.strip(" \t\r\n")


supervisor.register()
deadlines.register()
technician.register()
customer.register()
