"""Routes each update by the routes table (:mod:`fieldbot.handlers.routes`): the route's
audience and permission are checked once, here, before its handler runs.

python-telegram-bot's filters are synchronous, and who someone is lives in the database, so
one handler resolves the person inside the update's unit of work and routes from there. The
router knows no audience module: the wiring hands it the table.
"""

from __future__ import annotations

import logging

from telegram import Bot, Message, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from fieldbot.domain.errors import DomainError, NotAllowed
from fieldbot.domain.model import JobState
from fieldbot.handlers.common import set_person_commands
from fieldbot.handlers.refusals import refusal
from fieldbot.handlers.routes import Route, Routes
from fieldbot.handlers.turn import Deps, Turn
from fieldbot.i18n import N_
from fieldbot.labels import STATE_NAMES
from fieldbot.repositories.conversations import Form
from fieldbot.store import StoreError

log = logging.getLogger("fieldbot.handlers")

STALE_BUTTON = N_("This button is no longer valid.")
EDITED = N_(
    "I do not take an edited message as an answer, and nothing was changed. If something "
    "needs correcting, send the correction as a new message."
)
UNKNOWN_COMMAND = N_("I don't know that command. Send /help to see what you can do.")
NOT_UNDERSTOOD = N_("I did not understand that. Send /help to see what you can do.")
REFUSED = (DomainError, StoreError)


class Router:
    def __init__(self, deps: Deps, routes: Routes) -> None:
        self.deps = deps
        self.routes = routes

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
            await set_person_commands(
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
        command, args = _command(message.text or "")
        kind = _media_kind(message)
        person = turn.person
        first = self.routes.get("command", command, person) if command is not None else None
        if first is None and kind is not None:
            first = self.routes.get("media", kind, person)
        if first is not None and first.audience == "anyone":
            # Before any form: /start and a shared contact are for everyone, at any time.
            await self._run(turn, first, args if first.kind == "command" else message)
            return
        if turn.person.kind == "unknown":
            await self.routes.stranger(turn)
            return
        if command is not None:
            route = self.routes.get("command", command, person)
            if route is None or not route.admits(turn.person):
                turn.refused("unknown command", command=command)
                await turn.reply(UNKNOWN_COMMAND)
                return
            await self._run(turn, route, args)
            return
        form = await turn.uow.forms.get(turn.user_id)
        route = self.routes.get("form", form.name, person) if form is not None else None
        if form is not None and route is not None:
            if await _about_a_finished_job(turn, form):
                return
            await self._run(turn, route, form, message)
            return
        route = self.routes.get("media", kind, person) if kind is not None else None
        if route is not None and route.admits(turn.person):
            await self._run(turn, route, message)
            return
        await turn.reply(NOT_UNDERSTOOD)

    async def _run(self, turn: Turn, route: Route, *args: object) -> None:
        """The route's handler, once the person is of its audience and holds its permission;
        else the standard refusal (:class:`NotAllowed`, told by :meth:`_refuse`)."""
        person = turn.person
        if not route.admits(person) or not route.permits(person):
            permission = route.permission.value if route.permission else route.audience
            raise NotAllowed(
                f"{person.code} may not {permission} ({route.kind} {route.key})",
                permission=permission,
            )
        await route.handler(turn, *args)

    async def _callback(self, update: Update) -> None:
        query = update.callback_query
        assert query is not None
        async with Turn(self.deps, update) as turn:
            token = query.data or ""
            button = await turn.uow.buttons.use(token, turn.user_id, turn.now) if token else None
            route = (
                self.routes.get("action", button.action, turn.person)
                if button is not None
                else None
            )
            if button is None or route is None or turn.person.kind == "unknown":
                turn.refused("stale or foreign button", token=token[:8])
                await query.answer(turn.t.gettext(STALE_BUTTON), show_alert=True)
                return
            try:
                await self._run(turn, route, dict(button.payload))
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


def _media_kind(message: Message) -> str | None:
    """What a message that is not text is, for the media routes."""
    if message.contact is not None:
        return "contact"
    if message.location is not None:
        return "location"
    if message.photo:
        return "photo"
    return None
