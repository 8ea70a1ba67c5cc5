"""Reusable end-to-end scenarios: whole stretches of work driven through the chats only.

``working_day`` is a full working day of the sample company, with every kind of message the bot
sends in it: staff invites, customers binding by contact (and sharing it again), jobs
registered from ``/new`` by phone, by name and by code, dispatch cards, a decline with a
reason, appointments, arrival, the finish form, sign-off in the chat and by the QR link,
a dispute, ``/status``, cash, an emergency nobody dispatches up the ladder, a message that
cannot be delivered, the evening carry-over and the next morning. Tests run it and then check
what the day left behind (privacy, limits, ...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from fieldbot.sandbox.driver import Phone, Sandbox
from fieldbot.sandbox.limits import Limits
from fieldbot.sandbox.steps import JOB_NUMBER, finish_form, staff
from fieldbot.sandbox.steps import arrive as _arrive
from fieldbot.sandbox.steps import register_call as _register

# A day is many messages a chat: at Telegram's pace the day would be spent in the sender's
# pacing (tested in test_sender.py). The bot and the sandbox both allow a faster pace here.
FAST = {"send_rate_per_chat": 100, "send_burst_per_chat": 100}
FAST_LIMITS = Limits(per_chat_rate=100.0, per_chat_burst=100)

C001_SITE = (31.2297, 121.4803)
C002_SITE = (31.2286, 121.4530)
C003_SITE = (31.2386, 121.4900)


@dataclass
class Day:
    """The people of the day and the jobs they handled (numbers)."""

    phones: dict[str, Phone] = field(default_factory=dict)
    jobs: dict[str, str] = field(default_factory=dict)


async def _finish(tech: Phone, work: str, hours: str, fees: tuple[str | None, str, str]) -> None:
    """The English finish form without parts, up to its summary, then submitted."""
    await finish_form(tech, work=work, hours=hours, parts=[], fees=fees)
    await tech.tap("Submit")


async def working_day(sb: Sandbox) -> Day:
    """Monday 2026-09-14 from 08:30 to Tuesday morning, in both languages."""
    day = Day()
    p = day.phones

    # -- staff open their invites; customers bind by sharing their contact ------------------
    p["S01"] = sup = await staff(sb, "S01", 2001, "王芳", "zh-hans")
    p["S02"] = sup_en = await staff(sb, "S02", 2002, "David Chen", "en")
    p["T01"] = t01 = await staff(sb, "T01", 1001, "张磊", "zh-hans")
    p["T02"] = t02 = await staff(sb, "T02", 1002, "Li Wei", "en")
    p["K01"] = await staff(sb, "K01", 2201, "吴强", "zh-hans")
    await sup.start()  # "welcome back"
    await sup.wait_for("欢迎回来")

    p["C002"] = bistro = sb.phone(user_id=5002, name="Blue Harbour", language="en")
    await bistro.start()
    await bistro.wait_for("share your phone number")
    await bistro.share_contact(phone="+8613901710002")
    await bistro.wait_for("registered as our customer")
    await bistro.share_contact(phone="+8613901710002")  # again
    await bistro.wait_for("You are already registered as Blue Harbour Bistro")
    p["C003"] = cafe = sb.phone(user_id=5003, name="Bund Corner", language="en")
    await cafe.share_contact(phone="8613601710003")  # as Telegram sends it, without "+"
    await cafe.wait_for("registered as our customer")
    stranger = sb.phone(user_id=5099, name="路人", language="zh-hans")
    await stranger.share_contact(phone="+8613800138000")
    await stranger.wait_for("没有找到使用此手机号码的客户")
    await stranger.share_contact(phone="+8613901710002", user_id=5002)  # someone else's
    await stranger.wait_for("本人的手机号码")

    for phone, answer in ((sup, "您是王芳"), (t02, "You are Li Wei"), (bistro, "Blue Harbour")):
        await phone.send("/me")
        await phone.wait_for(answer)
        await phone.send("/help")
        await phone.wait_for("/lang")

    # -- 09:00 the café calls; S01 finds it by its phone ------------------------------------
    await sup.send("/new")
    await sup.wait_for("哪位客户来电")
    await sup.send("138 0013 8000")  # nobody's
    await sup.wait_for("没有匹配的客户")
    await sup.send("136 0171 0003")  # C003's
    await sup.wait_for("哪台设备")
    await sup.send("13901710002")  # a phone where a serial belongs
    await sup.wait_for("不是该客户的设备")
    await sup.tap(re.compile("CF21-0033"))
    await sup.tap("维修")
    await sup.tap("一般")
    await sup.wait_for("描述故障")
    await sup.send("咖啡机冲泡头漏水")
    await sup.tap("电话")
    await sup.wait_for("服务类型")
    await sup.tap("登记")
    registered = await sup.wait_for("请选择技术员")
    found = JOB_NUMBER.search(registered.text)
    assert found is not None
    day.jobs["cafe"] = cafe_job = found.group(0)
    await sup.tap(re.compile(r"\(T02\)"))
    await t02.wait_for("New job")

    # T02 declines with a reason of his own; S01 dispatches again from the job card
    await t02.tap("Decline")
    await t02.wait_for("Why do you decline")
    await t02.tap("Other reason")
    await t02.wait_for("write the reason")
    await t02.send("My van is in the garage")
    await t02.wait_for("went back to the supervisor")
    await sup.wait_for("My van is in the garage")
    await sup.send(f"/job {cafe_job}")
    await sup.wait_for(f"工单 {cafe_job}")
    await sup.tap("派工")
    await sup.wait_for("请选择技术员")
    await sup.tap(re.compile(r"\(T02\)"))
    await sup.wait_for("已派给")
    await t02.wait_for("New job")
    await t02.tap("Accept")
    await t02.wait_for("When will you be there")
    await t02.tap("In 1 h")
    await t02.wait_for("appointment set")
    await cafe.wait_for("will visit you")
    await cafe.tap("This time suits me")
    await t02.wait_for("the customer confirmed the appointment")
    await cafe.send("/status")
    await cafe.wait_for(cafe_job)
    await sup.send("/calls")
    await sup.wait_for("待办队列")

    await sb.clock.advance(minutes=50)
    await _arrive(t02, C003_SITE)
    await cafe.wait_for("on the way to you")
    await sb.clock.advance(minutes=50)
    await _finish(t02, "Replaced the group head gasket", "1", ("120", "30", "0"))
    await cafe.wait_for("Please confirm job")
    await cafe.tap("Confirm")
    await t02.wait_for("confirmed by the customer")
    await t02.send("/jobs")
    await t02.wait_for("signed off")
    await t02.tap("Cash collected")
    await t02.wait_for("is closed")

    # -- the bistro's machine, found by name; the bistro disputes ----------------------------
    day.jobs["bistro"] = bistro_job = await _register(
        sup, "Blue Harbour", "CF22-0107", "一般", "研磨器卡住"
    )
    await sup.tap(re.compile(r"\(T02\)"))
    await t02.wait_for("New job")
    await t02.tap("Accept")
    await t02.tap("In 1 h")
    await t02.wait_for("appointment set")
    await bistro.wait_for("will visit you")
    await bistro.tap("Another time, please")
    await bistro.wait_for("When would suit you")
    await bistro.send("Right now is fine")
    await t02.wait_for("Right now is fine")
    await t02.tap("Set appointment")
    await t02.wait_for("when will you be there")
    await t02.tap("In 1 h")
    await t02.wait_for("appointment set")
    await bistro.wait_for("will visit you")
    await _arrive(t02, C002_SITE)
    await _finish(t02, "Cleaned the grinder", "1", (None, "20", "0"))  # B: labour covered
    await bistro.wait_for("Please confirm job")
    await bistro.tap("Dispute")
    await bistro.wait_for("What is wrong")
    await bistro.send("The grinder still jams")
    await bistro.wait_for("objection")
    await sup.wait_for("The grinder still jams")
    await sup.tap("按现状接受")
    await sup.wait_for(bistro_job)

    # -- C001 is not bound: it signs off through the QR link, in Chinese ---------------------
    day.jobs["canteen"] = canteen_job = await _register(
        sup, "C001", "RF25-0001", "一般", "冷藏柜不制冷"
    )
    await sup.tap(re.compile(r"\(T01\)"))
    await t01.wait_for("新工单")
    await t01.tap("接受")
    await t01.wait_for("什么时候到")
    await t01.tap("今天 14:00")
    await t01.wait_for("预约")
    await t01.tap("已到达")
    await t01.wait_for("共享位置")
    await t01.share_location(*C001_SITE)
    await t01.wait_for("到达已核实")
    await t01.tap("完工")
    await t01.wait_for("做了什么")
    await t01.send("更换门封条")
    await t01.wait_for("多少小时")
    await t01.send("1")
    await t01.wait_for("车上的配件")
    await t01.tap("没有更多配件")
    await t01.wait_for("交通费")  # type C: no labour is asked
    await t01.send("0")
    await t01.wait_for("其他费用")
    await t01.send("0")
    await t01.wait_for("待记录")
    await t01.tap("提交")
    qr = await t01.wait_for("扫描")
    link = re.search(r"https://t\.me/\S+\?start=(\S+)", qr.text)
    assert link is not None
    p["C001"] = owner = sb.phone(user_id=5001, name="李记", language="zh-hans")
    await owner.start(link.group(1))
    await owner.wait_for("请确认")
    await owner.tap("确认")
    await owner.wait_for("已确认")
    await t01.wait_for("客户已确认")
    await owner.send("/status")
    await owner.wait_for(canteen_job)

    # -- S02 registers a call for C004 by phone, in English, and leaves it overnight ----------
    await sup_en.send("/new 021-59231004")
    await sup_en.wait_for("Which unit")
    await sup_en.tap("No particular unit")
    await sup_en.tap("maintenance")
    await sup_en.tap("general")
    await sup_en.wait_for("Describe the fault")
    await sup_en.send("yearly check of both units")
    await sup_en.tap("phone")
    await sup_en.wait_for("Service type")
    await sup_en.tap("Register")
    await sup_en.wait_for("Registered job")

    # -- an emergency nobody dispatches: up the ladder, acknowledged ------------------------
    day.jobs["emergency"] = emergency = await _register(
        sup, "C003", "CF21-0033", "紧急", "咖啡机漏电"
    )
    await sb.clock.advance(hours=2, minutes=5)
    await sup.wait_for(re.compile("升级"))
    await sup.tap("已知悉")
    # T01 has blocked the bot: the offer cannot be delivered and the supervisors are told
    await t01.block()
    await sup.send(f"/job {emergency}")
    await sup.wait_for(f"工单 {emergency}")
    await sup.tap("派工")
    await sup.wait_for("请选择技术员")
    await sup.tap(re.compile(r"\(T01\)"))
    await sup.wait_for("无法送达")

    # -- the evening and the next morning ------------------------------------------------------
    await sb.clock.advance(hours=22)
    return day
