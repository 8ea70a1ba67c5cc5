"""The technicians' side of the day: a sign-off by photo of the paper voucher, a QR sign-off
with cash, a decline, a part short in the van, a quote, a fee above the approval limit and an
invoice, an arrival outside the geofence and a take-back with its bill."""

from __future__ import annotations

import re

from fieldbot.cli.demo.stage import Stage
from fieldbot.i18n import N_
from fieldbot.sandbox.driver import Phone
from fieldbot.sandbox.steps import arrive, finish_form, register_call

C001_SITE = (31.2297, 121.4803)
C002_SITE = (31.2286, 121.4530)
C003_SITE = (31.2386, 121.4900)
C006_SITE = (31.2270, 121.4905)
OUTSIDE = 0.01  # degrees of latitude: about 1.1 km off the site


async def photo_signoff(stage: Stage) -> None:
    """李记餐厅 is not on Telegram: T02 sends the photo of the signed paper voucher."""
    stage.scene(N_("Li Wei repairs 李记餐厅's refrigerator; it signs the paper voucher"))
    tech = stage.phone("T02")

    async def go_there() -> None:
        await tech.tap("Accept")
        await tech.wait_for("When will you be there")
        await tech.tap("In 1 h")
        await tech.wait_for("appointment set")
        await stage.sb.clock.advance(minutes=40)
        await arrive(tech, C001_SITE)

    await stage.act(
        "T02", N_("accepts, sets the time, sets off and shares his location on site"), go_there()
    )

    async def finish() -> None:
        await stage.sb.clock.advance(minutes=30)
        await finish_form(
            tech, work="Replaced the door seal", hours="0.5", parts=[], fees=(None, "0", "0")
        )
        await tech.tap("Submit")
        await tech.tap("Photo of signed voucher")
        await tech.wait_for("send the photo of the voucher")
        await tech.send_photo(b"\x89PNG signed voucher")
        await tech.wait_for("is closed")

    await stage.act(
        "T02",
        N_("fills in the finish form (in warranty: no labour) and sends the photo of the voucher"),
        finish(),
    )


async def qr_signoff_and_cash(stage: Stage) -> None:
    """T01 repairs the snack bar's refrigerator; its owner scans the QR code and confirms."""
    stage.scene(N_("Zhang Lei repairs the snack bar's refrigerator; the owner scans the QR code"))
    tech = stage.phone("T01")

    async def go_there() -> None:
        await tech.tap("接受")
        await tech.wait_for("什么时候到")
        await tech.tap("1 小时后")
        await tech.wait_for("预约")
        await stage.sb.clock.advance(minutes=30)
        await tech.tap("已到达")
        await tech.wait_for("共享位置")
        await tech.share_location(*C006_SITE)
        await tech.wait_for("到达已核实")

    await stage.act("T01", N_("accepts, sets the time and shares his location on site"), go_there())

    async def finish() -> str:
        await stage.sb.clock.advance(minutes=40)
        await tech.tap("完工")
        await tech.wait_for("做了什么")
        await tech.send("清洗冷凝器，更换干燥过滤器")
        await tech.wait_for("多少小时")
        await tech.send("1")
        await tech.wait_for("车上的配件")
        await tech.tap(re.compile("^P009 "))
        await tech.wait_for("数量")
        await tech.send("1")
        await tech.wait_for("车上的配件")
        await tech.tap("没有更多配件")
        for question, amount in (("人工费", "100"), ("交通费", "0"), ("其他费用", "0")):
            await tech.wait_for(question)
            await tech.send(amount)
        await tech.wait_for("待记录")
        await tech.tap("提交")
        qr = await tech.wait_for("扫描")
        link = re.search(r"https://t\.me/\S+\?start=(\S+)", qr.text)
        assert link is not None
        return link.group(1)

    payload = await stage.act(
        "T01",
        N_("records the work, a filter drier from his van and the fees; shows the QR code"),
        finish(),
    )
    owner = stage.phone("C006")

    async def scan() -> None:
        await owner.start(payload)
        await owner.wait_for("请确认")
        await owner.tap("确认")
        await owner.wait_for("已确认")

    await stage.act("C006", N_("scans the QR code with their phone and confirms"), scan())

    async def cash() -> None:
        confirmed = await tech.wait_for("客户已确认")
        await tech.tap("已收现金", message=confirmed)
        await tech.wait_for("已关闭")

    await stage.act("T01", N_("collects the amount due in cash"), cash())


