"""Invoices and receivables (DESIGN.md §3 "Second pass", §4 receivable), end to end on the
sandbox: the invoice number asked and recorded (garbage refused), the accountant's
/receivables and Paid (a stale or repeated Paid refused), and an overdue receivable reaching
the branch's supervisor and the accountant, once, after the job is closed."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest

from fieldbot.domain.entitlement import FeeKind, FeeLine
from fieldbot.domain.model import JobState
from fieldbot.domain.money import Money
from fieldbot.repositories.jobs import JobRecord
from fieldbot.sandbox.driver import Phone, Sandbox
from fieldbot.services import signoff, work_record
from fieldbot.services.deadlines.clocks import JOB
from tests.e2e.test_technician_flow import (
    C001_SITE,
    FAST,
    FAST_LIMITS,
    PG_URL,
    accept_and_arrive,
    customer,
    job_now,
    new_job,
    run,
    staff,
)

pytestmark = pytest.mark.e2e

C002_SITE = (31.2286, 121.4530)


@pytest.fixture
async def sb() -> AsyncIterator[Sandbox]:
    async with Sandbox.start(settings=FAST, limits=FAST_LIMITS) as sandbox:
        yield sandbox


def _bot(sb: Sandbox) -> Any:
    return sb.bots[0]


async def _settlement(sb: Sandbox, job: JobRecord) -> Any:
    async with _bot(sb).store.unit_of_work(readonly=True) as uow:
        return await uow.fieldwork.settlement(job.id)


async def _receivable_clock(sb: Sandbox, job: JobRecord) -> Any:
    async with _bot(sb).store.unit_of_work(readonly=True) as uow:
        return await uow.clocks.get(JOB, job.id, "receivable")


def _travel(yuan: int) -> list[FeeLine]:
    return [FeeLine(FeeKind.TRAVEL, "travel", Money.yuan(yuan))]


async def _bistro_signed_off(sb: Sandbox, tech: Phone) -> JobRecord:
    """T02 fixes C002's unit (type B: the travel is charged, ¥50.00); the customer confirms."""
    bistro = await customer(sb, "8613901710002", 5002, "Blue Harbour")
    job = await new_job(sb, "C002", "CF22-0107", "T02")
    await tech.wait_for("New job")
    await accept_and_arrive(tech, at=C002_SITE)
    await run(
        sb,
        work_record.finish,
        job=job.id,
        actor="T02",
        work="Descaled",
        minutes=60,
        fees=_travel(50),
    )
    await bistro.wait_for("Please confirm job")
    await bistro.tap("Confirm")
    await tech.wait_for("confirmed by the customer")
    return job


async def _invoice_recorded_and_paid(sb: Sandbox) -> None:
    tech = await staff(sb, "T02", 1002, "Li Wei", "en")
    accountant = await staff(sb, "A01", 3001, "Zhou Jing", "en")
    job = await _bistro_signed_off(sb, tech)
    await tech.send("/jobs")
    await tech.wait_for("signed off")
    await tech.tap("Invoice")
    asked = await tech.wait_for("send the invoice number")
    assert job.number in asked.text
    for garbage in ("发票#1", "INV 7", "x" * 41, "--"):
        await tech.send(garbage)
        await tech.wait_for("That is not an invoice number")
        assert await _settlement(sb, job) is None  # nothing changed
    await tech.send(" inv-2026-0050 ")
    await tech.wait_for("invoice for ¥50.00 recorded, invoice number INV-2026-0050")
    await tech.wait_for(f"Job {job.number} is closed")
    assert (await job_now(sb, job.id)).state is JobState.CLOSED
    settled = await _settlement(sb, job)
    assert settled.method == "invoice" and settled.invoice_number == "INV-2026-0050"
    assert settled.paid_at is None
    clock = await _receivable_clock(sb, job)
    assert clock is not None and clock.state == "running"  # the job is closed, the clock runs

    # A01 is zh_CN in the sample company: the accountant reads Chinese
    await accountant.send("/receivables")
    listed = await accountant.wait_for("未收款发票")
    assert job.number in listed.text and "INV-2026-0050" in listed.text
    assert "¥50.00" in listed.text and "已开 0 天" in listed.text and "已逾期" not in listed.text
    assert listed.buttons == [[job.number, "已收款"]]
    await accountant.send("/receivables")
    second = await accountant.wait_for("未收款发票")
    await accountant.tap("已收款", message=listed)
    await accountant.wait_for(f"工单 {job.number}：发票 INV-2026-0050（¥50.00）已记录收款")
    settled = await _settlement(sb, job)
    assert settled.paid_at is not None
    clock = await _receivable_clock(sb, job)
    assert clock.state == "stopped" and clock.met is True

    # the same button again: a used button; the other copy of the list: paid already
    alerts = len(accountant.alerts)
    await accountant.tap("已收款", message=listed)
    assert len(accountant.alerts) == alerts + 1
    await accountant.tap("已收款", message=second)
    refused = await accountant.wait_for("已由")
    assert job.number in refused.text and "未做任何更改" in refused.text
    assert (await _settlement(sb, job)).paid_at == settled.paid_at
    await accountant.send("/receivables")
    await accountant.wait_for("没有未收款的发票")


