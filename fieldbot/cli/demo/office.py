"""The office side of the day: the morning carry-over, the calls (a few played in full, the
bulk registered with the same service as ``fieldbot job new``), a consultation resolved
remotely, a customer's own request, and an emergency nobody dispatches up the ladder."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from fieldbot.cli.demo.stage import SHANGHAI, Stage
from fieldbot.i18n import N_, local_text
from fieldbot.sandbox.steps import JOB_NUMBER, register_call

# (customer, unit, kind, priority, fault): calls of the day registered in bulk. The morning's
# are booked kinds and questions (no arrival clock); the afternoon's repairs are due tomorrow.
MORNING_CALLS = [
    ("C007", "CF26-0602", "maintenance", "general", "季度保养"),
    ("C010", "IM24-0606", "maintenance", "general", "Yearly service of the ice maker"),
    ("C012", "AC26-0610", "installation", "general", "新空调安装调试"),
    ("C014", "CF25-0613", "training", "general", "Train the new baristas"),
    ("C016", "RF26-0616", "consultation", "consult", "展示柜温度怎么设置"),
    ("C011", "RF22-0608", "maintenance", "general", "冷库机组例行保养"),
    ("C020", "IM26-0622", "installation", "general", "制冰机安装"),
    ("C024", "RF24-0628", "maintenance", "general", "医用冷藏箱校准"),
]
AFTERNOON_CALLS = [
    ("C009", "DW25-0605", "repair", "general", "洗碗机不加热"),
    ("C013", "OV20-0612", "repair", "general", "蒸烤箱报错 E3"),
    ("C021", "CF23-0623", "repair", "general", "The grinder jams"),
    ("C017", "OV23-0617", "repair", "general", "烤炉温度不稳"),
    ("C018", "DW24-0619", "repair", "general", "洗碗机漏水"),
    ("C028", "IM26-0635", "repair", "general", "The ice maker makes no ice"),
    ("C029", "RF23-0636", "repair", "general", "冷藏柜噪音大"),
]
QUICK_MORNING, QUICK_AFTERNOON = 2, 1


async def _dispatch_from_card(stage: Stage, number: str, technician: str) -> None:
    """S01 opens the job card and dispatches it, choosing among the suggestions."""
    sup = stage.phone("S01")
    await sup.send(f"/job {number}")
    await sup.wait_for(f"工单 {number}")
    await sup.tap("派工")
    await sup.wait_for("请选择技术员")
    await sup.tap(re.compile(rf"\({technician}\)"))
    await sup.wait_for("已派给")


async def carry_over(stage: Stage) -> None:
    """Two calls of Sunday evening wait for the morning; S01 dispatches them first."""
    stage.scene(N_("Sunday evening: two calls reach the night line"))
    sunday = stage.now().astimezone(SHANGHAI) - timedelta(days=1)
    for key, (customer, unit, fault, hour) in {
        "noodle": ("C006", "RF23-0601", "冷藏柜不制冷", 19),
        "canteen": ("C001", "RF25-0001", "冷藏柜门封条破损", 21),
    }.items():
        called = datetime(sunday.year, sunday.month, sunday.day, hour, 40, tzinfo=SHANGHAI)
        job = await stage.bulk(
            "S01",
            N_("the night line registers {customer}'s call of {time}"),
            stage.register(
                customer=customer,
                equipment=unit,
                kind="repair",
                priority="general",
                fault=fault,
                actor="S01",
                called_at=called,
            ),
            customer=customer,
            time=local_text(called, SHANGHAI),
        )
        stage.jobs[key] = job.number
    await stage.advance_to(9)
    stage.scene(N_("the working day starts: the carry-over is first in the queue"))
    stage.show()
    await stage.act("S01", N_("opens her queue with /calls"), stage.phone("S01").send("/calls"))
    for key, technician in (("canteen", "T02"), ("noodle", "T01")):
        await stage.act(
            "S01",
            N_("dispatches {number} from its card to {technician}"),
            _dispatch_from_card(stage, stage.jobs[key], technician),
            number=stage.jobs[key],
            technician=technician,
        )


async def calls(stage: Stage, batch: list[tuple[str, str, str, str, str]], quick: int) -> None:
    """The phone keeps ringing: calls registered in one go (told in one line)."""
    chosen = batch[:quick] if stage.quick else batch
    stage.scene(N_("{count} more calls come in"), count=len(chosen))

    async def register_all() -> None:
        for customer, unit, kind, priority, fault in chosen:
            await stage.register(
                customer=customer,
                equipment=unit,
                kind=kind,
                priority=priority,
                fault=fault,
                actor="S01",
            )
            await stage.sb.clock.advance(minutes=2)

    await stage.bulk(
        "S01",
        N_("registers {count} calls ({customers}) with the same service as `fieldbot job new`"),
        register_all(),
        count=len(chosen),
        customers=", ".join(call[0] for call in chosen),
    )


async def consultation_resolved_remotely(stage: Stage) -> None:
    """The bistro asks how to descale: S01 advises by phone and resolves it remotely."""
    stage.scene(N_("a consultation: the bistro asks how to descale its machine"))
    job = await stage.act(
        "S01",
        N_("registers the bistro's question as a consultation"),
        stage.register(
            customer="C002",
            equipment="CF22-0107",
            kind="consultation",
            priority="consult",
            fault="How do I descale the espresso machine?",
            actor="S01",
        ),
    )
    stage.jobs["consultation"] = job.number
    sup, bistro = stage.phone("S01"), stage.phone("C002")

    async def resolve() -> None:
        await sup.send(f"/job {job.number}")
        await sup.wait_for(f"工单 {job.number}")
        await sup.tap("远程解决")
        await sup.wait_for("给客户的指导是什么")
        await sup.send("请运行除垢程序，然后重启机器。Run the descaling program, then restart.")
        await sup.wait_for("已远程解决")
        await bistro.wait_for("Please confirm job")

    await stage.act("S01", N_("resolves it remotely from the job card"), resolve())
    await stage.act("C002", N_("confirms in its chat"), _confirm(stage, "C002", "is complete"))


async def _confirm(stage: Stage, code: str, answer: str) -> None:
    phone = stage.phone(code)
    await phone.tap("Confirm")
    await phone.wait_for(answer)


async def own_request(stage: Stage) -> None:
    """The bistro reports a fault itself; S01 replies from the card, then dispatches it."""
    stage.scene(N_("the bistro reports a fault itself in the chat: its dishwasher leaks"))
    sup, bistro = stage.phone("S01"), stage.phone("C002")

    async def report() -> str:
        await bistro.send("/new")
        await bistro.wait_for("Which unit")
        await bistro.tap(re.compile("DW22-0108"))
        await bistro.wait_for("What is wrong")
        await bistro.send("The dishwasher leaks water onto the floor")
        await bistro.wait_for("How urgent")
        await bistro.tap("general")
        registered = await bistro.wait_for("registered as job")
        await sup.wait_for("客户在聊天中报修")
        found = JOB_NUMBER.search(registered.text)
        assert found is not None
        return found.group(0)

    number = await stage.act(
        "C002", N_("/new → the dishwasher → what is wrong → general"), report()
    )
    stage.jobs["dishwasher"] = number

    async def reply() -> None:
        await sup.tap("打开工单")
        await sup.wait_for("客户在聊天中自行报修")
        await sup.tap("回复客户")
        await sup.wait_for("请用一条消息写下")
        await sup.send("您好，我们马上安排技术员。Our technician is on his way today.")
        await bistro.wait_for("a message from")

    await stage.act(
        "S01", N_("opens the card and replies to the customer (first reply: 2 h)"), reply()
    )
    await stage.act(
        "S01",
        N_("dispatches {number} from its card to {technician}"),
        _dispatch_from_card(stage, number, "T02"),
        number=number,
        technician="T02",
    )


async def missed_deadline(stage: Stage) -> None:
    """An emergency nobody dispatches: reminder, overdue and level 1, then acknowledged."""
    stage.scene(N_("an emergency: the hotel's central air conditioning stops"))
    sup = stage.phone("S01")
    number = await stage.act(
        "S01",
        N_("registers the emergency from /new, and is called away before dispatching it"),
        register_call(sup, "C005", "AC23-0512", "紧急", "中央空调停机，厨房高温"),
    )
    stage.jobs["emergency"] = number
    stage.scene(N_("nobody dispatches it: the 2-hour assign deadline passes"))
    await stage.sb.clock.advance(hours=2, minutes=5)
    escalation = await sup.wait_for(re.compile(f"升级.*{number}|{number}.*升级", re.S))
    stage.show()

    async def acknowledge() -> None:
        await sup.tap("已知悉", message=escalation)
        await sup.wait_for("已确认")

    await stage.act("S01", N_("acknowledges: the ladder stops before the manager"), acknowledge())
