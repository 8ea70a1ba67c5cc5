"""/kpi in the chat (issue 13), end to end on the sandbox: a supervisor sees their own branch
(English), not another branch's technician; the manager a technician's KPIs and month
(Chinese); a period that is not one is refused in the person's language."""

from __future__ import annotations

import re
from typing import Any

import pytest

from fieldbot.sandbox.driver import Sandbox
from fieldbot.services.complaints import file_by_staff, record_contact
from tests.e2e.scenarios import staff

pytestmark = pytest.mark.e2e


async def _complaint_replied(sb: Sandbox) -> None:
    bot: Any = sb.bots[0]
    async with bot.store.unit_of_work() as uow:
        filed = await file_by_staff(
            uow, bot.settings, bot.clock, actor="S02", description="late", customer="C004"
        )
        await record_contact(
            uow,
            bot.settings,
            bot.clock,
            complaint=filed.id,
            actor="S02",
            kind="call",
            at=bot.clock.now(),
            outcome="apologised",
        )
        await uow.commit()


async def test_kpi_in_the_chat_for_a_branch_and_a_technician_in_both_languages(
    sb: Sandbox,
) -> None:
    await _complaint_replied(sb)
    s02 = await staff(sb, "S02", 2002, "Sam", "en")
    await s02.send("/kpi")
    own = await s02.wait_for("KPIs of branch SH02, 2026-09:")
    assert "✓ Complaints replied to: 100.0 % (target 100 %, 1/1)" in own.text
    assert "✓ Resolution rate: none counted (target 95 %, 0/0)" in own.text
    assert "10 of 10 KPIs met." in own.text
    await s02.send("/kpi T01")
    await s02.wait_for("You may not do that.")
    await s02.send("/help")
    assert "/kpi — the KPIs: /kpi [SH01 | T01 | company]" in (await s02.wait_for("/lang")).text

    m01 = await staff(sb, "M01", 2101, "刘建国", "zh-hans")
    await m01.send("/kpi 2026-09 t01")
    found = await m01.wait_for("技术员 T01 2026-09 的考核指标：")
    assert "✓ 投诉答复率：无统计数据（目标 100 %，0/0）" in found.text
    assert "T01 2026-09 的工作绩效：" in found.text
    assert re.search(r"已结案工单：0 张", found.text)
    await m01.send("/kpi 2026-13")
    await m01.wait_for("这不是有效的期间")