async def dispatch_and_decline(stage: Stage) -> None:
    """The café calls; S01 dispatches with the suggestions; T01 declines, T02 accepts."""
    stage.scene(N_("the café calls: its espresso machine leaks; S01 registers it"))
    sup, t01, t02, cafe = (stage.phone(code) for code in ("S01", "T01", "T02", "C003"))
    number = await stage.act(
        "S01",
        N_("/new → the café by its phone number → unit → repair → general → fault → phone"),
        register_call(sup, "136 0171 0003", "CF21-0033", "一般", "咖啡机冲泡头漏水，无法出咖啡"),
    )
    stage.jobs["cafe"] = number

    async def offer(technician: str, phone_text: str) -> None:
        await sup.tap(re.compile(rf"\({technician}\)"))
        await stage.phone(technician).wait_for(phone_text)

    await stage.act("S01", N_("picks Zhang Lei (T01) from the suggestions"), offer("T01", "新工单"))

    async def decline() -> None:
        await t01.tap("拒绝")
        await t01.wait_for("您为什么拒绝")
        await t01.tap("非我专长")
        await t01.wait_for("已退回主管")
        await sup.wait_for(number)

    await stage.act("T01", N_("declines: coffee machines are not his skill"), decline())

    async def redispatch() -> None:
        await sup.send(f"/job {number}")
        await sup.wait_for(f"工单 {number}")
        await sup.tap("派工")
        await sup.wait_for("请选择技术员")
        await offer("T02", "New job")

    await stage.act("S01", N_("dispatches it again, to Li Wei (T02)"), redispatch())

    async def accept() -> None:
        await t02.tap("Accept")
        await t02.wait_for("When will you be there")
        await t02.tap("In 1 h")
        await t02.wait_for("appointment set")
        await cafe.wait_for("will visit you")
        await cafe.tap("This time suits me")
        await t02.wait_for("the customer confirmed the appointment")

    await stage.act("T02", N_("accepts and sets the time; the café agrees"), accept())


async def shortfall_quote_approval_invoice(stage: Stage) -> None:
    """On site the brewing unit is broken and not in the van: the storekeeper delivers it; the
    café accepts the quote; the total is above the approval limit; S01 approves; invoice."""
    stage.scene(N_("Li Wei at the café: the brewing unit is broken and not in his van"))
    sup, tech, keeper, cafe = (stage.phone(code) for code in ("S01", "T02", "K01", "C003"))
    await stage.act(
        "T02", N_("sets off and shares his location at the café"), arrive(tech, C003_SITE)
    )

    async def short() -> None:
        await tech.tap("Finish")
        await tech.wait_for("what did you do")
        await tech.send("Brewing unit broken")
        await tech.wait_for("How many hours")
        await tech.send("0.5")
        await tech.wait_for("Parts used from your van")
        await tech.send("brewing")
        await tech.wait_for("Parts matching")
        await tech.tap(re.compile("^P011 "))
        await tech.wait_for("Your van holds 0")
        await tech.send("1")
        await tech.wait_for("Your van lacks 1 × P011")
        await keeper.wait_for("P011")

    await stage.act("T02", N_("needs a brewing unit (P011): his van has none"), short())

    async def deliver() -> None:
        await keeper.tap(re.compile("."))
        await keeper.wait_for("已送达")
        await tech.wait_for("is in your van")

    await stage.act("K01", N_("delivers the part from the central warehouse to the van"), deliver())

    async def back() -> None:
        await tech.send("/jobs")
        await tech.wait_for("— accepted")
        await tech.tap("Set appointment")
        await tech.wait_for("when will you be there")
        await tech.tap("In 1 h")
        await tech.wait_for("appointment set")
        await stage.sb.clock.advance(minutes=55)
        await arrive(tech, C003_SITE)

    await stage.act("T02", N_("sets a new time and comes back with the part"), back())

    async def send_quote() -> None:
        await tech.tap("Send quote")
        for question, amount in (
            ("the estimated labour", "150"),
            ("estimated parts", "1175"),
            ("The travel fee", "0"),
            ("other call-out fee", "0"),
        ):
            await tech.wait_for(question)
            await tech.send(amount)
        await tech.wait_for("the quote to send")
        await tech.tap("Send quote")
        await cafe.wait_for("before the repair")

    await stage.act(
        "T02", N_("quotes ¥1,325.00 (above the quote limit: the café must accept)"), send_quote()
    )

    async def accept_quote() -> None:
        await cafe.tap("Accept quote")
        await tech.wait_for("the customer accepted the quote")

    await stage.act("C003", N_("accepts the quote in its chat"), accept_quote())

    async def finish() -> None:
        await tech.tap("Open job")
        await tech.wait_for("on site")
        await stage.sb.clock.advance(minutes=50)
        await finish_form(
            tech,
            work="Replaced the brewing unit and the group head gasket",
            hours="1",
            parts=[("P011", "1"), ("P018", "1")],
            fees=("150", "0", "0"),
        )
        await tech.tap("Submit")
        await tech.wait_for("above the approval limit")
        await sup.wait_for("需要您审批")

    await stage.act(
        "T02", N_("records the work, two parts and the labour: ¥1,325.00 needs approval"), finish()
    )

    async def approve() -> None:
        await sup.tap("批准")
        await tech.wait_for("the fees were approved")
        await cafe.wait_for("Please confirm job")

    await stage.act("S01", N_("approves the fees"), approve())

    async def sign_and_invoice() -> None:
        await cafe.tap("Confirm")
        confirmed = await tech.wait_for("confirmed by the customer")
        await tech.tap("Invoice", message=confirmed)
        await tech.wait_for("send the invoice number")
        await tech.send("INV-2026-0914")
        await tech.wait_for("is closed")

    await stage.act(
        "C003",
        N_("signs off in the chat; above the cash limit, Li Wei records the invoice"),
        sign_and_invoice(),
    )


