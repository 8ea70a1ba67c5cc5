"""Wiring only: the python-telegram-bot Application built from its dependencies, and the one
routes table of every audience's handlers."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import BotCommand, BotCommandScopeDefault, Update
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler

from fieldbot.domain.model import Language
from fieldbot.handlers import (
    accountant,
    cash,
    clerk,
    common,
    customer,
    customer_feedback,
    customer_requests,
    escalation,
    registration,
    reports,
    staffing,
    stock,
    storekeeper,
    supervisor,
    technician,
)
from fieldbot.handlers.common import set_person_commands
from fieldbot.handlers.router import Router
from fieldbot.handlers.routes import Routes
from fieldbot.handlers.turn import Deps
from fieldbot.i18n import LANGUAGES, N_, language_from_telegram
from fieldbot.repositories.outbox import OutboxRepository

log = logging.getLogger("fieldbot")

SOMETHING_WENT_WRONG = N_(
    "Sorry, something went wrong on our side. Nothing was changed; please try again."
)

BotApplication = Application[Any, Any, Any, Any, Any, Any]


def build_routes() -> Routes:
    """Every route of the bot, audience by audience (each module lists its own), and what a
    stranger is told."""
    return Routes(
        [
            *registration.routes(),
            *common.routes(),
            *escalation.routes(),
            *customer.routes(),
            *customer_requests.routes(),
            *customer_feedback.routes(),
            *clerk.routes(),
            *technician.routes(),
            *storekeeper.routes(),
            *stock.routes(),
            *supervisor.routes(),
            *accountant.routes(),
            *staffing.routes(),
            *cash.routes(),
            *reports.routes(),
        ],
        stranger=registration.explain,
    )


def build_application(deps: Deps, token: str) -> BotApplication:
    api = deps.settings.bot_api_url
    application = (
        ApplicationBuilder()
        .token(token)
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .updater(None)
        .build()
    )
    application.add_handler(TypeHandler(Update, Router(deps, build_routes())))
    application.add_error_handler(_error_handler(deps))
    return application


def _error_handler(deps: Deps) -> Callable[[object, Any], Coroutine[Any, Any, None]]:
    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("error handling update %s", _describe(update), exc_info=context.error)
        if not isinstance(update, Update) or update.effective_chat is None:
            return
        user = update.effective_user
        language = language_from_telegram(user.language_code if user else None)
        try:
            async with deps.store.unit_of_work() as uow:
                if user is not None:
                    staff = await uow.staff.by_telegram_user(user.id)
                    customer = None if staff else await uow.customers.by_telegram_user(user.id)
                    own = (
                        staff.staff.language
                        if staff
                        else customer.customer.language
                        if customer
                        else None
                    )
                    language = own or language
                await uow.outbox.enqueue(
                    chat_id=update.effective_chat.id,
                    recipient_kind="chat",
                    recipient_id=None,
                    template=SOMETHING_WENT_WRONG,
                    params={"lang": (language or Language(deps.settings.language)).value},
                    now=deps.clock.now(),
                    priority=OutboxRepository.PRIORITY_REPLY,
                )
                await uow.commit()
            deps.wake_sender()
        except Exception:
            log.exception("could not tell the person that their update failed")
        if update.callback_query is not None:
            with contextlib.suppress(TelegramError):
                await update.callback_query.answer()

    return on_error


def _describe(update: object) -> str:
    if isinstance(update, Update):
        user = update.effective_user
        return f"#{update.update_id} from user {user.id if user else '?'}"
    return repr(update)


async def publish_commands(application: BotApplication, deps: Deps) -> None:
    """Command menus per role and language: the default scope for strangers, then each
    registered person's own chat scope."""
    bot = application.bot
    for language in LANGUAGES:
        t = deps.translator(language)
        commands = [BotCommand("start", t.gettext(N_("register with your invite or phone")))]
        code = None if language == Language(deps.settings.language) else language.value[:2]
        await bot.set_my_commands(commands, scope=BotCommandScopeDefault(), language_code=code)
    async with deps.store.unit_of_work(readonly=True) as uow:
        people = [
            ("staff", row.chat_id, row.staff.roles, row.staff.language)
            for row in await uow.staff.rows()
            if row.chat_id is not None
        ]
    for kind, chat_id, roles, language in people:
        await set_person_commands(application.bot, deps, kind, chat_id, roles, language)