async def test_the_invoice_number_is_asked_and_the_accountant_records_it_paid(
    sb: Sandbox,
) -> None:
    await _invoice_recorded_and_paid(sb)


async def test_the_invoice_number_and_payment_on_postgresql() -> None:
    async with Sandbox.start(db_url=PG_URL, settings=FAST, limits=FAST_LIMITS) as sb:
        await _invoice_recorded_and_paid(sb)


async def test_a_supervisor_sees_the_receivables_without_paid_buttons(sb: Sandbox) -> None:
    tech = await staff(sb, "T02", 1002, "Li Wei", "en")
    supervisor = await staff(sb, "S02", 2002, "David Chen", "en")  # of SH02: sees none of SH01
    manager = await staff(sb, "M01", 2101, "刘建国", "zh-hans")  # no branch: sees every one
    job = await _bistro_signed_off(sb, tech)
    await tech.send("/jobs")
    await tech.wait_for("signed off")
    await tech.tap("Invoice")
    await tech.wait_for("send the invoice number")
    await tech.send("12345678")
    await tech.wait_for("invoice for ¥50.00 recorded")
    await supervisor.send("/receivables")
    await supervisor.wait_for("There are no unpaid invoices")
    await manager.send("/receivables")
    listed = await manager.wait_for("未收款发票")
    assert job.number in listed.text and listed.buttons == []
    assert "收款由会计员记录" in listed.text
    await manager.send("/help")
    helped = await manager.wait_for("/receivables")
    assert "未收款发票" in helped.text


async def test_the_accountants_help_lists_receivables(sb: Sandbox) -> None:
    accountant = await staff(sb, "A01", 3001, "Zhou Jing", "en")
    await accountant.send("/help")
    helped = await accountant.wait_for("/receivables")
    assert "由会计员记录收款" in helped.text
    await accountant.send("/receivables")
    await accountant.wait_for("没有未收款的发票")
    await accountant.send("/receivables 2")
    await accountant.wait_for("没有这一页")
    await accountant.send("/receivables two")
    await accountant.wait_for("没有这一页")


async def test_an_overdue_receivable_reaches_the_supervisor_and_the_accountant_once_in_chinese(
    sb: Sandbox,
) -> None:
    supervisor = await staff(sb, "S01", 2001, "王芳", "zh-hans")
    accountant = await staff(sb, "A01", 3001, "周静", "zh-hans")
    tech = await staff(sb, "T01", 1001, "张磊", "zh-hans")
    job = await new_job(sb, "C001", "RF25-0001", "T01")  # C001 has no chat with the bot
    await tech.wait_for("新工单")
    await tech.tap("接受")
    await tech.wait_for("什么时候到")
    await tech.tap("今天 14:00")
    await tech.wait_for("预约")
    await tech.tap("已到达")
    await tech.wait_for("共享位置")
    await tech.share_location(*C001_SITE)
    await tech.wait_for("到达已核实")
    await run(
        sb,
        work_record.finish,
        job=job.id,
        actor="T01",
        work="更换压缩机",
        minutes=90,
        fees=_travel(30),
    )
    await tech.send("/jobs")
    card = await tech.wait_for("等待签收")
    await tech.tap("开具发票", message=card)
    await tech.wait_for("请发送发票号码")
    await tech.send("发票一号")
    await tech.wait_for("这不是发票号码")
    await tech.send("１２３４５６７８")  # full-width digits, as a Chinese keyboard types them
    await tech.wait_for("已记录发票 ¥30.00，发票号码 12345678")
    await tech.wait_for("客户确认后")
    await run(sb, signoff.confirm_with_photo, job=job.id, actor="T01", photo="voucher-file")
    assert (await job_now(sb, job.id)).state is JobState.CLOSED

    await sb.clock.advance(days=29)
    assert not [m for m in supervisor.inbox if "发票收款" in (m.text or "")]
    assert not [m for m in accountant.inbox if "已逾期" in (m.text or "")]
    await sb.clock.advance(days=3)
    overdue = [m for m in accountant.inbox if "已逾期" in (m.text or "") and job.number in m.text]
    assert len(overdue) == 1 and "发票收款" in overdue[0].text
    escalated = [m for m in supervisor.inbox if "发票收款" in (m.text or "")]
    assert len(escalated) == 1, [m.text for m in escalated]
    assert job.number in escalated[0].text and "发票 12345678：¥30.00" in escalated[0].text
    assert "已知悉" in str(escalated[0].buttons)
    assert "同时通知：周静" in escalated[0].text  # the accountant
    await accountant.send("/receivables")
    listed = await accountant.wait_for("未收款发票")
    assert "已逾期" in listed.text and re.search(r"已开 3[12] 天", listed.text)

    await sb.clock.advance(days=5)  # once: nothing more while it stays unpaid
    assert len([m for m in supervisor.inbox if "发票收款" in (m.text or "")]) == 1
    assert len([m for m in accountant.inbox if (m.text or "").startswith("已逾期：")]) == 1
    reminded = [m for m in accountant.inbox if (m.text or "").startswith("提醒：")]
    assert len(reminded) == 1 and "发票收款" in reminded[0].text  # at 80 %, day 24
    await accountant.tap("已收款", message=listed)
    await accountant.wait_for("已记录收款")
    clock = await _receivable_clock(sb, job)
    assert clock.state == "stopped" and clock.met is False
