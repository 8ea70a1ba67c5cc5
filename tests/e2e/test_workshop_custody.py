"""Issue 11, custody and the workshop end to end on the sandbox: the customer confirms the
receipt in their chat, the repair card is billed by service type like on-site work, the
return is signed off in the chat, carry-in from the supervisor's card and by /carryin, and a
new promised date (/promise, or the card's button) told to the customer.
(The type A take-back signed with paper photos is in test_technician_flow.)"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from fieldbot.cli.jobs import details_json
from fieldbot.domain.model import JobState
from fieldbot.repositories.jobs import JobRecord
from fieldbot.sandbox.driver import Phone, Sandbox
from fieldbot.services import custody, dispatch, visit, workshop
from fieldbot.services.job_details import job_details
from tests.e2e.test_technician_flow import (
    FAST,
    FAST_LIMITS,
    customer,
    job_now,
    new_job,
    run,
    staff,
)

pytestmark = pytest.mark.e2e

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture(params=["sqlite", "postgresql"])
async def sb(request: pytest.FixtureRequest) -> AsyncIterator[Sandbox]:
    db_url = request.getfixturevalue("pg_url") if request.param == "postgresql" else None
    async with Sandbox.start(db_url=db_url, settings=FAST, limits=FAST_LIMITS) as sandbox:
        yield sandbox


async def _on_site(sb: Sandbox, job: JobRecord, tech: str) -> None:
    await run(sb, dispatch.accept, job=job.id, actor=tech)
    at = sb.clock.now() + timedelta(hours=1)
    await run(sb, visit.set_appointment, job=job.id, actor=tech, at=at)
    await run(sb, visit.arrive, job=job.id, actor=tech)


async def _shown(sb: Sandbox, number: str) -> dict[str, Any]:
    """What ``fieldbot job show NUMBER --json`` prints."""
    async with sb.bots[0].store.unit_of_work(readonly=True) as uow:  # type: ignore[attr-defined]
        return details_json(await job_details(uow, number), SH)


async def _add_part(tech: Phone, code: str) -> None:
    await tech.send(code)
    await tech.wait_for("与您的搜索匹配的配件")
    await tech.tap(f"{code} " + code_names[code])
    await tech.wait_for("的数量是多少")
    await tech.send("1")
    await tech.wait_for("用了车上的配件吗")


code_names = {
    "P004": "温控器 Thermostat (1)",
    "P006": "R404A 制冷剂（每公斤）Refrigerant R404A per kg (3)",
}


async def test_type_c_take_back_in_chinese_confirmed_and_signed_off_in_the_chat(
    sb: Sandbox,
) -> None:
    """Type C (in warranty): labour and the warranty-eligible thermostat are free, the
    refrigerant (not warranty-eligible) is charged; the customer confirms the receipt and
    signs off in their chat, in Chinese."""
    sup = await staff(sb, "S01", 2001, "王芳", "zh-hans")
    tech = await staff(sb, "T03", 1003, "陈刚", "zh-hans")
    shop = await customer(sb, "+862163281001", 5001, "李记")  # C001, zh_CN
    job = await new_job(sb, "C001", "RF25-0001", "T03")
    await _on_site(sb, job, "T03")
    await tech.send("/jobs")
    await tech.wait_for("在现场")
    await tech.tap("携回修护")
    await tech.wait_for("您承诺哪天归还设备")
    await tech.send("2026-09-16")
    taken = await tech.wait_for("设备已入维修车间")
    assert (
        f"收据 R{job.number[1:]}-1" in taken.text and "已请客户在 Telegram 中确认收据" in taken.text
    )
    asked = await shop.wait_for("已送入我们的维修车间")
    assert "FR-1200 立式双门冷藏柜 (RF25-0001)" in asked.text
    assert "2026-09-16 18:00" in asked.text and asked.buttons == [["确认"]]
    await shop.tap("确认")
    await shop.wait_for(f"谢谢！您已确认工单 {job.number} 的收据 R{job.number[1:]}-1")
    await tech.wait_for("客户已确认收据")
    shown = await _shown(sb, job.number)
    assert shown["receipt"] == {"number": f"R{job.number[1:]}-1", "voided": False}

    await tech.send("/jobs")
    card = await tech.wait_for("在维修车间")
    assert "签字收据照片" not in str(card.buttons)  # confirmed already
    await tech.tap("已修好")
    await tech.wait_for("您在车间修了什么")
    await tech.send("更换温控器并补充制冷剂")
    await tech.wait_for("维修用了几小时")
    await tech.send("1.5")
    await tech.wait_for("用了车上的配件吗")
    await _add_part(tech, "P004")
    await _add_part(tech, "P006")
    await tech.tap("没有更多配件")
    await tech.wait_for("人工费")
    await tech.send("200")
    await tech.wait_for("交通费")
    await tech.send("0")
    await tech.wait_for("其他费用")
    await tech.send("0")
    await tech.wait_for("1.5")
    await tech.tap("提交")
    await tech.wait_for("修护卡已记录：合计 ¥453.00，应收 ¥95.00")

    inspect = await sup.wait_for("返修已完成，请检验")
    assert "备件 P006" in inspect.text and "应收：¥95.00" in inspect.text
    await sup.tap("通过")
    await tech.wait_for("检验通过")
    await tech.send("/jobs")
    await tech.wait_for("待送还")
    await tech.tap("已归还客户")
    await tech.wait_for("设备已归还客户")
    paying = await tech.wait_for("已请客户在其 Telegram 聊天中确认")
    assert "已收现金" in str(paying.buttons)
    summary = await shop.wait_for(f"请确认工单 {job.number}")
    assert "工作：更换温控器并补充制冷剂" in summary.text
    assert "费用，人工费：¥200.00，保修内" in summary.text or "¥200.00，保修内" in summary.text
    assert "¥95.00，收费" in summary.text and "应付金额：¥95.00" in summary.text
    assert (await _shown(sb, job.number))["receipt"]["voided"] is False
    await shop.tap("确认")
    await shop.wait_for(f"谢谢！您已确认工单 {job.number}")
    await tech.wait_for("客户已确认")
    await tech.tap("已收现金", message=paying)
    await tech.wait_for(f"工单 {job.number} 已关闭")
    shown = await _shown(sb, job.number)
    assert shown["receipt"] == {"number": f"R{job.number[1:]}-1", "voided": True}
    assert shown["fees"]["total_fen"] == 45300 and shown["fees"]["due_fen"] == 9500
    assert [(line["kind"], line["charged_fen"]) for line in shown["fees"]["lines"]] == [
        ("labour", 0),
        ("parts", 0),
        ("parts", 9500),
    ]


async def test_type_b_workshop_repair_in_english_is_billed_by_the_contract(sb: Sandbox) -> None:
    """C002's contract covers labour only: the refrigerant is charged, labour is not."""
    await staff(sb, "T03", 1003, "陈刚", "zh-hans")
    bistro = await customer(sb, "+8613901710002", 5002, "Blue Harbour")  # C002, en
    job = await new_job(sb, "C002", "CF22-0107", "T03")
    await _on_site(sb, job, "T03")
    promised = sb.clock.now() + timedelta(days=2)
    await run(sb, custody.take_back, job=job.id, actor="T03", promised_at=promised)
    asked = await bistro.wait_for("is in our workshop")
    assert "Please confirm that you handed it over" in asked.text
    await bistro.tap("Confirm")
    await bistro.wait_for("You confirmed receipt")
    from fieldbot.domain.entitlement import FeeKind, FeeLine
    from fieldbot.domain.money import Money

    await run(
        sb,
        workshop.record_repair,
        job=job.id,
        actor="T03",
        minutes=45,
        notes="Replaced the refrigerant",
        parts=[("P006", 1)],
        fees=[FeeLine(FeeKind.LABOUR, "labour", Money(20000))],
    )
    await run(sb, workshop.pass_inspection, job=job.id, actor="S01")
    await run(sb, workshop.return_unit, job=job.id, actor="T03")
    summary = await bistro.wait_for(f"Please confirm job {job.number}")
    assert "Fee, labour: ¥200.00, under contract" in summary.text
    assert "¥95.00, charged" in summary.text and "Amount due: ¥95.00" in summary.text
    await bistro.tap("Confirm")
    await bistro.wait_for(f"You confirmed job {job.number}")
    assert (await job_now(sb, job.id)).state is JobState.SIGNED_OFF
    assert (await _shown(sb, job.number))["receipt"]["voided"] is True


