"""The floor: a bare python-telegram-bot echo bot on the sandbox.

An ``Application`` with PTB's own ``Updater`` (long polling) and one ``MessageHandler`` that
replies the text (waiting out a 429's ``retry_after``, which Telegram's limits make every bot
do): the least any bot on this library and this sandbox can cost. It satisfies
the driver's ``BotHandle`` so that ``Sandbox.start(factory=echo_factory)`` runs it.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from telegram import Update
from telegram.error import RetryAfter
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from fieldbot.sandbox.driver import BotFactory, BotHandle, SandboxEnv

POLL_TIMEOUT = 1  # seconds of long polling, as fieldbot's runtime uses on the sandbox
MAX_TRIES = 10


class EchoBot:
    def __init__(self, env: SandboxEnv) -> None:
        self.env = env
        self.app = (
            Application.builder()
            .token(env.token)
            .base_url(f"{env.base_url}/bot")
            .base_file_url(f"{env.base_url}/file/bot")
            .build()
        )
        self.app.add_handler(MessageHandler(filters.TEXT, self._echo))
        self._handling = 0
        self.echoed = 0
        self.retried = 0

    async def _echo(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or message.text is None:
            return
        self._handling += 1
        try:
            for _ in range(MAX_TRIES):
                try:
                    await message.reply_text(message.text)
                except RetryAfter as exc:  # Telegram's limits: the least any bot must obey
                    self.retried += 1
                    await asyncio.sleep(_seconds(exc.retry_after))
                    continue
                self.echoed += 1
                return
        finally:
            self._handling -= 1

    # ----------------------------------------------------------------- BotHandle

    async def start(self) -> None:
        await self.app.initialize()
        assert self.app.updater is not None
        await self.app.updater.start_polling(poll_interval=0, timeout=POLL_TIMEOUT)
        await self.app.start()

    async def stop(self, *, abrupt: bool = False) -> None:
        assert self.app.updater is not None
        if self.app.updater.running:
            await self.app.updater.stop()
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()

    def idle(self) -> bool:
        return self._handling == 0 and self.app.update_queue.empty()

    async def run_due(self) -> None:
        return None

    async def next_due(self) -> datetime | None:
        return None

    async def invite(self, staff_code: str) -> str:
        return f"echo_{staff_code}"


def _seconds(value: int | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def echo_factory() -> BotFactory:
    async def factory(env: SandboxEnv) -> BotHandle:
        return EchoBot(env)

    return factory
