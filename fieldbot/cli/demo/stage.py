"""The demo's stage: the cast of phones, the narration in the terminal and its files.

The narration (scene titles, who does what) is in the demo's language; what a phone shows is
in its person's own language, as the bot sends it. After every narrated action the stage shows
what each phone received since (the driver settles first, so a phone's messages always follow
the action that caused them). Bulk steps are told in one line and their messages counted.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO, cast
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.panel import Panel
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from fieldbot.bot.runtime import BotRuntime
from fieldbot.i18n import N_, Translator
from fieldbot.repositories.jobs import JobRecord
from fieldbot.sandbox.driver import Message, Phone, Sandbox
from fieldbot.sandbox.models import StoredMessage
from fieldbot.sandbox.transcript import chat_transcript
from fieldbot.services.jobs import register_job

SHANGHAI = ZoneInfo("Asia/Shanghai")
NARRATION = "narration.txt"
PHONES = "phones"
LOG = "demo.log"


@dataclass
class Person:
    code: str
    name: str
    phone: Phone
    cursor: int = 0  # the sandbox's sequence number of the last message shown
    shown: dict[int, str] = field(default_factory=dict)  # message id -> text last shown


@dataclass
class Stage:
    """Everything a scene uses: the sandbox, the cast, the narrator, the day's job numbers."""

    sb: Sandbox
    console: Console
    tr: Translator
    directory: Path
    quick: bool
    progress: Progress
    task: TaskID
    people: dict[str, Person] = field(default_factory=dict)
    jobs: dict[str, str] = field(default_factory=dict)
    _file: TextIO | None = None

    # ----------------------------------------------------------------- the cast

    def cast(self, code: str, name: str, phone: Phone) -> Phone:
        self.people[code] = Person(code, name, phone, self.sb.server.world.seq)
        return phone

    def phone(self, code: str) -> Phone:
        return self.people[code].phone

    @property
    def runtime(self) -> BotRuntime:
        return cast(BotRuntime, self.sb.bots[0])

    # ----------------------------------------------------------------- narration

    def text(self, message: str, **params: Any) -> str:
        return self.tr.gettext(message, **params)

    def scene(self, title: str, **params: Any) -> None:
        """A new scene: its title in the demo's language at the simulated time."""
        at = self.sb.clock.now().astimezone(SHANGHAI).strftime("%H:%M")
        line = f"{at} — {self.text(title, **params)}"
        self.console.rule(f"[bold]{line}")
        self._write(f"\n== {line} ==")

    def says(self, code: str, action: str, **params: Any) -> None:
        """Who does what (a narrated action)."""
        name = self.people[code].name
        text = self.text(action, **params)
        self.console.print(f"[cyan]{name}[/] ▶ {text}")
        self._write(f"{name} ▶ {text}")

    def note(self, message: str, **params: Any) -> None:
        text = self.text(message, **params)
        self.console.print(f"[dim]{text}[/]")
        self._write(f"   {text}")

    async def act(self, code: str, action: str, step: Awaitable[Any], **params: Any) -> Any:
        """Narrate an action, run it (it waits for the bot's answers), show what phones got."""
        self.says(code, action, **params)
        result = await step
        self.show()
        return result

    async def bulk(self, code: str, action: str, step: Awaitable[Any], **params: Any) -> Any:
        """A bulk step told in one line; each phone's messages are counted, not shown."""
        self.says(code, action, **params)
        result = await step
        self.show(brief=True)
        return result

    def show(self, *, brief: bool = False) -> None:
        """What the phones got since they were shown last (edits count as new), in the order
        it arrived across phones; ``brief``: one line per phone with the count."""
        world = self.sb.server.world
        fresh: list[tuple[StoredMessage, Person]] = []
        for person in self.people.values():
            got = [
                m for m in world.bot_messages(person.phone.chat_id) if m.changed_seq > person.cursor
            ]
            if got:
                person.cursor = max(m.changed_seq for m in got)
                fresh += [(m, person) for m in got]
                if brief:
                    self.note(
                        N_("{name}'s phone: {count} new (see its transcript)"),
                        count=len(got),
                        name=person.name,
                    )
        if brief:
            return
        for stored, person in sorted(fresh, key=lambda pair: pair[0].changed_seq):
            message = Message.of(stored)
            if message.text.strip() and person.shown.get(message.id) != message.text:
                # an edit that only took the keyboard away is not shown again
                person.shown[message.id] = message.text
                self.sees(person.name, message)

    def sees(self, name: str, message: Message) -> None:
        body = message.text
        if message.buttons:
            body += "\n" + "  ".join(f"[{label}]" for row in message.buttons for label in row)
        if message.photo is not None:
            body = "🖼 " + body
        title = self.text(N_("{name}'s phone"), name=name)
        self.console.print(Panel(body, title=title, title_align="left", width=84))
        self._write(f"{name} ◀ {body}")

    # ----------------------------------------------------------------- services

    async def register(self, **call: Any) -> JobRecord:
        """A call registered with the same service as ``fieldbot job new`` (and the chat)."""
        runtime = self.runtime
        assert runtime.store is not None and runtime.deps is not None
        async with runtime.store.unit_of_work() as uow:
            job = await register_job(uow, runtime.deps.settings, runtime.clock, **call)
            await uow.commit()
        assert runtime.sender is not None
        runtime.sender.wake()
        await self.sb.settle()
        return job

    async def advance_to(self, hour: int, minute: int = 0) -> None:
        """The simulated clock moves on to today's ``hour:minute`` (every due step runs)."""
        now = self.sb.clock.now().astimezone(SHANGHAI)
        target = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
        if target > now:
            await self.sb.clock.advance_to(target)

    def now(self) -> datetime:
        return self.sb.clock.now()

    # ----------------------------------------------------------------- files

    def open(self) -> None:
        self._file = (self.directory / NARRATION).open("w", encoding="utf-8")

    def _write(self, line: str) -> None:
        if self._file is not None:
            self._file.write(line + "\n")

    def close(self) -> list[Path]:
        """Writes one transcript per phone; closes the narration. Returns the files."""
        if self._file is not None:
            self._file.close()
            self._file = None
        directory = self.directory / PHONES
        directory.mkdir(exist_ok=True)
        written = [self.directory / NARRATION]
        for person in self.people.values():
            path = directory / f"{person.code}.txt"
            lines = chat_transcript(self.sb, person.phone, SHANGHAI)
            path.write_text(f"# {person.name}\n" + "\n".join(lines) + "\n", encoding="utf-8")
            written.append(path)
        return written


def new_progress(console: Console) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
    )


@contextmanager
def logging_to(path: Path) -> Iterator[None]:
    """Every log record of the day goes to ``path``, none to the terminal (the narration)."""
    root = logging.getLogger()
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    saved_level = root.level
    terminals = (sys.stderr, sys.stdout)
    saved = [h for h in root.handlers if getattr(h, "stream", None) in terminals]
    for stream in saved:
        root.removeHandler(stream)
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    chatty = logging.getLogger("httpx")  # one line per Bot API call: only its warnings
    chatty_level = chatty.level
    chatty.setLevel(logging.WARNING)
    logging.captureWarnings(True)
    try:
        yield
    finally:
        logging.captureWarnings(False)
        chatty.setLevel(chatty_level)
        root.removeHandler(handler)
        handler.close()
        for stream in saved:
            root.addHandler(stream)
        root.setLevel(saved_level)
