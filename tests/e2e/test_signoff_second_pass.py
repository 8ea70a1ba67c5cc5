"""Issue 11, the sign-off and fee bugs and the full sign-off summary, end to end on the sandbox."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest

from fieldbot.domain.model import JobState
from fieldbot.repositories.jobs import JobRecord
from fieldbot.sandbox.driver import Phone, Sandbox
from fieldbot.services import signoff, work_record
from tests.e2e.conftest import push_callback
from tests.e2e.test_technician_flow import (
    C001_SITE,
    C003_SITE,
    FAST,
    FAST_LIMITS,
    PG_URL,
    accept_and_arrive,
    as_shown,
    callback_data,
    customer,
    finish_form,
    job_now,
    new_job,
    quote_accepted,
    run,
    staff,
)

pytestmark = pytest.mark.e2e

C002_SITE = (31.2286, 121.4530)


@pytest.fixture
async def sb() -> AsyncIterator[Sandbox]:
    async with Sandbox.start(settings=FAST, limits=FAST_LIMITS) as sandbox:
        yield sandbox


async def _forms(sb: Sandbox, user_id: int) -> object:
    async with sb.bots[0].store.unit_of_work(readonly=True) as uow:  # type: ignore[attr-defined]
        return await uow.forms.get(user_id)


async def test_a_rerecord_after_rejected_fees_starts_from_the_first_with_its_fitted_part(
    sb: Sandbox,
) -> None:
    tech = await staff(sb, "T02", 1002, "Li Wei", "en")
    cafe = await customer(sb, "8613601710003", 5003, "Bund Corner")
    job = await new_job(sb, "C003", "CF21-0033", "T02")
    await tech.wait_for("New job")
    await accept_and_arrive(tech, at=C003_SITE)
    await quote_accepted(sb, job.id, "T02", tech)  # type A above the quote limit
    await finish_form(
        tech, work="Replaced the gasket", hours="1.5", parts=[("P018", "1")], fees=("900", "0", "0")
    )
    await tech.tap("Submit")
    await tech.wait_for("above the approval limit")
    await run(sb, work_record.reject, job=job.id, actor="S01", reason="labour is too high")
    await tech.wait_for("the fees were rejected: labour is too high")

    await tech.send("/jobs")
    await tech.wait_for("on site")
    await tech.tap("Finish")
    again = await tech.wait_for("starts from the rejected one")
    assert "Replaced the gasket" in again.text and again.buttons == [["Keep it"]]
    await tech.tap("Keep it")
    hours = await tech.wait_for("How many hours")
    assert "1.5 h" in hours.text  # the first record's time is proposed
    await tech.tap("Use 1.5 h")
    await tech.wait_for("1 chosen so far")  # the part fitted the first time counts
    await tech.tap("No more parts")
    labour = await tech.wait_for("Labour fee")
    assert labour.buttons == [["Keep ¥900.00"]]
    await tech.send("300")
    await tech.wait_for("Travel fee")
    await tech.send("0")
    await tech.wait_for("other fee")
    await tech.send("0")
    summary = await tech.wait_for("to be recorded")
    assert "Part already fitted: 1 × P018" in summary.text
    assert "¥300.00" in summary.text and "Replaced the gasket" in summary.text
    await tech.tap("Submit")
    recorded = await tech.wait_for("recorded: total")
    # the summary's part is the one charged: nothing asked of the storekeeper, no second take
    assert (await job_now(sb, job.id)).state is JobState.AWAITING_SIGNOFF
    ask = await cafe.wait_for("Please confirm job")
    assert "Part P018" in ask.text and "Fee, labour: ¥300.00, charged" in ask.text
    total = re.search(r"total (¥[\d,]+\.\d\d)", recorded.text)
    assert total is not None and f"Total: {total.group(1)}" in ask.text


async def _closed_at_zero(sb: Sandbox, owner: Phone, tech: Phone) -> JobRecord:
    job = await new_job(sb, "C002", "CF22-0107", "T02")
    await tech.wait_for("New job")
    await accept_and_arrive(tech, at=C002_SITE)
    await finish_form(tech, work="Cleaned", hours="1", parts=[], fees=(None, "0", "0"))
    await tech.tap("Submit")
    return job


async def test_a_dispute_on_a_closed_job_is_refused_at_the_tap(sb: Sandbox) -> None:
    tech = await staff(sb, "T02", 1002, "Li Wei", "en")
    bistro = await customer(sb, "8613901710002", 5002, "Blue Harbour")
    job = await _closed_at_zero(sb, bistro, tech)
    ask = await bistro.wait_for("Please confirm job")
    dispute = callback_data(sb, 5002, ask.id, "Dispute")
    await bistro.tap("Confirm")
    await bistro.wait_for("is complete")  # closed at ¥0: the customer is told
    assert (await job_now(sb, job.id)).state is JobState.CLOSED
    await sb.settle()
    assert as_shown(bistro, ask.id).buttons == []  # the card's keyboard went with the sign-off
    before = len(bistro.inbox)
    push_callback(sb, 5002, ask.id, dispute)  # the old Dispute button, pressed anyway
    await sb.settle()
    said = " ".join(m.text for m in bistro.inbox[before:]) + " ".join(bistro.alerts)
    assert said.strip() and "What is wrong" not in said  # refused at once, no form
    assert await _forms(sb, 5002) is None
    assert (await job_now(sb, job.id)).state is JobState.CLOSED


async def _t01_finishes_for_c001(
    sb: Sandbox, travel: str, part: str | None = None
) -> tuple[Phone, JobRecord]:
    """T01 (in Chinese) finishes a type C job of C001, who has no chat with the bot (type C
    is charged no labour: the form asks the travel and other fees only)."""
    tech = await staff(sb, "T01", 1001, "张伟", "zh-hans")
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
    await tech.tap("完工")
    await tech.wait_for("做了什么")
    await tech.send("更换压缩机")
    await tech.wait_for("多少小时")
    await tech.send("2")
    if part is not None:
        await tech.wait_for("车上的配件")
        await tech.tap(re.compile(f"^{part} "))
        await tech.wait_for("数量")
        await tech.send("1")
    await tech.wait_for("车上的配件")
    await tech.tap("没有更多配件")
    for step, amount in (("交通费", travel), ("其他费用", "0")):
        await tech.wait_for(step)
        await tech.send(amount)
    await tech.wait_for("待记录")
    await tech.tap("提交")
    return tech, job


async def test_fees_approved_for_a_customer_without_telegram_offer_the_qr_and_photo_in_chinese(
    sb: Sandbox,
) -> None:
    tech, job = await _t01_finishes_for_c001(sb, "900")
    await tech.wait_for("审批")
    await run(sb, work_record.approve, job=job.id, actor="S01")
    told = await tech.wait_for("费用已批准")
    assert "Telegram" in told.text and "二维码" in told.text
    assert len(told.buttons) == 1 and len(told.buttons[0]) == 2  # QR code, voucher photo
    await tech.tap(told.buttons[0][0], message=told)
    await tech.wait_for("扫描")


async def test_accept_as_is_tells_both_and_rework_names_the_customers_reason(
    sb: Sandbox,
) -> None:
    tech = await staff(sb, "T02", 1002, "Li Wei", "en")
    bistro = await customer(sb, "8613901710002", 5002, "Blue Harbour")
    job = await new_job(sb, "C002", "CF22-0107", "T02")
    await tech.wait_for("New job")
    await accept_and_arrive(tech, at=C002_SITE)
    await finish_form(tech, work="Cleaned", hours="1", parts=[], fees=(None, "20", "0"))
    await tech.tap("Submit")
    await bistro.wait_for("Please confirm job")
    await run(sb, signoff.dispute, job=job.id, customer="C002", reason="The grinder jams")
    await run(sb, signoff.rework, job=job.id, actor="S01")  # the Rework button asks no reason
    rework = await tech.wait_for("needs rework")
    assert rework.text.endswith("needs rework: The grinder jams")
    await run(sb, work_record.finish, job=job.id, actor="T02", work="Grinder reset", minutes=30)
    await run(sb, signoff.dispute, job=job.id, customer="C002", reason="noisy")
    await run(sb, signoff.accept_as_is, job=job.id, actor="S01")
    await tech.wait_for("accepted the disputed work as it is")
    await bistro.wait_for("we reviewed your objection")
    assert (await job_now(sb, job.id)).state in (JobState.SIGNED_OFF, JobState.CLOSED)


async def _invoice_then_complete(sb: Sandbox) -> None:
    tech = await staff(sb, "T02", 1002, "Li Wei", "en")
    bistro = await customer(sb, "8613901710002", 5002, "Blue Harbour")
    job = await new_job(sb, "C002", "CF22-0107", "T02")
    await tech.wait_for("New job")
    await accept_and_arrive(tech, at=C002_SITE)
    await finish_form(
        tech, work="Overhaul", hours="3", parts=[("P018", "1")], fees=(None, "50", "0")
    )
    await tech.tap("Submit")
    ask = await bistro.wait_for("Please confirm job")
    # C002 is type B: the contract covers the labour (not asked), not the parts; travel is
    # charged
    assert "Work: Overhaul" in ask.text
    assert "Fee, labour" not in ask.text
    assert "P018" in ask.text and "¥25.00, charged" in ask.text
    assert "Fee, travel: ¥50.00, charged" in ask.text
    assert "Total: ¥75.00. Amount due: ¥75.00." in ask.text
    await bistro.tap("Confirm")
    await tech.wait_for("confirmed by the customer")
    await tech.send("/jobs")
    await tech.wait_for("signed off")
    await tech.tap("Invoice")
    await tech.wait_for("send the invoice number")
    await tech.send("INV-2026-0050")
    await tech.wait_for("invoice for ¥75.00 recorded")
    await bistro.wait_for(f"Job {job.number} is complete")
    assert (await job_now(sb, job.id)).state is JobState.CLOSED


async def test_the_customer_is_told_complete_after_an_invoice(sb: Sandbox) -> None:
    await _invoice_then_complete(sb)


async def test_the_customer_is_told_complete_after_an_invoice_on_postgresql() -> None:
    async with Sandbox.start(db_url=PG_URL, settings=FAST, limits=FAST_LIMITS) as sb:
        await _invoice_then_complete(sb)


async def test_the_signoff_summary_in_chinese_lists_work_fees_total_and_due(sb: Sandbox) -> None:
    tech, _job = await _t01_finishes_for_c001(sb, "30", part="P008")
    qr = await tech.wait_for("扫描")
    link = re.search(r"https://t\.me/\S+\?start=(\S+)", qr.text)
    assert link is not None
    owner = sb.phone(user_id=5001, name="李记", language="zh-hans")
    await owner.start(link.group(1))
    ask = await owner.wait_for("请确认工单")
    assert "工作：更换压缩机" in ask.text
    assert "费用，人工" not in ask.text  # type C: no labour is charged, none was asked
    assert "P008" in ask.text and "¥45.00，保修内" in ask.text  # the capacitor is under warranty
    assert "费用，交通：¥30.00，收费" in ask.text
    assert "合计：¥75.00。应付金额：¥30.00。" in ask.text