async def test_carry_in_from_the_supervisors_card_names_the_technician(sb: Sandbox) -> None:
    sup = await staff(sb, "S01", 2001, "王芳", "zh-hans")
    tech = await staff(sb, "T02", 1002, "Li Wei", "en")
    job = await new_job(sb, "C003", "CF21-0033", None)  # registered; C003 has no Telegram
    await sup.send(f"/job {job.number}")
    card = await sup.wait_for(f"工单 {job.number}")
    assert "送修收件" in str(card.buttons)
    await sup.tap("送修收件")
    await sup.wait_for("送修的设备由谁维修")
    await sup.tap("Li Wei (T02)")
    await sup.wait_for("您承诺哪天归还设备")
    await sup.send("2026-09-18")
    received = await sup.wait_for("设备已入维修车间")
    assert "客户未在 Telegram 与我们联系" in received.text
    told = await tech.wait_for("was carried in to the workshop for you")
    assert f"receipt R{job.number[1:]}-1" in told.text
    await tech.tap("Open job")
    tech_card = await tech.wait_for("in the workshop")
    assert tech_card.buttons == [
        ["Repaired", "Defective part taken out"],
        ["Move promised date"],
        ["Photo of signed receipt"],
    ]
    stored = await job_now(sb, job.id)
    assert stored.state is JobState.IN_WORKSHOP and stored.technician_id is not None
    shown = await _shown(sb, job.number)
    assert shown["receipt"] == {"number": f"R{job.number[1:]}-1", "voided": False}
    workshop_clock = next(c for c in shown["clocks"] if c["name"] == "workshop")
    assert workshop_clock["state"] == "running"
    assert workshop_clock["due_at"].startswith("2026-09-18T18:00")


