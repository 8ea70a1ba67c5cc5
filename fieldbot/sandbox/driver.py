"""The test driver of DESIGN.md §9: phones talking to the real bot through the Bot API sandbox.

Tests, the demo, the benchmarks and acceptance tests outside this repository use it, so its
names and behaviour are a contract::

    async with Sandbox.start(db_url=None, company="examples", settings={}, now=None) as sb:
        tech = sb.phone(user_id=1001, name="Li Wei", language="en")
        await tech.start(await sb.invite("T02"))
        msg = await tech.wait_for("Welcome")
        await tech.tap("Accept")                   # the newest message with inline buttons
        await tech.tap("Accept", message=msg)      # a button of that earlier message
        tech.alerts                                # pop-up answers of callback queries, newest last
        sb.db_url                                  # the database the bot runs on (for the CLI)
        await sb.clock.advance(hours=3)

- ``tap(label, message=msg)`` presses a button of ``msg``, a :class:`Message` this phone read
  earlier (its keyboard as it is now, edits applied) instead of the newest message with
  buttons; a button no longer there, or a message deleted, raises ``AssertionError``.
- ``phone.alerts`` lists the bot's answers to this phone's button presses that showed a text
  (``answerCallbackQuery`` with ``text``) as :class:`Alert` (``text``, ``show_alert``), newest
  last; a press answered silently adds nothing.
- ``phone.pressed`` lists the labels this phone tapped, each with the newest message id of the
  chat at the time (:func:`fieldbot.sandbox.transcript.chat_transcript` places them).
- ``sb.db_url`` is the database URL the bot runs on (a temporary SQLite file, or the fresh
  PostgreSQL database made for this sandbox), e.g. for the command line's
  ``FIELDBOT_DATABASE_URL``.

A phone's ``send`` returns the id of the message it sent; ``await phone.edit(message_or_id,
text)`` edits that text message afterwards (the bot gets an ``edited_message`` update with its
``edit_date``, as from Telegram). ``share_location`` sends any coordinates, out of range too,
as a modified client could.

The bot is built by a :data:`BotFactory` and driven through the :class:`BotHandle` protocol;
by default the factory and the database preparation are those of a
:class:`fieldbot.sandbox.harness.Harness` (``Harness.shared()``: one per process, so the sample
company is prepared once and copied for every sandbox).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import re
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from fieldbot.sandbox.bots import BotFactory, BotHandle, PrepareDatabase, SandboxEnv
from fieldbot.sandbox.faults import Faults
from fieldbot.sandbox.harness import Harness, fresh_database
from fieldbot.sandbox.inbox import Alert, Message
from fieldbot.sandbox.limits import Limits
from fieldbot.sandbox.models import StoredMessage
from fieldbot.sandbox.server import SandboxServer
from fieldbot.sandbox.world import World

__all__ = [
    "DEFAULT_NOW",
    "Alert",
    "BotFactory",
    "BotHandle",
    "Faults",
    "Harness",
    "Message",
    "Phone",
    "PrepareDatabase",
    "Sandbox",
    "SandboxEnv",
    "SettleTimeout",
    "SimulatedClock",
]

DEFAULT_NOW = datetime(2026, 9, 14, 8, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
SETTLE_TIMEOUT_S = 10.0
_SETTLE_POLL_S = 0.005
_MAX_STEPS = 100_000
_SAME_INSTANT_RUNS = 3  # work due now that a sweep could not finish (e.g. a send paced off)
_DEEP_LINK = re.compile(
    r"^(?:https?://)?(?:t|telegram)\.me/(?P<user>[A-Za-z0-9_]+)/?\?(?P<query>.*)$", re.I
)


class SettleTimeout(AssertionError):
    """The bot did not become quiet in time."""


class Phone:
    """One person's Telegram app, in a private chat with the bot (chat id == user id).

    Every action waits for the bot to settle before it returns.
    """

    def __init__(self, sandbox: Sandbox, user_id: int, name: str, language: str | None) -> None:
        self._sb = sandbox
        self.user_id = user_id
        self.name = name
        self.language = language
        self.chat_id = user_id
        self.opened_urls: list[str] = []  # URL buttons that were not deep links to the bot
        self.pressed: list[tuple[int, str]] = []  # (newest message id in the chat, label)
        self._cursor = 0  # changed_seq of the message wait_for last returned
        self._live_location: int | None = None

    @property
    def _world(self) -> World:
        return self._sb.server.world

    # ----------------------------------------------------------------- acting

    async def start(self, payload: str | None = None) -> None:
        """Opens the bot (``/start``), through a deep link when there is a ``payload``."""
        self._world.send_start(self.user_id, payload)
        await self._sb.settle()

    async def send(self, text: str) -> int:
        """Sends a text message; returns its id (for :meth:`edit`)."""
        sent = self._world.send_text(self.user_id, text)
        await self._sb.settle()
        return int(sent.message_id)

    async def edit(self, message_or_id: int | Message, text: str) -> None:
        """Edits a text message this phone sent earlier (its id, as ``send`` returned it, or a
        :class:`Message` with that id): the bot gets ``edited_message`` with ``edit_date``."""
        message_id = message_or_id.id if isinstance(message_or_id, Message) else message_or_id
        self._world.edit_text(self.user_id, int(message_id), text)
        await self._sb.settle()

    async def tap(self, label: str | re.Pattern[str], *, message: Message | None = None) -> None:
        """Presses a button of the newest message that has an inline keyboard (an edit makes a
        message newest), or of ``message`` (one read earlier from this phone, as its keyboard
        is now): the exact label, or the first label a pattern matches."""
        if message is None:
            stored = self._newest_with_buttons()
            which = "the newest message with buttons"
            if stored is None:
                raise AssertionError(
                    f"{self.name}: no message with inline buttons to tap {label!r}; "
                    f"last messages:\n{self._recent()}"
                )
        else:
            stored = self._stored(message)
            which = "that message"
        button = _find_button(stored, label)
        if button is None:
            labels = [[b.get("text") for b in row] for row in stored.inline_keyboard or []]
            raise AssertionError(
                f"{self.name}: no button {_show(label)} on {which} "
                f"(#{stored.message_id} {stored.text or stored.caption!r}); "
                f"its buttons: {labels}"
            )
        message_id = stored.message_id
        newest = max(self._world.chat_of(self.user_id, self.chat_id).messages, default=0)
        self.pressed.append((newest, str(button.get("text", ""))))
        if "callback_data" in button:
            data = button["callback_data"]
            self._world.press_button(self.user_id, self.chat_id, message_id, data)
        elif "url" in button:
            payload = self._deep_link_payload(str(button["url"]))
            if payload is None:
                self.opened_urls.append(str(button["url"]))
                return
            self._world.send_start(self.user_id, payload or None)
        else:
            raise AssertionError(f"{self.name}: the sandbox phone cannot press {button}")
        await self._sb.settle()

    async def share_location(
        self, lat: float, lon: float, *, live_period: int | None = None
    ) -> int:
        """Shares a location (a live one with ``live_period``); returns its message id. The
        coordinates are not checked: a modified client can send latitude 91."""
        sent = self._world.send_location(self.user_id, lat, lon, live_period=live_period)
        if live_period is not None:
            self._live_location = sent.message_id
        await self._sb.settle()
        return int(sent.message_id)

    async def move_location(self, lat: float, lon: float) -> None:
        """The live location shared last moves (the bot gets ``edited_message``)."""
        if self._live_location is None:
            raise AssertionError(f"{self.name}: share_location(..., live_period=...) first")
        self._world.move_location(self.user_id, self._live_location, lat, lon)
        await self._sb.settle()

    async def share_contact(self, phone: str, user_id: int | None = None) -> None:
        """Shares a contact card; ``user_id`` None: the phone's own (as "share my number")."""
        self._world.send_contact(self.user_id, phone, self.user_id if user_id is None else user_id)
        await self._sb.settle()

    async def send_photo(self, photo: str | Path | bytes, caption: str | None = None) -> None:
        self._world.send_photo(self.user_id, _read(photo), caption)
        await self._sb.settle()

    async def send_document(
        self,
        document: str | Path | bytes,
        file_name: str | None = None,
        caption: str | None = None,
        mime_type: str | None = None,
    ) -> None:
        if file_name is None:
            file_name = Path(document).name if not isinstance(document, bytes) else "file.bin"
        self._world.send_document(self.user_id, _read(document), file_name, mime_type, caption)
        await self._sb.settle()

    async def block(self) -> None:
        """Blocks the bot: its sends to this phone now fail with 403."""
        self._world.set_blocked(self.user_id, True)
        await self._sb.settle()

    async def unblock(self) -> None:
        self._world.set_blocked(self.user_id, False)
        await self._sb.settle()

    # ----------------------------------------------------------------- reading

    @property
    def inbox(self) -> list[Message]:
        """Every message the bot sent here, in order, edits applied (deleted ones gone)."""
        return [Message.of(m) for m in self._world.bot_messages(self.chat_id)]

    @property
    def alerts(self) -> list[Alert]:
        """The answers to this phone's button presses that showed a text (answerCallbackQuery
        with a ``text``), newest last; a press answered without a text adds nothing."""
        return [
            Alert(str(query.answer["text"]), bool(query.answer.get("show_alert")))
            for query in self._world.answered_queries
            if query.user_id == self.user_id and query.answer and query.answer.get("text")
        ]

    @property
    def last(self) -> Message | None:
        inbox = self.inbox
        return inbox[-1] if inbox else None

    async def wait_for(
        self,
        what: str | re.Pattern[str],
        timeout: float = 5.0,  # noqa: ASYNC109 - the §9 contract names it so
    ) -> Message:
        """The first message that arrived or was edited after the one returned last and whose
        text contains ``what`` (or matches the pattern); moves the cursor to it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            seen = self._world.seq
            for stored in self._after_cursor():
                if _matches(stored, what):
                    self._cursor = stored.changed_seq
                    return Message.of(stored)
            remaining = deadline - loop.time()
            if remaining <= 0 or not await self._world.wait_output(self.chat_id, seen, remaining):
                break
        raise AssertionError(
            f"{self.name}: no message {_show(what)} within {timeout} s after the one returned "
            f"last; last messages (> marks those after it):\n{self._recent()}"
        )

    def _after_cursor(self) -> list[StoredMessage]:
        messages = [
            m for m in self._world.bot_messages(self.chat_id) if m.changed_seq > self._cursor
        ]
        return sorted(messages, key=lambda m: m.changed_seq)

    def _stored(self, message: Message) -> StoredMessage:
        if message.chat_id != self.chat_id:
            raise AssertionError(
                f"{self.name}: message #{message.id} was sent to chat {message.chat_id}, "
                "not to this phone"
            )
        for stored in self._world.bot_messages(self.chat_id):
            if stored.message_id == message.id:
                return stored
        raise AssertionError(
            f"{self.name}: message #{message.id} is not in the chat any more (deleted); "
            f"last messages:\n{self._recent()}"
        )

    def _newest_with_buttons(self) -> StoredMessage | None:
        with_buttons = [m for m in self._world.bot_messages(self.chat_id) if m.inline_keyboard]
        return max(with_buttons, key=lambda m: m.changed_seq, default=None)

    def _recent(self, count: int = 8) -> str:
        messages = sorted(self._world.bot_messages(self.chat_id), key=lambda m: m.changed_seq)
        if not messages:
            return "  (none)"
        lines = [
            f"{'>' if m.changed_seq > self._cursor else ' '} {Message.of(m)}"
            for m in messages[-count:]
        ]
        return "\n".join(lines)

    def _deep_link_payload(self, url: str) -> str | None:
        """The start payload of a link to this bot ("" for a plain link); None otherwise."""
        username = self._sb.bot_username.lower()
        match = _DEEP_LINK.match(url)
        if match is not None and match.group("user").lower() == username:
            return parse_qs(str(match.group("query"))).get("start", [""])[0]
        parts = urlsplit(url)
        if parts.scheme == "tg" and parts.netloc == "resolve":
            query = parse_qs(parts.query)
            if query.get("domain", [""])[0].lower() == username:
                return query.get("start", [""])[0]
        return None


class SimulatedClock:
    """The sandbox's simulated time, as the driver moves it (``sb.clock``)."""

    def __init__(self, sandbox: Sandbox) -> None:
        self._sb = sandbox

    def now(self) -> datetime:
        return self._sb.server.now()

    async def advance(
        self,
        delta: timedelta | None = None,
        *,
        days: float = 0,
        hours: float = 0,
        minutes: float = 0,
        seconds: float = 0,
    ) -> datetime:
        """Moves the clock forward by ``delta`` and/or the units given (see advance_to)."""
        step = (delta or timedelta()) + timedelta(
            days=days, hours=hours, minutes=minutes, seconds=seconds
        )
        return await self.advance_to(self.now() + step)

    async def advance_to(self, instant: datetime) -> datetime:
        """Steps through every instant at which the bot has work due up to ``instant``, in
        order: set the clock there, have every bot run its due work, settle; then the next."""
        if instant.tzinfo is None or instant.utcoffset() is None:
            raise ValueError("advance_to needs a timezone-aware datetime")
        target = instant.astimezone(UTC)
        if target < self.now():
            raise ValueError(f"the clock does not run backwards ({self.now()} > {target})")
        sb = self._sb
        await sb.settle()
        ran_at: datetime | None = None
        runs_here = 0  # sweeps in a row at the same instant
        for _ in range(_MAX_STEPS):
            due = await self._next_due()
            now = self.now()
            if due is None or due > target:
                break
            if due <= now:
                if ran_at == now and runs_here >= _SAME_INSTANT_RUNS:
                    raise AssertionError(
                        f"next_due() still answers {due.isoformat()} after {runs_here} "
                        f"run_due() at {now.isoformat()}: it must answer an instant after now "
                        "once the work due now is done"
                    )
                due = now
            runs_here = runs_here + 1 if due == ran_at else 1
            sb.server.set_now(due)
            await self._run_due()
            ran_at = due
            await sb.settle()
        else:
            raise AssertionError(f"more than {_MAX_STEPS} due instants before {target}")
        if self.now() < target:
            sb.server.set_now(target)
        if ran_at != target:
            await self._run_due()
            await sb.settle()
        return self.now()

    async def _next_due(self) -> datetime | None:
        dues = [await handle.next_due() for handle in self._sb.bots]
        known = [due.astimezone(UTC) for due in dues if due is not None]
        return min(known, default=None)

    async def _run_due(self) -> None:
        # Every instance sweeps at once, as they would on their own timers: what is due must
        # still happen exactly once.
        await asyncio.gather(*(handle.run_due() for handle in self._sb.bots))


