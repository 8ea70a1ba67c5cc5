"""A small bot on a bare python-telegram-bot Application, to test the driver without fieldbot.

It polls like fieldbot's poller (one update at a time, confirmed by the next getUpdates), so
``stop(abrupt=True)`` leaves a fetched update unconfirmed, as kill -9 would. Its "database" is
a :class:`FakeState` shared by every instance a factory makes (restarts and spawned bots).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from datetime import datetime

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from fieldbot.sandbox.driver import BotFactory, BotHandle, SandboxEnv

log = logging.getLogger(__name__)

# A 2x3 PNG: the sandbox reads its size.
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x02\x00\x00\x00\x03\x08\x02\x00\x00\x00"
    b"\x00\x00\x00\x00\x00\x00\x00\x00IEND\xaeB`\x82"
)


@dataclass
class FakeState:
    schedule: list[tuple[datetime, int, str]] = field(default_factory=list)
    runs: list[tuple[int, datetime]] = field(default_factory=list)  # (instance, now)
    handled: list[tuple[int, str]] = field(default_factory=list)  # (instance, what)
    errors: list[str] = field(default_factory=list)
    started: list[int] = field(default_factory=list)
    force_busy: bool = False
    stuck_due: bool = False  # next_due keeps answering now
    hang_once: bool = True
    hanging: asyncio.Event = field(default_factory=asyncio.Event)


class FakeBot:
    def __init__(self, env: SandboxEnv, state: FakeState) -> None:
        self.env = env
        self.state = state
        self.app = (
            Application.builder()
            .token(env.token)
            .base_url(f"{env.base_url}/bot")
            .base_file_url(f"{env.base_url}/file/bot")
            .updater(None)
            .build()
        )
        self._offset: int | None = None
        self._handling = 0
        self._task: asyncio.Task[None] | None = None
        self._install()

    # ----------------------------------------------------------------- BotHandle

    async def start(self) -> None:
        await self.app.initialize()
        await self.app.start()
        self._task = asyncio.create_task(self._poll(), name=f"fake-poll-{self.env.instance}")
        self.state.started.append(self.env.instance)

    async def stop(self, *, abrupt: bool = False) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if not abrupt and self._offset is not None:
            with contextlib.suppress(TelegramError):
                await self.app.bot.get_updates(offset=self._offset, timeout=0)
        await self.app.stop()
        await self.app.shutdown()

    def idle(self) -> bool:
        return self._handling == 0 and not self.state.force_busy

    async def run_due(self) -> None:
        now = self.env.clock.now()
        self.state.runs.append((self.env.instance, now))
        due = [item for item in self.state.schedule if item[0] <= now]
        for item in due:
            self.state.schedule.remove(item)
            await self.app.bot.send_message(item[1], f"{item[2]} at {now.isoformat()}")

    async def next_due(self) -> datetime | None:
        if self.state.stuck_due:
            return self.env.clock.now()
        return min((item[0] for item in self.state.schedule), default=None)

    async def invite(self, staff_code: str) -> str:
        return f"inv_{staff_code}"

    # ----------------------------------------------------------------- polling

    async def _poll(self) -> None:
        backoff = 0.02
        while True:
            try:
                updates = await self.app.bot.get_updates(offset=self._offset, timeout=10)
                backoff = 0.02
            except TelegramError as exc:
                log.debug("instance %s: getUpdates failed: %s", self.env.instance, exc)
                await asyncio.sleep(backoff)  # retry pacing, not waiting for a result
                backoff = min(backoff * 2, 0.2)
                continue
            for update in updates:
                self._offset = update.update_id + 1
                self._handling += 1
                try:
                    await self.app.process_update(update)
                finally:
                    self._handling -= 1

    # ----------------------------------------------------------------- handlers

    def _install(self) -> None:
        app = self.app
        app.add_handler(CommandHandler("start", self._start))
        app.add_handler(CommandHandler("photo", self._photo))
        app.add_handler(CommandHandler("doc", self._doc))
        app.add_handler(CommandHandler("where", self._where))
        app.add_handler(CommandHandler("keyboard", self._keyboard))
        app.add_handler(CommandHandler("html", self._html))
        app.add_handler(CommandHandler("twice", self._twice))
        app.add_handler(CommandHandler("hang", self._hang))
        app.add_handler(CallbackQueryHandler(self._button))
        app.add_handler(
            MessageHandler(filters.UpdateType.EDITED_MESSAGE & filters.LOCATION, self._moved)
        )
        app.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.LOCATION, self._at))
        app.add_handler(MessageHandler(filters.CONTACT, self._contact))
        app.add_handler(MessageHandler(filters.PHOTO, self._photo_in))
        app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, self._echo))
        app.add_error_handler(self._error)

    def _note(self, what: str) -> None:
        self.state.handled.append((self.env.instance, what))

    async def _error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        self.state.errors.append(repr(context.error))

    async def _start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None and update.effective_user is not None
        payload = context.args[0] if context.args else "-"
        self._note(f"start {payload}")
        keyboard = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton("Accept", callback_data="accept"),
                    InlineKeyboardButton("Decline", callback_data="decline"),
                ],
                [
                    InlineKeyboardButton(
                        "Open again", url=f"https://t.me/{self.env.bot_username}?start=again"
                    ),
                    InlineKeyboardButton("Website", url="https://example.com/help"),
                ],
            ]
        )
        await update.effective_message.reply_text(
            f"Welcome {update.effective_user.first_name}! payload={payload}",
            reply_markup=keyboard,
        )

    async def _button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and query.message is not None
        self._note(f"button {query.data}")
        if query.data == "decline":
            await query.answer("You declined", show_alert=True)
        elif query.data == "omw":
            await query.answer("Drive safely")
        else:
            await query.answer()
        if query.data == "accept":
            await query.edit_message_text(
                "Accepted",
                reply_markup=InlineKeyboardMarkup(
                    [[InlineKeyboardButton("On my way", callback_data="omw")]]
                ),
            )
        elif query.data == "omw":
            await query.edit_message_text("On the way")
        else:
            await context.bot.send_message(query.message.chat.id, "Declined")

    async def _echo(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        self._note(f"text {update.effective_message.text}")
        await update.effective_message.reply_text(f"echo: {update.effective_message.text}")

    async def _twice(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("ping 1")
        await update.effective_message.reply_text("ping 2")

    async def _hang(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        self._note("hang")
        if self.state.hang_once:
            self.state.hang_once = False
            self.state.hanging.set()
            await asyncio.Event().wait()  # dies here when the bot is killed
        await update.effective_message.reply_text("done hanging")

    async def _photo(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_photo(PNG, caption="a photo")

    async def _doc(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_document(
            b"report body", filename="report.txt", caption="the report"
        )

    async def _where(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_location(31.2304, 121.4737)

    async def _keyboard(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(
            "Share please",
            reply_markup=ReplyKeyboardMarkup(
                [
                    [KeyboardButton("Share contact", request_contact=True)],
                    [KeyboardButton("Share location", request_location=True), "Cancel"],
                ]
            ),
        )

    async def _html(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(
            "<b>Job</b> J20260914-001 &amp; ¥1,234.50", parse_mode=ParseMode.HTML
        )

    async def _at(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None and message.location is not None
        self._note("location")
        await message.reply_text(
            f"location {message.location.latitude:.4f},{message.location.longitude:.4f}"
        )

    async def _moved(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.edited_message
        assert message is not None and message.location is not None
        await context.bot.send_message(
            message.chat.id,
            f"moved {message.location.latitude:.4f},{message.location.longitude:.4f}",
        )

    async def _contact(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None and message.contact is not None
        assert message.from_user is not None
        await message.reply_text(
            f"contact {message.contact.phone_number} of {message.contact.user_id} "
            f"from {message.from_user.id}"
        )

    async def _photo_in(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None and message.photo
        file = await message.photo[-1].get_file()
        data = bytes(await file.download_as_bytearray())
        await message.reply_document(
            data, filename="back.jpg", caption=f"photo {len(data)} bytes {message.caption}"
        )


def fake_factory(state: FakeState) -> BotFactory:
    async def factory(env: SandboxEnv) -> BotHandle:
        return FakeBot(env, state)

    return factory
