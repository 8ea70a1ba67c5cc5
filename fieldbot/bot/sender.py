"""The one sender that delivers the outbox to Telegram.

It claims due rows, renders each in its recipient's language at send time, calls the Bot API,
and records the outcome in the same row. Network pacing (``retry_after`` on 429, the short
in-process backoff for 5xx, timeouts and dropped connections) runs on real monotonic time; a
message that still fails is handed back to the database with a business-time ``next attempt``
so nothing is lost when the process dies. Delivery is at least once: a row whose lease expired
mid-send is sent again and counted in ``reclaims``.

A rendered text is cut to Telegram's sizes here, at the one door to Telegram
(:func:`fieldbot.rendering.deliveries`): a long message goes out as several, its keyboard on
the last one, whose id the row records (edits go there); an edit is shortened. The parts
already delivered of a message are remembered while it is retried, so a retry sends only the
rest.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from fieldbot.bot.election import leadership_for
from fieldbot.clock import Clock
from fieldbot.i18n import Translator
from fieldbot.metrics import Metrics
from fieldbot.rendering import KEYBOARD, Delivery, Rendered, Renderer, deliveries
from fieldbot.repositories.outbox import OutboxMessage
from fieldbot.store import Store

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
BATCH = 20
QUICK_RETRIES = (0.05, 0.2, 0.5)
MAX_THROTTLED = 10


def _backoff(attempts: int) -> timedelta:
    """Business-time wait before the next attempt of a message that keeps failing."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


class PermanentFailure(Exception):
    """Telegram will never take this message (blocked, chat not found, bad request)."""


@dataclass
class SenderStats:
    sent: int = 0
    failed: int = 0
    retried: int = 0


TranslatorFor = Callable[[OutboxMessage], Awaitable[Translator]]


