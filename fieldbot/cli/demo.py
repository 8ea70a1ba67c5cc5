"""``fieldbot demo``: a scripted working day on the Bot API sandbox, narrated with Rich.

Everything is real: the sandbox serves the Bot API over HTTP, the bot is the same runtime
``fieldbot run`` starts, the database is an SQLite file in the output directory, and the
simulated phones press the same buttons people press. Later features add scenes.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from fieldbot.repositories.events import verify
from fieldbot.sandbox.driver import Message, Phone, Sandbox
from fieldbot.sandbox.limits import Limits

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEMO_PACE = {"send_rate_per_chat": 20, "send_burst_per_chat": 20}
DEMO_LIMITS = Limits(per_chat_rate=20, per_chat_burst=20)


class Narrator:
    def __init__(self, console: Console, transcript: Path, now: Callable[[], datetime]) -> None:
        self.console = console
        self._now = now
        self._transcript = transcript.open("w", encoding="utf-8")

    def scene(self, title: str) -> None:
        at = self._now().astimezone(SHANGHAI).strftime("%a %H:%M")
        self.console.rule(f"[bold]{at} — {title}")
        self._transcript.write(f"\n== {at} — {title} ==\n")

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


async def _field_day(
    sb: Sandbox,
    narrator: Narrator,
    sup: Phone,
    tech: Phone,
    cafe: Phone,
    show: Callable[[], Awaitable[None]],
) -> None:
    """A call from the café, dispatched, repaired on site, signed off and paid."""
    narrator.scene(
        "09:00 — the café calls: its espresso machine leaks; the supervisor registers it"
    )
    narrator.says("王芳 (S01)", "/new C003 → unit → 维修 → 一般 → fault → 电话")
    await sup.send("/new C003")
    await sup.wait_for("哪台设备")
    await sup.tap(re.compile("CF21-0033"))
    await sup.tap("维修")
    await sup.tap("一般")
    await sup.wait_for("描述故障")
    await sup.send("咖啡机冲泡头漏水")
    await sup.tap("电话")
    await sup.wait_for("服务类型")
    await sup.tap("登记")
    await sup.wait_for("请选择技术员")
    narrator.says("王芳 (S01)", "dispatches to Li Wei (T02)")
    await sup.tap(re.compile(r"\(T02\)"))
    await tech.wait_for("New job")
    await show()

    narrator.scene("the technician accepts, sets the time, sets off and arrives")
    await tech.tap("Accept")
    await tech.wait_for("When will you be there")
    await tech.tap("In 1 h")
    await tech.wait_for("appointment set")
    await cafe.wait_for("will visit you")
    await cafe.tap("This time suits me")
    await sb.clock.advance(minutes=50)
    await tech.tap("On my way")
    await cafe.wait_for("on the way to you")
    await sb.clock.advance(minutes=10)
    await tech.tap("Arrived")
    await tech.wait_for("share your location")
    narrator.says("Li Wei (T02)", "shares his location at the café")
    await tech.share_location(31.2388, 121.4900)
    await tech.wait_for("arrival verified")
    await show()

    narrator.scene("work, parts and fees recorded; the customer signs off and pays cash")
    await sb.clock.advance(minutes=50)
    await tech.tap("Finish")
    await tech.wait_for("what did you do")
    await tech.send("Replaced the group head gasket, descaled the boiler")
    await tech.wait_for("How many hours")
    await tech.send("1")
    await tech.wait_for("Parts used from your van")
    await tech.tap("No more parts")
    await tech.wait_for("Labour fee")
    narrator.says("Li Wei (T02)", "types 12..5 by mistake")
    await tech.send("12..5")
    await tech.wait_for("I cannot read that amount")
    await tech.send("120")
    await tech.wait_for("Travel fee")
    await tech.send("30")
    await tech.wait_for("other fee")
    await tech.send("0")
    await tech.wait_for("to be recorded")
    await tech.tap("Submit")
    await cafe.wait_for("Please confirm job")
    await cafe.tap("Confirm")
    confirmed = await tech.wait_for("confirmed by the customer")
    await tech.tap("Cash collected", message=confirmed)  # the notice offers the next step
    await tech.wait_for("is closed")
    await show()


async def _own_request(
    narrator: Narrator, sup: Phone, bistro: Phone, show: Callable[[], Awaitable[None]]
) -> None:
    """A customer reports a fault themselves; the supervisor answers from the job card."""
    narrator.scene("the bistro reports a fault itself in the chat: its dishwasher leaks")
    narrator.says("Blue Harbour Bistro", "/new → HD-500 DW22-0108 → fault → general")
    await bistro.send("/new")
    await bistro.wait_for("Which unit")
    await bistro.tap(re.compile("DW22-0108"))
    await bistro.wait_for("What is wrong")
    await bistro.send("The dishwasher leaks water onto the floor")
    await bistro.wait_for("How urgent")
    await bistro.tap("general")
    await bistro.wait_for("registered as job")
    told = await sup.wait_for("客户在聊天中报修")
    await show()
    narrator.scene("the supervisor opens it and replies to the customer (the first reply, 2 h)")
    await sup.tap("打开工单", message=told)
    card = await sup.wait_for("客户在聊天中自行报修")
    await sup.tap("回复客户", message=card)
    await sup.wait_for("请用一条消息写下")
    narrator.says("王芳 (S01)", "writes the reply")
    await sup.send("您好，我们下午安排技术员联系您。Our technician will call you this afternoon.")
    await bistro.wait_for("a message from")
    await show()


async def _missed_deadline(
    sb: Sandbox, narrator: Narrator, sup: Phone, show: Callable[[], Awaitable[None]]
) -> None:
    """An emergency nobody dispatches: reminder, overdue, level 1, acknowledged."""
    narrator.scene("an emergency call: 李记餐厅's refrigerator is warm")
    await sup.send("/new C001")
    await sup.wait_for("哪台设备")
    await sup.tap(re.compile("RF25-0001"))
    await sup.tap("维修")
    await sup.tap("紧急")
    await sup.wait_for("描述故障")
    await sup.send("冷藏柜不制冷，食材有风险")
    await sup.tap("电话")
    await sup.wait_for("服务类型")
    await sup.tap("登记")
    await sup.wait_for("请选择技术员")
    await show()
    narrator.scene("nobody dispatches it: the 2-hour assign deadline passes")
    await sb.clock.advance(hours=2, minutes=5)
    await sup.wait_for(re.compile("升级"))
    await show()
    narrator.scene("the supervisor acknowledges: the ladder stops before the manager")
    await sup.tap("已知悉")
    await show()
    await sb.clock.advance(hours=2)
    await show()


async def _survey_in_chat(
    narrator: Narrator, cafe: Phone, show: Callable[[], Awaitable[None]]
) -> None:
    """The closed job's survey: one message that updates in place, changed before Submit."""
    narrator.scene("the job is closed: the café answers the survey in its chat")
    await cafe.wait_for("How did we do on job")
    for label in ("Attitude 4", "Skill 4", "Arrival time 3", "Keeping promises 4"):
        narrator.says("Bund Corner Café", f"taps {label}")
        await cafe.tap(label)
    narrator.says("Bund Corner Café", "changes its mind: Arrival time 4, then Submit")
    await cafe.tap("Arrival time 4")
    await cafe.tap("Submit")
    # the survey message was edited in place: show it as it stands now
    narrator.sees("Bund Corner Café", await cafe.wait_for("Your answers on job"))
    await cafe.wait_for("add a comment")
    await cafe.send("Fast and friendly, thank you")
    await cafe.wait_for("Thank you for your comment")
    await show()


