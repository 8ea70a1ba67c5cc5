"""``fieldbot demo``: a scripted working day on the Bot API sandbox, narrated with Rich.

Everything is real: the sandbox serves the Bot API over HTTP, the bot is the same runtime
``fieldbot run`` starts, the database is an SQLite file in the output directory, and the
simulated phones press the same buttons people press. Later features add scenes.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path

from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from fieldbot.sandbox.driver import Message, Phone, Sandbox


class Narrator:
    def __init__(self, console: Console, transcript: Path) -> None:
        self.console = console
        self._transcript = transcript.open("w", encoding="utf-8")

    def scene(self, title: str) -> None:
        self.console.rule(f"[bold]{title}")
        self._transcript.write(f"\n== {title} ==\n")

    def says(self, who: str, text: str) -> None:
        self.console.print(f"[cyan]{who}[/] ▶ {text}")
        self._transcript.write(f"{who} > {text}\n")

    def sees(self, who: str, message: Message) -> None:
        body = message.text
        if message.buttons:
            body += "\n" + "  ".join(f"[{label}]" for row in message.buttons for label in row)
        if message.reply_buttons:
            body += "\n" + "  ".join(f"⟦{label}⟧" for row in message.reply_buttons for label in row)
        self.console.print(Panel(body, title=f"{who}'s phone", title_align="left", width=80))
        self._transcript.write(f"{who} < {body}\n")

    def close(self) -> None:
        self._transcript.close()


async def _show_new(narrator: Narrator, who: str, phone: Phone, seen: int) -> int:
    for message in phone.inbox[seen:]:
        narrator.sees(who, message)
    return len(phone.inbox)


def _loaded_table(rows: Iterable[tuple[str, int]]) -> Table:
    table = Table(title="The sample company, loaded")
    table.add_column("records")
    table.add_column("count", justify="right")
    for name, count in rows:
        table.add_row(name, str(count))
    return table


def _fresh_directory(out: str) -> Path:
    directory = Path(out).resolve()
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    return directory


async def run_demo(out: str = "demo-output") -> None:
    console = Console()
    directory = _fresh_directory(out)
    db_url = f"sqlite+aiosqlite:///{directory}/fieldbot.db"
    narrator = Narrator(console, directory / "transcript.txt")
    try:
        async with Sandbox.start(db_url=db_url) as sb:
            runtime = sb.bots[0]
            store = runtime.store  # type: ignore[attr-defined]
            async with store.unit_of_work(readonly=True) as uow:
                counts = [
                    ("branches", len(await uow.branches.all())),
                    ("staff", len(await uow.staff.all())),
                    ("customers", len(await uow.customers.all())),
                    ("equipment", len(await uow.equipment.all())),
                    ("contracts", len(await uow.contracts.all())),
                    ("parts", len(await uow.parts.all())),
                    ("stock lines", len(await uow.stock.all())),
                ]
            console.print(_loaded_table(counts))
            console.print(f"Bot API sandbox at {sb.base_url}, database {db_url}")
            console.print(f"Simulated time: {sb.clock.now().isoformat()}")

            narrator.scene("08:30 — staff register with their invite links")
            sup = sb.phone(user_id=2001, name="王芳 (S01)", language="zh-hans")
            tech = sb.phone(user_id=1002, name="Li Wei (T02)", language="en")
            seen = {2001: 0, 1002: 0, 5002: 0}
            for who, phone, code in (("王芳 (S01)", sup, "S01"), ("Li Wei (T02)", tech, "T02")):
                payload = await sb.invite(code)
                narrator.says(who, f"opens https://t.me/{sb.bot_username}?start={payload}")
                await phone.start(payload)
                await phone.wait_for(f"{'欢迎' if code == 'S01' else 'Welcome'}")
                seen[phone.user_id] = await _show_new(narrator, who, phone, 0)

            narrator.scene("08:40 — a customer binds by sharing their phone number")
            customer = sb.phone(user_id=5002, name="Blue Harbour Bistro (C002)", language="en")
            narrator.says("Blue Harbour Bistro", "/start")
            await customer.start()
            await customer.wait_for("share your phone number")
            narrator.says("Blue Harbour Bistro", "shares contact +86 139 0171 0002")
            await customer.share_contact(phone="+8613901710002")
            await customer.wait_for("registered as our customer")
            seen[5002] = await _show_new(narrator, "Blue Harbour Bistro", customer, 0)

            narrator.scene("08:45 — everyone asks what they can do")
            for who, phone in (
                ("王芳 (S01)", sup),
                ("Li Wei (T02)", tech),
                ("Blue Harbour Bistro", customer),
            ):
                narrator.says(who, "/help")
                await phone.send("/help")
                await phone.wait_for("/lang")
                seen[phone.user_id] = await _show_new(narrator, who, phone, seen[phone.user_id])

            narrator.scene("08:50 — the technician switches to Chinese")
            narrator.says("Li Wei (T02)", "/lang → 中文")
            await tech.send("/lang")
            await tech.wait_for("Choose your language")
            await tech.tap("中文")
            await tech.wait_for("中文")
            seen[1002] = await _show_new(narrator, "Li Wei (T02)", tech, seen[1002])
    finally:
        narrator.close()
    console.print(f"[green]Demo finished.[/] Transcript and database in {directory}/")
