"""Issue 11, end to end on the sandbox: a job resolved remotely (signed off in the chat, or
confirmed by phone) and the quote of a type A estimate above the quote limit (accepted: the
work goes on and the summary shows estimate and final; declined, in Chinese: only the call-out
fees are due and the job closes once they are settled; stale and foreign buttons refused)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from zoneinfo import ZoneInfo

import pytest

from fieldbot.cli.jobs import details_json
from fieldbot.domain.model import JobState
from fieldbot.repositories.jobs import JobRecord
from fieldbot.sandbox.driver import Sandbox
from fieldbot.services.job_details import job_details
from fieldbot.services.jobs import register_job
from tests.e2e.conftest import push_callback
from tests.e2e.test_technician_flow import (
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
    staff,
    wake,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
async def sb() -> AsyncIterator[Sandbox]:
    async with Sandbox.start(settings=FAST, limits=FAST_LIMITS) as sandbox:
        yield sandbox


async def _consultation(sb: Sandbox, customer_code: str, serial: str) -> JobRecord:
    bot = sb.bots[0]
    async with bot.store.unit_of_work() as uow:  # type: ignore[attr-defined]
        job = await register_job(
            uow,
            bot.deps.settings,  # type: ignore[attr-defined]
            bot.clock,  # type: ignore[attr-defined]
            customer=customer_code,
            equipment=serial,
            kind="consultation",
            priority="consult",
            fault="how do I descale it?",
            actor="staff:test",
        )
        await uow.commit()
    await wake(sb)
    return job


async def _show_json(sb: Sandbox, number: str) -> dict[str, object]:
    async with sb.bots[0].store.unit_of_work(readonly=True) as uow:  # type: ignore[attr-defined]
        details = await job_details(uow, number)
    return details_json(details, ZoneInfo("Asia/Shanghai"))


async def _signoffs(sb: Sandbox, job_id: int | None) -> list[tuple[str, str]]:
    assert job_id is not None
    async with sb.bots[0].store.unit_of_work(readonly=True) as uow:  # type: ignore[attr-defined]
        return [(s.outcome, s.method) for s in await uow.fieldwork.signoffs(job_id)]


# --- resolve remotely --------------------------------------------------------------------------


async def _consultation_resolved_in_the_chat(sb: Sandbox) -> None:
    sup = await staff(sb, "S01", 2001, "王芳", "zh-hans")
    bistro = await customer(sb, "8613901710002", 5002, "Blue Harbour")
    job = await _consultation(sb, "C002", "CF22-0107")
    await sup.send(f"/job {job.number}")
    card = await sup.wait_for(f"工单 {job.number}：已登记")
    assert ["远程解决"] in card.buttons
    await sup.tap("远程解决")
    await sup.wait_for("给客户的指导是什么")
    await sup.send("\u200b")  # nothing visible: asked again, nothing saved
    await sup.wait_for("请用文字写明给客户的指导")
    await sup.send("请运行除垢程序，然后重启机器")
    done = await sup.wait_for("已远程解决")
    assert "已请客户在其对话中确认" in done.text
    ask = await bistro.wait_for("Please confirm job")
    assert "Work: resolved remotely, no visit: 请运行除垢程序" in ask.text
    assert "Total: ¥0.00. Amount due: ¥0.00." in ask.text
    await bistro.tap("Confirm")
    await bistro.wait_for("is complete")  # nothing due: closed, settlement none
    assert (await job_now(sb, job.id)).state is JobState.CLOSED
    assert await _signoffs(sb, job.id) == [("confirmed", "customer_chat")]
    shown = await _show_json(sb, job.number)
    assert shown["quote"] is None
    clocks = {c["name"]: c["state"] for c in shown["clocks"]}  # type: ignore[index, union-attr]
    assert clocks.get("assign") == "stopped" and clocks.get("arrival") in (None, "stopped")


async def test_a_consultation_resolved_remotely_by_the_supervisor_is_confirmed_in_the_chat(
    sb: Sandbox,
) -> None:
    await _consultation_resolved_in_the_chat(sb)


async def test_a_consultation_resolved_remotely_on_postgresql() -> None:
    async with Sandbox.start(db_url=PG_URL, settings=FAST, limits=FAST_LIMITS) as sb:
        await _consultation_resolved_in_the_chat(sb)


async def test_a_remote_resolution_the_customer_confirmed_by_phone(sb: Sandbox) -> None:
    tech = await staff(sb, "T02", 1002, "Li Wei", "en")
    job = await new_job(sb, "C003", "CF21-0033", "T02")  # C003 has no chat with the bot
    await tech.wait_for("New job")
    await tech.tap("Accept")
    await tech.wait_for("When will you be there")
    await tech.send("/jobs")
    card = await tech.wait_for(job.number)
    assert ["Resolve remotely"] in card.buttons
    await tech.tap("Resolve remotely")
    await tech.wait_for("what did you advise the customer")
    await tech.send("Reset the breaker behind the machine")
    done = await tech.wait_for("resolved remotely")
    assert "tap Customer confirmed by phone" in done.text
    assert ["Customer confirmed by phone"] in done.buttons
    assert ["Sign-off QR code", "Photo of signed voucher"] in done.buttons
    await tech.tap("Customer confirmed by phone")
    await tech.wait_for("the customer confirmed by phone")
    await tech.wait_for(f"Job {job.number} is closed")
    assert (await job_now(sb, job.id)).state is JobState.CLOSED
    assert await _signoffs(sb, job.id) == [("confirmed", "phone")]
    # the button pressed again changes nothing
    before = len(tech.inbox)
    await tech.tap("Customer confirmed by phone", message=done)
    await sb.settle()
    said = " ".join(m.text for m in tech.inbox[before:]) + " ".join(str(a) for a in tech.alerts)
    assert said.strip()
    assert await _signoffs(sb, job.id) == [("confirmed", "phone")]


# --- the quote ---------------------------------------------------------------------------------


async def test_a_quote_accepted_in_the_chat_lets_the_work_go_on_and_the_summary_shows_both(
    sb: Sandbox,
) -> None:
    tech = await staff(sb, "T02", 1002, "Li Wei", "en")
    cafe = await customer(sb, "8613601710003", 5003, "Bund Corner")
    bistro = await customer(sb, "8613901710002", 5002, "Blue Harbour")
    job = await new_job(sb, "C003", "CF21-0033", "T02")
    await tech.wait_for("New job")
    await accept_and_arrive(tech, at=C003_SITE)
    card = await tech.wait_for("on site")
    assert ["Send quote"] in card.buttons
    # finishing above the quote limit without an accepted quote is refused at the labour step
    await tech.tap("Finish")
    await tech.wait_for("what did you do")
    await tech.send("Replaced the pump")
    await tech.wait_for("How many hours")
    await tech.send("2")
    await tech.wait_for("Parts used from your van")
    await tech.tap("No more parts")
    await tech.wait_for("Labour fee")
    await tech.send("400")
    await tech.wait_for("above the quote limit")
    await tech.send("/cancel")
    await tech.wait_for("Cancelled")
    assert (await job_now(sb, job.id)).state is JobState.ON_SITE
    await tech.tap("Send quote", message=card)
    await tech.wait_for("the estimated labour")
    await tech.send("lots")
    await tech.wait_for("I cannot read that amount")
    await tech.send("300")
    await tech.wait_for("estimated parts")
    await tech.send("150")
    await tech.wait_for("The travel fee")
    await tech.send("30")
    await tech.wait_for("other call-out fee")
    await tech.send("0")
    summary = await tech.wait_for("the quote to send")
    assert "Estimate: ¥450.00" in summary.text and "due if declined: ¥30.00" in summary.text
    await tech.tap("Send quote")
    await tech.wait_for("the quote of ¥450.00 is sent")
    offer = await cafe.wait_for("before the repair")
    assert "Estimate: ¥450.00" in offer.text and "¥30.00" in offer.text
    assert offer.buttons == [["Accept quote", "Decline quote"]]
    assert (await job_now(sb, job.id)).state is JobState.AWAITING_QUOTE
    assert (await _show_json(sb, job.number))["quote"] == {"estimate_fen": 45000, "accepted": None}

    # another customer pressing the café's button: refused, nothing changes
    data = callback_data(sb, 5003, offer.id, "Decline quote")
    mine = bistro.inbox[-1]
    push_callback(sb, 5002, mine.id, data)
    await sb.settle()
    assert str(bistro.alerts[-1]) == "This button is no longer valid."
    assert (await job_now(sb, job.id)).state is JobState.AWAITING_QUOTE

    await cafe.tap("Accept quote")
    await cafe.wait_for("You accepted the quote")
    await tech.wait_for("the customer accepted the quote of ¥450.00")
    assert (await job_now(sb, job.id)).state is JobState.ON_SITE
    # the other button of the answered quote is stale now: refused, nothing changes
    await cafe.tap("Decline quote", message=offer)
    await cafe.wait_for("no longer waiting for an answer")
    assert (await job_now(sb, job.id)).state is JobState.ON_SITE

    await tech.tap("Open job")
    await tech.wait_for("on site")
    await finish_form(tech, work="Replaced the pump", hours="2", parts=[], fees=("400", "30", "0"))
    await tech.tap("Submit")
    await tech.wait_for("recorded: total ¥430.00")
    ask = await cafe.wait_for("Please confirm job")
    assert "Quoted estimate: ¥450.00 (accepted); final amount: ¥430.00" in ask.text
    assert "Total: ¥430.00. Amount due: ¥430.00." in ask.text
    await cafe.tap("Confirm")
    await tech.wait_for("confirmed by the customer")
    assert (await _show_json(sb, job.number))["quote"] == {"estimate_fen": 45000, "accepted": True}


async def test_a_quote_declined_in_chinese_leaves_only_the_call_out_fees_then_closes(
    sb: Sandbox,
) -> None:
    sup = await staff(sb, "S01", 2001, "王芳", "zh-hans")
    tech = await staff(sb, "T01", 1001, "张磊", "zh-hans")
    cafe = await customer(sb, "8613601710003", 5003, "Bund Corner")
    job = await new_job(sb, "C003", "CF21-0033", "T01")
    await tech.wait_for("新工单")
    await tech.tap("接受")
    await tech.wait_for("什么时候到")
    await tech.tap("今天 14:00")
    await tech.wait_for("预约")
    await tech.tap("已到达")
    await tech.wait_for("共享位置")
    await tech.share_location(*C003_SITE)
    await tech.wait_for("到达已核实")
    await tech.wait_for("在现场")
    await tech.tap("发送报价")
    await tech.wait_for("预估人工费")
    await tech.send("100")
    await tech.wait_for("预估配件费")
    await tech.send("50")
    await tech.wait_for("交通费")
    await tech.send("30")
    await tech.wait_for("其他上门费用")
    await tech.send("20")
    await tech.wait_for("无需报价")  # ¥150.00 is within the limit: nothing is sent
    assert (await job_now(sb, job.id)).state is JobState.ON_SITE

    await tech.send("/jobs")
    await tech.wait_for("在现场")
    await tech.tap("发送报价")
    for step, amount in (("预估人工费", "600"), ("预估配件费", "0"), ("交通费", "30")):
        await tech.wait_for(step)
        await tech.send(amount)
    await tech.wait_for("其他上门费用")
    await tech.send("20")
    await tech.wait_for("将发送的报价")
    await tech.tap("发送报价")
    await tech.wait_for("¥600.00 的报价已发送")
    await cafe.wait_for("before the repair")
    await cafe.tap("Decline quote")
    ask = await cafe.wait_for("Please confirm job")  # the sign-off of the call-out fees
    await sb.settle()
    assert any("You declined the quote" in m.text for m in cafe.inbox)
    assert "Work: no repair: the quote of ¥600.00 was declined" in ask.text
    assert "Fee, travel: ¥30.00, charged" in ask.text and "Fee, other: ¥20.00, charged" in ask.text
    assert "labour" not in ask.text and "Total: ¥50.00. Amount due: ¥50.00." in ask.text
    told = await sup.wait_for("不接受 ¥600.00 的报价")
    assert "¥50.00" in told.text
    await tech.wait_for("客户不接受 ¥600.00 的报价")
    assert (await job_now(sb, job.id)).state is JobState.AWAITING_SIGNOFF
    assert (await _show_json(sb, job.number))["quote"] == {"estimate_fen": 60000, "accepted": False}

    await cafe.tap("Confirm")
    await tech.wait_for("客户已确认")
    await tech.send("/jobs")
    await tech.wait_for("已签收")
    await tech.tap("已收现金")
    await tech.wait_for(f"工单 {job.number} 已关闭")
    assert (await job_now(sb, job.id)).state is JobState.CLOSED


async def test_a_paper_quote_declined_for_a_customer_without_telegram(sb: Sandbox) -> None:
    tech = await staff(sb, "T02", 1002, "Li Wei", "en")
    job = await new_job(sb, "C003", "CF21-0033", "T02")  # C003 has no chat with the bot
    await tech.wait_for("New job")
    await accept_and_arrive(tech, at=C003_SITE)
    await tech.wait_for("on site")
    await tech.tap("Send quote")
    for step, amount in (("labour", "500"), ("parts", "0"), ("travel fee", "40")):
        await tech.wait_for(re.compile(f"(?i){step}"))
        await tech.send(amount)
    await tech.wait_for("other call-out fee")
    await tech.send("0")
    await tech.wait_for("the quote to send")
    await tech.tap("Send quote")
    paper = await tech.wait_for("Have the paper quote")
    assert paper.buttons == [["Signed quote: accepted", "Signed quote: declined"]]
    await tech.tap("Signed quote: declined")
    await tech.wait_for("send the photo of the quote")
    await tech.send("no photo")
    await tech.wait_for("Please send a photo of the signed quote")
    await tech.send_photo(b"\x89PNG\r\n\x1a\n-signed-quote")
    await tech.wait_for("recorded as declined")
    qr = await tech.wait_for("scan this code")
    assert "Invoice" in str(qr.buttons)
    assert (await job_now(sb, job.id)).state is JobState.AWAITING_SIGNOFF
    async with sb.bots[0].store.unit_of_work(readonly=True) as uow:  # type: ignore[attr-defined]
        found = await uow.fieldwork.latest_quote(job.id)  # type: ignore[arg-type]
        record = await uow.fieldwork.latest_work_record(job.id)  # type: ignore[arg-type]
    assert found is not None and found.method == "paper_photo" and found.evidence
    assert record is not None and record.amount_due_fen == 4000


async def test_resolve_remotely_is_refused_once_the_job_is_on_site(sb: Sandbox) -> None:
    tech = await staff(sb, "T02", 1002, "Li Wei", "en")
    job = await new_job(sb, "C003", "CF21-0033", "T02")
    await tech.wait_for("New job")
    await tech.tap("Accept")
    await tech.wait_for("When will you be there")
    await tech.tap("In 1 h")
    await tech.wait_for("appointment set")
    await tech.send("/jobs")
    scheduled = await tech.wait_for(job.number)
    assert ["Resolve remotely"] in scheduled.buttons
    stale = callback_data(sb, 1002, scheduled.id, "Resolve remotely")
    await tech.tap("Arrived")
    await tech.wait_for("share your location")
    await tech.share_location(*C003_SITE)
    await tech.wait_for("arrival verified")
    await sb.settle()  # the scheduled card lost its keyboard; its stale button is refused
    assert as_shown(tech, scheduled.id).buttons == []
    push_callback(sb, 1002, scheduled.id, stale)
    await tech.wait_for("not possible now")
    assert (await job_now(sb, job.id)).state is JobState.ON_SITE