async def _phone_survey(
    narrator: Narrator, sup: Phone, tech: Phone, clerk: Phone, show: Callable[[], Awaitable[None]]
) -> None:
    """李记餐厅 is not on Telegram: the voucher is signed on paper, and the survey goes to the
    follow-up clerk at once, who takes it by phone."""
    narrator.scene("a repair for 李记餐厅, which is not on Telegram: signed on the paper voucher")
    await sup.send("/new C001")
    await sup.wait_for("哪台设备")
    await sup.tap(re.compile("RF25-0001"))
    await sup.tap("维修")
    await sup.tap("一般")
    await sup.wait_for("描述故障")
    await sup.send("冷藏柜门封条破损")
    await sup.tap("电话")
    await sup.wait_for("服务类型")
    await sup.tap("登记")
    await sup.wait_for("请选择技术员")
    await sup.tap(re.compile(r"\(T02\)"))
    await tech.wait_for("New job")
    await tech.tap("Accept")
    await tech.tap("In 1 h")
    await tech.wait_for("appointment set")
    await tech.tap("Arrived")
    await tech.wait_for("share your location")
    await tech.share_location(31.2297, 121.4803)
    await tech.wait_for("arrival verified")
    await tech.tap("Finish")
    await tech.wait_for("what did you do")
    await tech.send("Replaced the door seal")
    await tech.wait_for("How many hours")
    await tech.send("1")
    await tech.wait_for("Parts used from your van")
    await tech.tap("No more parts")
    for question in ("Travel fee", "other fee"):  # type C: no labour asked
        await tech.wait_for(question)
        await tech.send("0")
    await tech.wait_for("to be recorded")
    await tech.tap("Submit")
    await tech.tap("Photo of signed voucher")
    await tech.wait_for("send the photo of the voucher")
    narrator.says("Li Wei (T02)", "sends the photo of the signed paper voucher")
    await tech.send_photo(b"\x89PNG signed voucher")
    await tech.wait_for("is closed")
    await show()
    narrator.scene("the follow-up clerk calls 李记餐厅 and records the survey")
    await clerk.send("/calls_due")
    await clerk.wait_for("需要电话回访")
    await clerk.tap(re.compile("^记录 J"))
    for level in ("4", "4", "3", "4"):
        await clerk.tap(re.compile(rf"^{level} "))
    await clerk.wait_for("客户有什么意见")
    await clerk.send("老板说修得很快")
    await clerk.wait_for("已记录")
    await show()