async def test_carry_in_by_a_technician_and_the_customer_confirms(sb: Sandbox) -> None:
    tech = await staff(sb, "T02", 1002, "Li Wei", "en")
    other = await staff(sb, "T04", 1004, "杨洋", "zh-hans")  # SH02
    bistro = await customer(sb, "+8613901710002", 5002, "Blue Harbour")  # C002, en
    job = await new_job(sb, "C002", "CF22-0107", None)
    await other.send(f"/carryin {job.number}")
    await other.wait_for("您无权")
    await tech.send("/carryin")
    await tech.wait_for("Which job? Send /carryin")
    await tech.send(f"/carryin {job.number}")
    await tech.wait_for("promise the unit back")
    await tech.send("2026-09-17")
    await tech.wait_for("customer is asked to confirm the receipt")
    asked = await bistro.wait_for("Espresso Pro 2G")
    assert "receipt R" in asked.text
    await bistro.tap("Confirm")
    await tech.wait_for("the customer confirmed receipt")
    await tech.send(f"/carryin {job.number}")
    await tech.wait_for("that is not possible now")
    async with sb.bots[0].store.unit_of_work(readonly=True) as uow:  # type: ignore[attr-defined]
        (receipt,) = await uow.fieldwork.receipts(job.id or 0)
        register = await uow.fieldwork.register(job.id or 0)
    assert receipt.confirm_method == "customer_chat"
    assert [entry.direction for entry in register] == ["in"]


@pytest.fixture
async def sqlite_sb() -> AsyncIterator[Sandbox]:
    async with Sandbox.start(settings=FAST, limits=FAST_LIMITS) as sandbox:
        yield sandbox


async def test_a_new_promised_date_by_promise_or_the_card_is_told_to_the_customer(
    sqlite_sb: Sandbox,
) -> None:
    sb = sqlite_sb
    tech = await staff(sb, "T03", 1003, "陈刚", "zh-hans")
    other = await staff(sb, "T02", 1002, "Li Wei", "en")
    shop = await customer(sb, "+862163281001", 5001, "李记")  # C001, zh_CN
    job = await new_job(sb, "C001", "RF25-0001", "T03")
    await _on_site(sb, job, "T03")
    promised = sb.clock.now() + timedelta(days=2)
    await run(sb, custody.take_back, job=job.id, actor="T03", promised_at=promised)
    await shop.wait_for("已送入我们的维修车间")

    await other.send(f"/promise {job.number} 2026-09-18")  # not his job: refused, in English
    await other.wait_for("That job is not yours")
    await tech.send(f"/promise {job.number} 2026-02-30")  # no such day
    await tech.wait_for("请发送 /promise、工单号和新的日期")
    await tech.send(f"/promise {job.number} 2026-09-18")
    done = await tech.wait_for("现承诺于")
    assert "2026-09-18 18:00" in done.text and "已通知客户" in done.text
    told = await shop.wait_for("新的日期")
    assert "2026-09-18 18:00" in told.text
    assert (await job_now(sb, job.id)).workshop_due_at == datetime(2026, 9, 18, 18, tzinfo=SH)

    await tech.send("/jobs")  # once more, from the card of the unit in the workshop
    card = await tech.wait_for("在维修车间")
    await tech.tap("更改承诺日期", message=card)
    await tech.wait_for("您承诺哪天归还设备")
    await tech.send("2026-09-21")
    await tech.wait_for("现承诺于")
    await shop.wait_for(re.compile("新的日期.*2026-09-21 18:00"))
