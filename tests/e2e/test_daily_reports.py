"""The daily reports end to end on the sandbox: at 18:00 the technician gets their report and
corrects it, the manager gets the branch report with its workbook and chart and returns it
with a comment (the supervisor is told), and the accountant's /cash."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest

from fieldbot.sandbox.driver import Sandbox
from tests.e2e.test_technician_flow import FAST, FAST_LIMITS, staff

pytestmark = pytest.mark.e2e


@pytest.fixture
async def sb() -> AsyncIterator[Sandbox]:
    async with Sandbox.start(settings=FAST, limits=FAST_LIMITS) as sandbox:
        yield sandbox


async def test_end_of_day_reports_corrected_returned_and_cash(sb: Sandbox) -> None:
    tech = await staff(sb, "T02", 1002, "Li Wei", "en")
    manager = await staff(sb, "M01", 2101, "Liu", "zh-hans")
    accountant = await staff(sb, "A01", 2501, "Zhou", "zh-hans")
    sup_one = await staff(sb, "S01", 2001, "Wang", "zh-hans")
    await sb.clock.advance(hours=9, minutes=31)  # Monday 18:01

    report = await tech.wait_for("Your daily report for 2026-09-14")
    assert "Type A: 0 jobs, 0.00 h" in report.text and "cash held ¥0.00" in report.text
    await tech.tap("Correct", message=report)
    await tech.wait_for("Send your admin minutes")
    await tech.send("45 branch meeting")
    await tech.wait_for("corrected: 45 admin minutes")
    told = await sup_one.wait_for("更正了 2026-09-14 的工作日报表")
    assert "branch meeting" in told.text

    summary = await manager.wait_for(re.compile(r"服务主任日报表 .*2026-09-14：.*\n.*登记"))
    workbook = await manager.wait_for("工作簿")
    assert workbook.document is not None
    assert workbook.document[:2] == b"PK"
    assert (workbook.document_name or "").endswith("daily-SH01-2026-09-14.xlsx")
    chart = await manager.wait_for("图表")
    assert chart.photo is not None and chart.photo[:4] == b"\x89PNG"
    await manager.tap("退回", message=summary)
    await manager.wait_for("意见")
    await manager.send("请补充说明")
    await manager.wait_for("已退回服务主任")
    back = await sup_one.wait_for("请补充说明")
    assert "2026-09-14 的服务主任日报表被" in back.text

    await accountant.send("/cash")
    held = await accountant.wait_for("技术员持有现金")
    assert "T02" in held.text