async def _serious_complaint(
    narrator: Narrator, sup: Phone, cafe: Phone, show: Callable[[], Awaitable[None]]
) -> None:
    """The café complains; the supervisor classifies it serious: the deputy GM hears at once."""
    narrator.scene("the café files a complaint; the supervisor finds it serious")
    await cafe.send("/complain")
    await cafe.wait_for("Which job")
    await cafe.tap(re.compile("^Job J"))
    await cafe.wait_for("describe your complaint")
    await cafe.send("The machine leaks again and scalded our barista")
    await cafe.wait_for("You may send photos now")
    await cafe.tap("File complaint")
    await cafe.wait_for("registered as")
    await sup.wait_for("新投诉")
    await sup.tap("打开投诉")
    await sup.wait_for("投诉 TS-")
    await sup.tap("严重")
    await sup.wait_for("已通知副总经理")
    await show()


async def run_demo(out: str = "demo-output") -> None:
    console = Console()
    directory = _fresh_directory(out)
    db_url = f"sqlite+aiosqlite:///{directory}/fieldbot.db"
    clock: list[Callable[[], datetime]] = []
    narrator = Narrator(console, directory / "transcript.txt", lambda: clock[0]())
    try:
        # A little faster than Telegram's one message a second per chat, so the day fits in
        # a minute; the pacing itself is the same code (see bench/ and tests/e2e).
        async with Sandbox.start(db_url=db_url, settings=DEMO_PACE, limits=DEMO_LIMITS) as sb:
            clock.append(sb.clock.now)
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

            narrator.scene("staff register with their invite links")
            sup = sb.phone(user_id=2001, name="王芳 (S01)", language="zh-hans")
            tech = sb.phone(user_id=1002, name="Li Wei (T02)", language="en")
            seen = {2001: 0, 1002: 0, 5002: 0}
            for who, phone, code in (("王芳 (S01)", sup, "S01"), ("Li Wei (T02)", tech, "T02")):
                payload = await sb.invite(code)
                narrator.says(who, f"opens https://t.me/{sb.bot_username}?start={payload}")
                await phone.start(payload)
                await phone.wait_for(f"{'欢迎' if code == 'S01' else 'Welcome'}")
                seen[phone.user_id] = await _show_new(narrator, who, phone, 0)

            narrator.scene("a customer binds by sharing their phone number")
            customer = sb.phone(user_id=5002, name="Blue Harbour Bistro (C002)", language="en")
            narrator.says("Blue Harbour Bistro", "/start")
            await customer.start()
            await customer.wait_for("share your phone number")
            narrator.says("Blue Harbour Bistro", "shares contact +86 139 0171 0002")
            await customer.share_contact(phone="+8613901710002")
            await customer.wait_for("registered as our customer")
            seen[5002] = await _show_new(narrator, "Blue Harbour Bistro", customer, 0)

            narrator.scene("everyone asks what they can do")
            for who, phone in (
                ("王芳 (S01)", sup),
                ("Li Wei (T02)", tech),
                ("Blue Harbour Bistro", customer),
            ):
                narrator.says(who, "/help")
                await phone.send("/help")
                await phone.wait_for("/lang")
                seen[phone.user_id] = await _show_new(narrator, who, phone, seen[phone.user_id])

            cafe = sb.phone(user_id=5003, name="Bund Corner Café (C003)", language="en")
            await cafe.share_contact(phone="+8613601710003")
            await cafe.wait_for("registered as our customer")
            seen[5003] = len(cafe.inbox)
            people = {
                2001: ("王芳 (S01)", sup),
                1002: ("Li Wei (T02)", tech),
                5003: ("Bund Corner Café", cafe),
            }

            async def show_all() -> None:
                for user_id, (who, phone) in people.items():
                    seen[user_id] = await _show_new(narrator, who, phone, seen.get(user_id, 0))

            await _field_day(sb, narrator, sup, tech, cafe, show_all)
            await _survey_in_chat(narrator, cafe, show_all)
            people[5002] = ("Blue Harbour Bistro", customer)
            await _own_request(narrator, sup, customer, show_all)
            manager = sb.phone(user_id=2101, name="刘建国 (M01)", language="zh-hans")
            await manager.start(await sb.invite("M01"))
            await manager.wait_for("欢迎")
            seen[2101] = len(manager.inbox)
            people[2101] = ("刘建国 (M01)", manager)
            await _missed_deadline(sb, narrator, sup, show_all)
            for user_id, name, code in ((2401, "孙丽 (F01)", "F01"), (2301, "赵明 (G01)", "G01")):
                phone = sb.phone(user_id=user_id, name=name, language="zh-hans")
                await phone.start(await sb.invite(code))
                await phone.wait_for("欢迎")
                seen[user_id] = len(phone.inbox)
                people[user_id] = (name, phone)
            await _phone_survey(narrator, sup, tech, people[2401][1], show_all)
            await _serious_complaint(narrator, sup, cafe, show_all)
            narrator.scene("the call log and the audit trail")
            async with store.unit_of_work(readonly=True) as uow:
                jobs = await uow.jobs.list()
                audit = await verify(uow.connection)
            for job in jobs:
                console.print(f"  {job.number}  {job.state.value:<12} {job.priority.value}")
            console.print(f"  event log: {audit.count} events, hash chain intact: {audit.ok}")
    finally:
        narrator.close()
    console.print(f"[green]Demo finished.[/] Transcript and database in {directory}/")
