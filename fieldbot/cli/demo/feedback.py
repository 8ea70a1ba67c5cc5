"""The customers' feedback of the day: a survey in the chat, a survey taken by phone, and a
serious complaint that reaches the deputy GM at once."""

from __future__ import annotations

import re

from fieldbot.cli.demo.stage import Stage
from fieldbot.i18n import N_


async def survey_in_chat(stage: Stage) -> None:
    """The closed job's survey: one message that updates in place, changed before Submit."""
    stage.scene(N_("the café's job is closed: it answers the survey in its chat"))
    cafe = stage.phone("C003")

    async def answer() -> None:
        await cafe.wait_for("How did we do on job")
        for label in ("Attitude 4", "Skill 4", "Arrival time 3", "Keeping promises 4"):
            await cafe.tap(label)
        await cafe.tap("Arrival time 4")  # changed its mind before Submit
        await cafe.tap("Submit")
        await cafe.wait_for("add a comment")

    await stage.act("C003", N_("rates four items, changes one, submits"), answer())

    async def comment() -> None:
        await cafe.send("Fast and friendly, thank you")
        await cafe.wait_for("Thank you for your comment")

    await stage.act("C003", N_("adds a comment"), comment())


async def survey_by_phone(stage: Stage) -> None:
    """李记餐厅 is not on Telegram: the survey goes to the follow-up clerk at once."""
    stage.scene(N_("the follow-up clerk calls 李记餐厅 and records its survey"))
    clerk = stage.phone("F01")

    async def record() -> None:
        await clerk.send("/calls_due")
        await clerk.wait_for("需要电话回访")
        await clerk.tap(re.compile("^记录 J"))
        for level in ("4", "4", "3", "4"):
            await clerk.tap(re.compile(rf"^{level} "))
        await clerk.wait_for("客户有什么意见")
        await clerk.send("老板说修得很快")
        await clerk.wait_for("已记录")

    await stage.act("F01", N_("/calls_due → records the four answers and the comment"), record())


async def serious_complaint(stage: Stage) -> None:
    """The café complains; S01 classifies it serious: the deputy GM hears at once (level 3)."""
    stage.scene(N_("the café files a complaint; the supervisor finds it serious"))
    cafe, sup = stage.phone("C003"), stage.phone("S01")

    async def complain() -> None:
        await cafe.send("/complain")
        await cafe.wait_for("Which job")
        await cafe.tap(re.compile("^Job J"))
        await cafe.wait_for("describe your complaint")
        await cafe.send("The machine leaks again and scalded our barista")
        await cafe.wait_for("You may send photos now")
        await cafe.tap("File complaint")
        await cafe.wait_for("registered as")
        await sup.wait_for("新投诉")

    await stage.act("C003", N_("/complain → the job → what happened → file"), complain())

    async def classify() -> None:
        await sup.tap("打开投诉")
        await sup.wait_for("投诉 TS-")
        await sup.tap("严重")
        await sup.wait_for("已通知副总经理")
        await stage.phone("G01").wait_for("严重投诉 TS-")

    await stage.act("S01", N_("opens it and classifies it serious"), classify())
