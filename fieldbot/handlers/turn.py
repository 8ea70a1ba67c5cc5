"""One update, one unit of work: who sent it, what to reply, committed together."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

from telegram import Update

from fieldbot.clock import Clock
from fieldbot.domain.errors import NotAllowed
from fieldbot.domain.model import Language
from fieldbot.handlers.cards import Card
from fieldbot.i18n import Catalogs, Translator, language_from_telegram
from fieldbot.logs import bind, log_context
from fieldbot.metrics import Metrics
from fieldbot.repositories.outbox import OutboxRepository
from fieldbot.services.registration import Person, identify
from fieldbot.services.workflow import ButtonSpec as ButtonSpec  # re-exported for the handlers
from fieldbot.services.workflow import label_params, remember_card, remove_keyboard
from fieldbot.settings import Settings
from fieldbot.store import Store, UnitOfWork

log = logging.getLogger("fieldbot.handlers")


@dataclass
class Deps:
    """What every handler may use; built once by the runtime and passed in."""

    settings: Settings
    clock: Clock
    store: Store
    catalogs: Catalogs
    bot_username: str
    wake_sender: Callable[[], None] = field(default=lambda: None)
    metrics: Metrics | None = None  # the figures of /metrics, when the wiring keeps them

    def translator(self, language: Language | str) -> Translator:
        return self.catalogs.translator(language)


class Turn:
    """``async with Turn(deps, update) as turn:`` opens the unit of work and knows the person.

    Replies are queued in the outbox with the reply priority in the same transaction as the
    change; ``commit`` makes both durable and wakes the sender.
    """

    def __init__(self, deps: Deps, update: Update) -> None:
        self.deps = deps
        self.update = update
        user = update.effective_user
        chat = update.effective_chat
        if user is None or chat is None:
            raise ValueError("an update without a sender")
        self.user_id = user.id
        self.chat_id = chat.id
        self.telegram_language = language_from_telegram(user.language_code)
        self._uow: UnitOfWork | None = None
        self.person: Person
        self._log = log_context(update_id=update.update_id)
        self._started = 0.0

    @property
    def uow(self) -> UnitOfWork:
        assert self._uow is not None
        return self._uow

    @property
    def now(self) -> Any:
        return self.deps.clock.now()

    @property
    def code(self) -> str:
        """The person's staff or customer code: every route but those for anyone is for
        registered people (the router checks it), and each of them has one."""
        code = self.person.code
        if code is None:
            raise NotAllowed(f"user {self.user_id} is not registered", user=self.user_id)
        return code

    @property
    def t(self) -> Translator:
        return self.deps.translator(self.person.language)

    async def __aenter__(self) -> Self:
        # The one place an update's work starts: every line logged until it ends carries the
        # update id and, once known, the person's record id (:mod:`fieldbot.logs`).
        self._started = time.perf_counter()
        self._log.__enter__()
        try:
            self._uow = self.deps.store.unit_of_work()
            await self._uow.__aenter__()
            self.person = await identify(
                self._uow,
                self.user_id,
                self.chat_id,
                self.telegram_language,
                Language(self.deps.settings.language),
            )
        except BaseException as exc:
            await self.__aexit__(type(exc), exc, exc.__traceback__)
            raise
        if self.person.id is not None:
            bind(person=f"{self.person.kind}:{self.person.id}")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self._uow is not None:
                await self._uow.__aexit__(exc_type, exc, tb)
        finally:
            seconds = time.perf_counter() - self._started
            if self.deps.metrics is not None:
                self.deps.metrics.turn_done(seconds, failed=exc is not None)
            log.info("update handled", extra={"duration_ms": seconds * 1000})
            self._log.__exit__(None, None, None)

    async def restart(self) -> None:
        """Roll back what this turn wrote so far and begin again (after a refusal)."""
        assert self._uow is not None
        await self._uow.rollback()
        await self._uow.__aexit__(None, None, None)
        self._uow = self.deps.store.unit_of_work()
        await self._uow.__aenter__()

    async def commit(self) -> None:
        await self.uow.commit()
        self.deps.wake_sender()

    async def button(self, action: str, payload: Mapping[str, Any] | None = None) -> str:
        """A token for an inline button only this person may press."""
        return await self.uow.buttons.create(self.user_id, action, dict(payload or {}), self.now)

    async def reply(
        self,
        template: str,
        *,
        args: Mapping[str, Any] | None = None,
        buttons: Sequence[Sequence[ButtonSpec]] = (),
        extra: Mapping[str, Any] | None = None,
        card: str | None = None,
    ) -> int | None:
        """Queue a reply to the sender, rendered at send time in their language. ``card``:
        what its buttons are for (:func:`~fieldbot.services.workflow.card_key`,
        :func:`~fieldbot.services.workflow.part_request_key`): the reply is remembered as a
        copy of that card, like a pushed one, and loses its keyboard once that is done."""
        params: dict[str, Any] = {"args": dict(args or {})}
        if buttons:
            params["buttons"] = [
                [
                    {**label_params(label), "token": await self.button(action, payload)}
                    for label, action, payload in row
                ]
                for row in buttons
            ]
        if self.person.kind == "unknown":
            params["lang"] = self.person.language.value
        params.update(extra or {})
        kind, recipient_id = self.person.recipient
        sent = await self.uow.outbox.enqueue(
            chat_id=self.chat_id,
            recipient_kind=kind,
            recipient_id=recipient_id,
            template=template,
            params=params,
            now=self.now,
            priority=OutboxRepository.PRIORITY_REPLY,
        )
        if card is not None and params.get("buttons"):
            await remember_card(self.uow, card, [sent], self.now)
        return sent

    async def clear_keyboard(self) -> None:
        """The card whose button was pressed has done its job: its keyboard goes (an outbox
        edit; its copies elsewhere go with :func:`~fieldbot.services.workflow.retire_cards`)."""
        query = self.update.callback_query
        message = query.message if query is not None else None
        if message is None:
            return
        await remove_keyboard(
            self.uow,
            chat_id=self.chat_id,
            recipient=self.person.recipient,
            now=self.now,
            message_id=message.message_id,
        )

    async def show(self, card: Card) -> int | None:
        """Queue ``card`` (:mod:`fieldbot.handlers.cards`) as a reply to the sender."""
        return await self.reply(
            card.template, args=card.args, buttons=card.buttons, extra=card.extra, card=card.key
        )

    def refused(self, reason: str, **context: object) -> None:
        """Every refusal is logged with who and why."""
        log.warning(
            "refused %s: user=%s kind=%s code=%s %s",
            reason,
            self.user_id,
            self.person.kind,
            self.person.code,
            " ".join(f"{k}={v}" for k, v in context.items()),
        )