class Sandbox:
    """The sandbox server, the bot instance(s) on it, the phones and the simulated clock."""

    def __init__(
        self,
        server: SandboxServer,
        env: SandboxEnv,
        factory: BotFactory,
        settle_timeout: float = SETTLE_TIMEOUT_S,
        harness: Harness | None = None,
    ) -> None:
        self.server = server
        self.env = env
        self.harness = harness or Harness.shared()
        self.clock = SimulatedClock(self)
        self.faults: Faults = server.faults
        self.settle_timeout = settle_timeout
        self._factory = factory
        self._bots: list[BotHandle] = []
        self._phones: dict[int, Phone] = {}
        self._instances = itertools.count(env.instance + 1)

    @classmethod
    @contextlib.asynccontextmanager
    async def start(
        cls,
        db_url: str | None = None,
        company: str = "examples",
        settings: Mapping[str, Any] | None = None,
        now: datetime | None = None,
        *,
        factory: BotFactory | None = None,
        prepare: PrepareDatabase | None = None,
        limits: Limits | None = None,
        token: str | None = None,
        settle_timeout: float = SETTLE_TIMEOUT_S,
        harness: Harness | None = None,
    ) -> AsyncIterator[Sandbox]:
        """Starts the server, a fresh database, the bot, and yields the sandbox.

        ``factory``/``prepare`` (extensions): build the bot / fill the database another way;
        by default the ``harness``'s ``create_bot`` and ``prepare_database`` (``harness``
        None: ``Harness.shared()``). With a custom ``factory`` the database is prepared only
        when ``prepare`` is given.
        """
        harness = harness or Harness.shared()
        if factory is None:
            factory = harness.create_bot
            prepare = prepare or harness.prepare_database
        server = SandboxServer(token, now=now or DEFAULT_NOW, limits=limits)
        async with contextlib.AsyncExitStack() as stack:
            base_url = await server.start()
            stack.push_async_callback(server.stop)
            database = await stack.enter_async_context(fresh_database(db_url))
            merged = dict(settings or {})
            merged.setdefault("encryption_key", harness.key)
            merged.update(
                bot_token=server.token,
                bot_username=server.bot_username,
                bot_api_url=base_url,
                database_url=database,
            )
            env = SandboxEnv(
                base_url=base_url,
                token=server.token,
                bot_username=server.bot_username,
                db_url=database,
                settings=merged,
                clock=server.clock,
                instance=1,
            )
            if prepare is not None:
                await prepare(database, company, dict(merged))
            sandbox = cls(server, env, factory, settle_timeout, harness)
            stack.push_async_callback(sandbox._stop_all)
            await sandbox._launch(env)
            yield sandbox

    # ----------------------------------------------------------------- contract

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def token(self) -> str:
        return self.server.token

    @property
    def bot_username(self) -> str:
        return self.server.bot_username

    @property
    def db_url(self) -> str:
        """The database the bot runs on (for the command line: ``FIELDBOT_DATABASE_URL``)."""
        return self.env.db_url

    @property
    def bots(self) -> tuple[BotHandle, ...]:
        """The bot instances running now, the first one first."""
        return tuple(self._bots)

    def phone(self, user_id: int, name: str, language: str | None = "zh-hans") -> Phone:
        """The phone of a person (created on first use; the same object after)."""
        phone = self._phones.get(user_id)
        if phone is None:
            self.server.world.add_user(user_id, name, language_code=language)
            phone = Phone(self, user_id, name, language)
            self._phones[user_id] = phone
        return phone

    async def invite(self, staff_code: str) -> str:
        return await self._primary().invite(staff_code)

    async def settle(self, timeout: float | None = None) -> None:  # noqa: ASYNC109
        """Returns when no update is waiting or being handled, no Bot API call is being
        answered and every bot is idle (checked twice in a row)."""
        loop = asyncio.get_running_loop()
        limit = self.settle_timeout if timeout is None else timeout
        deadline = loop.time() + limit
        quiet_checks = 0
        while True:
            if self._quiet():
                quiet_checks += 1
                if quiet_checks >= 2:
                    return
            else:
                quiet_checks = 0
            if loop.time() >= deadline:
                raise SettleTimeout(f"the bot did not settle within {limit} s: {self._noise()}")
            await asyncio.sleep(_SETTLE_POLL_S)

    async def restart_bot(self) -> BotHandle:
        """The first bot dies abruptly (like kill -9) and a new one starts on the same env."""
        old = self._primary()
        await old.stop(abrupt=True)
        self._bots.remove(old)
        handle = await self._factory(self.env)
        await handle.start()
        self._bots.insert(0, handle)
        await self.settle()
        return handle

    async def spawn_bot(self, **settings: Any) -> BotHandle:
        """Another bot instance on the same database and token. ``settings`` (extension)
        override the first instance's, e.g. ``sandbox_role="worker"`` for a scheduler and
        sender without updates."""
        env = dataclasses.replace(
            self.env, instance=next(self._instances), settings={**self.env.settings, **settings}
        )
        return await self._launch(env)

    async def stop_bot(self, handle: BotHandle, *, abrupt: bool = False) -> None:
        await handle.stop(abrupt=abrupt)
        self._bots.remove(handle)

    # ----------------------------------------------------------------- inside

    async def _launch(self, env: SandboxEnv) -> BotHandle:
        handle = await self._factory(env)
        await handle.start()
        self._bots.append(handle)
        await self.settle()
        return handle

    async def _stop_all(self) -> None:
        while self._bots:
            await self._bots.pop().stop()

    def _primary(self) -> BotHandle:
        if not self._bots:
            raise RuntimeError("no bot is running in the sandbox")
        return self._bots[0]

    def _quiet(self) -> bool:
        if self.server.busy():
            return False
        if not self._bots:
            return True
        return self.server.pending_updates() == 0 and all(bot.idle() for bot in self._bots)

    def _noise(self) -> str:
        busy_bots = [i for i, bot in enumerate(self._bots) if not bot.idle()]
        return (
            f"{self.server.pending_updates()} update(s) not confirmed by the bot, "
            f"{self.server.busy()} Bot API call(s) in progress, "
            f"bot instance(s) not idle (by position): {busy_bots or 'none'}; "
            f"last calls: {self.server.call_log[-8:]}"
        )


def _find_button(message: StoredMessage, label: str | re.Pattern[str]) -> dict[str, Any] | None:
    for row in message.inline_keyboard or []:
        for button in row:
            text = str(button.get("text", ""))
            if (text == label) if isinstance(label, str) else label.search(text):
                return button
    return None


def _matches(message: StoredMessage, what: str | re.Pattern[str]) -> bool:
    text = message.text if message.text is not None else (message.caption or "")
    return what in text if isinstance(what, str) else what.search(text) is not None


def _show(what: str | re.Pattern[str]) -> str:
    return repr(what) if isinstance(what, str) else f"matching /{what.pattern}/"


def _read(source: str | Path | bytes) -> bytes:
    return source if isinstance(source, bytes) else Path(source).read_bytes()