async def outside_geofence_take_back(stage: Stage) -> None:
    """T02 reports arrival from down the street (unverified), takes the dishwasher back to the
    workshop; the bistro confirms the receipt; repair card, inspection, return, cash."""
    stage.scene(N_("Li Wei and the bistro's dishwasher: arrival outside the geofence"))
    sup, tech, bistro = (stage.phone(code) for code in ("S01", "T02", "C002"))
    number = stage.jobs["dishwasher"]

    async def go_there() -> None:
        await tech.tap("Accept")
        await tech.wait_for("When will you be there")
        await tech.tap("In 1 h")
        await tech.wait_for("appointment set")
        await bistro.wait_for("will visit you")
        await stage.sb.clock.advance(minutes=50)
        site = (C002_SITE[0] - OUTSIDE, C002_SITE[1])
        await arrive(tech, site, expect="arrival unverified")
        await sup.wait_for(number)

    await stage.act(
        "T02", N_("accepts and shares his location from the car park, 1.1 km away"), go_there()
    )

    async def take_back() -> None:
        await tech.tap("Take back")
        await tech.wait_for("promise the unit back")
        await tech.send("2026-09-16")
        await tech.wait_for("the unit is in the workshop")
        await bistro.wait_for("is in our workshop")

    await stage.act(
        "T02", N_("cannot fix it on site: takes it back, promised for Wednesday"), take_back()
    )
    await stage.act(
        "C002",
        N_("confirms the receipt in its chat"),
        _tap_and_wait(bistro, "Confirm", tech, "confirmed receipt"),
    )

    async def repair() -> None:
        await stage.sb.clock.advance(hours=1)
        await tech.send("/jobs")
        await tech.wait_for("in the workshop")
        await tech.tap("Repaired")
        await tech.wait_for("what did you repair")
        await tech.send("Replaced the rinse arm, cleaned the filters")
        await tech.wait_for("How many hours did the repair take")
        await tech.send("1")
        await tech.wait_for("Parts used from your van")
        await tech.send("P020")
        await tech.wait_for("Parts matching")
        await tech.tap(re.compile("^P020 "))
        await tech.wait_for("How many of")
        await tech.send("1")
        await tech.wait_for("Parts used from your van")
        await tech.tap("No more parts")
        asked = await tech.wait_for(re.compile("Labour fee|Travel fee"))
        if "Labour fee" in asked.text:
            await tech.send("0")
            await tech.wait_for("Travel fee")
        await tech.send("0")
        await tech.wait_for("other fee")
        await tech.send("0")
        await tech.wait_for("to be recorded")
        await tech.tap("Submit")
        await sup.wait_for("请检验")

    await stage.act("T02", N_("repairs it in the workshop and fills in the repair card"), repair())
    await stage.act(
        "S01",
        N_("inspects the repair and passes it"),
        _tap_and_wait(sup, "通过", tech, "passed inspection"),
    )

    async def give_back() -> None:
        await tech.send("/jobs")
        await tech.wait_for("ready for return")
        await tech.tap("Returned to the customer")
        await bistro.wait_for("Please confirm job")

    await stage.act("T02", N_("brings the dishwasher back with its bill"), give_back())

    async def sign_and_pay() -> None:
        await bistro.tap("Confirm")
        confirmed = await tech.wait_for("confirmed by the customer")
        await tech.tap("Cash collected", message=confirmed)
        await tech.wait_for("is closed")

    await stage.act("C002", N_("signs off; Li Wei collects the rinse arm in cash"), sign_and_pay())


async def _tap_and_wait(phone: Phone, label: str, other: Phone, answer: str) -> None:
    await phone.tap(label)
    await other.wait_for(answer)