class Sender:
    def __init__(
        self,
        *,
        store: Store,
        bot: Bot,
        clock: Clock,
        renderer: Renderer,
        translator_for: TranslatorFor,
        send_rate: float = 30.0,
        send_rate_per_chat: float = 1.0,
        send_burst_per_chat: int = 3,
        on_permanent_failure: Callable[[OutboxMessage, str], Awaitable[None]] | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self._store = store
        self._bot = bot
        self._clock = clock
        self._renderer = renderer
        self._translator_for = translator_for
        self._interval = 1.0 / send_rate
        self._chat_rate = send_rate_per_chat
        self._chat_burst = float(send_burst_per_chat)
        self._chat_tokens: dict[int, tuple[float, float]] = {}  # chat -> (tokens, at)
        self._next_send = 0.0
        self._paused_until = 0.0
        self._wake = asyncio.Event()
        self._busy = False
        self._maybe_due = True
        self._on_permanent_failure = on_permanent_failure
        self._leadership = leadership_for(store.engine, bot.token)
        # outbox id -> (parts of it already delivered, the last one's message id)
        self._delivered_parts: dict[int, tuple[int, int | None]] = {}
        # One pass at a time: the timer's pass and the sweep's must not both hold messages
        # (a second pass would take the first one's leased messages for abandoned ones).
        self._pass = asyncio.Lock()
        self.stats = SenderStats()
        self._metrics = metrics
        # when a pass last ended or a message last left (the health check's "not stuck")
        self.progressed_at = clock.now()
        self._stopping = False
        self._held: dict[int, OutboxMessage] = {}  # claimed by this pass, not yet finished

    @property
    def idle(self) -> bool:
        return not self._busy and not self._maybe_due and not self._wake.is_set()

    def wake(self) -> None:
        self._maybe_due = True
        self._wake.set()

    async def run(self, *, poll_seconds: float = 1.0) -> None:
        """Deliver until cancelled or stopped; woken at once by :meth:`wake`. (Python 3.11's
        ``asyncio.wait_for`` can swallow a cancel that meets a wake-up, which kept a stopping
        sender looping; ``asyncio.timeout`` never does.)"""
        while not self._stopping:
            self._wake.clear()
            await self.deliver_due()
            try:
                async with asyncio.timeout(poll_seconds):
                    await self._wake.wait()
            except TimeoutError:
                self._maybe_due = True

    async def deliver_due(self) -> int:
        """Deliver everything due now; returns how many were delivered. An instance that is
        not the elected sender delivers nothing (another one does)."""
        async with self._pass:
            return await self._deliver_due()

    async def _deliver_due(self) -> int:
        delivered = 0
        if not await self._leadership.holds():
            self._maybe_due = False
            return 0
        self._busy = True
        try:
            while not self._stopping:
                now = self._clock.now()
                async with self._store.unit_of_work() as uow:
                    batch = await uow.outbox.claim_due(now, BATCH, now + LEASE)
                    await uow.commit()
                if not batch:
                    self._maybe_due = False
                    return delivered
                self._held = {message.id: message for message in batch}
                for message in batch:
                    if self._stopping:
                        return delivered
                    delivered += await self._deliver_one(message)
                    self._held.pop(message.id, None)
                    self.progressed_at = self._clock.now()
            return delivered
        finally:
            self._busy = False
            self.progressed_at = self._clock.now()

    async def release(self) -> None:
        """Give up being the sender (on a graceful stop; a dead process loses it anyway)."""
        await self._leadership.release()

    async def stop(self, wait_s: float) -> None:
        """A graceful stop: no new message is started; the one in flight may finish within
        ``wait_s`` (real seconds); then the messages this pass claimed and did not finish are
        handed back at once, so no chat waits for their lease to run out. Call it while the
        sender's task still runs; cancel the task afterwards."""
        self._stopping = True
        try:
            async with asyncio.timeout(wait_s):
                async with self._pass:
                    pass  # the pass in flight ended (it stops after its current message)
        except TimeoutError:
            log.warning("the send in flight did not finish within %gs; handing it back", wait_s)
        await self.hand_back()

    async def hand_back(self) -> None:
        """Messages claimed and not finished go back to pending, due now (a send cut
        mid-call may be repeated: delivery is at least once)."""
        held, self._held = list(self._held), {}
        if not held:
            return
        async with self._store.unit_of_work() as uow:
            await uow.outbox.hand_back(held, self._clock.now())
            await uow.commit()
        log.info("handed back %d claimed message(s) on stop", len(held))

    async def _deliver_one(self, message: OutboxMessage) -> int:
        error = ""
        delays = [*QUICK_RETRIES, None]
        throttled = 0
        while delays:
            try:
                telegram_id = await self._send(message)
            except RetryAfter as exc:
                # Telegram asked us to slow down: not a failure of the message, so it does not
                # use up a retry (up to a bound, then the database holds it).
                throttled += 1
                if throttled > MAX_THROTTLED:
                    delays.clear()
                retry_after = exc.retry_after
                seconds = (
                    retry_after.total_seconds()
                    if isinstance(retry_after, timedelta)
                    else float(retry_after)
                )
                self._paused_until = time.monotonic() + seconds
                self.stats.retried += 1
                if self._metrics is not None:
                    self._metrics.throttled.inc()
                error = f"429 retry after {seconds:g}s"
                continue
            except PermanentFailure as exc:
                await self._finish(message, failed=str(exc))
                return 0
            except (TimedOut, NetworkError) as exc:
                error = f"{type(exc).__name__}: {exc}"
                self.stats.retried += 1
                delay = delays.pop(0)
                if delay is not None:
                    await asyncio.sleep(delay)
                continue
            await self._finish(message, telegram_id=telegram_id)
            return 1
        async with self._store.unit_of_work() as uow:
            await uow.outbox.retry_later(
                message.id, self._clock.now() + _backoff(message.attempts), error
            )
            await uow.commit()
        log.warning("outbox %s: %s; retrying later", message.id, error)
        return 0

    async def _finish(
        self, message: OutboxMessage, *, telegram_id: int | None = None, failed: str | None = None
    ) -> None:
        self._delivered_parts.pop(message.id, None)
        async with self._store.unit_of_work() as uow:
            if failed is None:
                await uow.outbox.mark_sent(message.id, telegram_id, self._clock.now())
            else:
                await uow.outbox.mark_failed(message.id, failed)
            await uow.commit()
        if failed is None:
            self.stats.sent += 1
            if self._metrics is not None:
                self._metrics.sent.inc()
        else:
            self.stats.failed += 1
            log.warning("outbox %s failed for good: %s", message.id, failed)
            if self._on_permanent_failure is not None:
                await self._on_permanent_failure(message, failed)

    async def _pace(self, chat_id: int) -> None:
        """Telegram's limits, on real monotonic time: the global rate, a token bucket per chat
        (a short burst, then ``send_rate_per_chat``), and a pause after a 429."""
        now = time.monotonic()
        tokens, at = self._chat_tokens.get(chat_id, (self._chat_burst, now))
        tokens = min(self._chat_burst, tokens + (now - at) * self._chat_rate)
        chat_wait = 0.0 if tokens >= 1 else (1 - tokens) / self._chat_rate
        wait = max(self._paused_until - now, self._next_send - now, chat_wait)
        if wait > 0:
            await asyncio.sleep(wait)
        now = time.monotonic()
        tokens = min(self._chat_burst, tokens + chat_wait * self._chat_rate)
        self._chat_tokens[chat_id] = (tokens - 1, now)
        self._next_send = max(now, self._next_send) + self._interval

    async def _send(self, message: OutboxMessage) -> int | None:
        if message.method == "delete":
            target = await self._target_message_id(message)
            if target is None:
                return None
            await self._pace(message.chat_id)
            try:
                await self._bot.delete_message(message.chat_id, target)
            except BadRequest as exc:
                log.info("outbox %s: delete refused (%s); treated as done", message.id, exc)
            return None
        translator = await self._translator_for(message)
        rendered = await self._renderer.render(translator, message.template, message.params)
        markup = _markup(rendered)
        try:
            if message.method == "edit" and message.template == KEYBOARD:
                return await self._edit_keyboard(message, markup)
            if message.method == "edit":
                (edit,) = deliveries(rendered, edit=True)
                target = await self._target_message_id(message)
                if target is None:
                    raise PermanentFailure("the message to edit was never sent")
                await self._pace(message.chat_id)
                try:
                    await self._bot.edit_message_text(
                        edit.text,
                        chat_id=message.chat_id,
                        message_id=target,
                        reply_markup=markup if isinstance(markup, InlineKeyboardMarkup) else None,
                    )
                except BadRequest as exc:
                    if "not modified" in str(exc).lower():
                        return target
                    raise
                return target
            calls = deliveries(rendered)
            done, last_id = self._delivered_parts.get(message.id, (0, None))
            if len(calls) > 1:
                log.info("outbox %s: %d messages, too long for one", message.id, len(calls))
            for index, call in enumerate(calls[done:], start=done):
                last_id = await self._call(message.chat_id, call, rendered, markup)
                self._delivered_parts[message.id] = (index + 1, last_id)
            return last_id
        except Forbidden as exc:
            raise PermanentFailure(f"403 {exc}") from exc
        except BadRequest as exc:
            raise PermanentFailure(f"400 {exc}") from exc

    async def _edit_keyboard(self, message: OutboxMessage, markup: Any) -> int | None:
        """A card whose action is done loses its keyboard (or gets another); the text stays.
        It is cosmetic: a message never sent, gone or refused is left as it is."""
        target = await self._target_message_id(message)
        if target is None:
            return None
        await self._pace(message.chat_id)
        try:
            await self._bot.edit_message_reply_markup(
                chat_id=message.chat_id,
                message_id=target,
                reply_markup=markup if isinstance(markup, InlineKeyboardMarkup) else None,
            )
        except (BadRequest, Forbidden) as exc:
            log.info("outbox %s: keyboard edit refused (%s); treated as done", message.id, exc)
        return target

    async def _call(self, chat_id: int, call: Delivery, rendered: Rendered, markup: Any) -> int:
        """One Bot API call of a message; the keyboard only on the call that carries it."""
        await self._pace(chat_id)
        keyboard = markup if call.markup else None
        if call.kind == "location":
            assert rendered.location is not None
            latitude, longitude = rendered.location
            sent = await self._bot.send_location(chat_id, latitude, longitude)
        elif call.kind == "photo":
            content = rendered.qr_png if rendered.file is None else rendered.file.content
            assert content is not None
            photo: Any = content
            if rendered.file is not None:
                photo = InputFile(content, filename=rendered.file.name)
            sent = await self._bot.send_photo(
                chat_id, photo, caption=call.text or None, reply_markup=keyboard
            )
        elif call.kind == "document":
            assert rendered.file is not None
            document = InputFile(rendered.file.content, filename=rendered.file.name)
            sent = await self._bot.send_document(
                chat_id, document, caption=call.text or None, reply_markup=keyboard
            )
        else:
            sent = await self._bot.send_message(chat_id, call.text, reply_markup=keyboard)
        return sent.message_id

    async def _target_message_id(self, message: OutboxMessage) -> int | None:
        if message.ref_message_id is not None:
            return message.ref_message_id
        if message.ref_outbox_id is None:
            return None
        async with self._store.unit_of_work(readonly=True) as uow:
            original = await uow.outbox.get(message.ref_outbox_id)
        return None if original is None else original.message_id


def _markup(rendered: Rendered) -> Any:
    if rendered.buttons:
        return InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(b.label, url=b.url)
                    if b.url
                    else InlineKeyboardButton(b.label, callback_data=b.token)
                    for b in row
                ]
                for row in rendered.buttons
            ]
        )
    if rendered.reply_request:
        button = KeyboardButton(
            rendered.reply_label or "",
            request_contact=rendered.reply_request == "contact" or None,
            request_location=rendered.reply_request == "location" or None,
        )
        return ReplyKeyboardMarkup([[button]], resize_keyboard=True, one_time_keyboard=True)
    if rendered.remove_reply_keyboard:
        return ReplyKeyboardRemove()
    return None
