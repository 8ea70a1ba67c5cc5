"""The technician's, storekeeper's and customer's chat end to end: the real bot on the sandbox.

Jobs are registered and dispatched through the services (as the supervisor's chat would), so
these tests follow the field side: accept, appointment, arrival, finish, sign-off, payment.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from fieldbot.domain.model import JobState
from fieldbot.repositories.jobs import JobRecord
from fieldbot.sandbox.driver import Phone, Sandbox
from fieldbot.sandbox.inbox import Message
from fieldbot.sandbox.limits import Limits
from fieldbot.sandbox.steps import accept_and_arrive, finish_form, staff
from fieldbot.sandbox.steps import bind_customer as customer
from fieldbot.services import dispatch, quote, signoff, visit, work_record, workshop
from fieldbot.services.jobs import register_job
from tests.e2e.conftest import push_callback

pytestmark = pytest.mark.e2e

PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
C001_SITE = (31.2297, 121.4803)
C003_SITE = (31.2386, 121.4900)
# These tests are about the workflow, not about pacing: one chat may get many messages a second.
FAST = {"send_rate_per_chat": 100, "send_burst_per_chat": 100}
FAST_LIMITS = Limits(per_chat_rate=100.0, per_chat_burst=100)


@pytest.fixture
async def sb() -> AsyncIterator[Sandbox]:
    async with Sandbox.start(settings=FAST, limits=FAST_LIMITS) as sandbox:
        yield sandbox


# --- helpers -----------------------------------------------------------------------------------


def _bot(sb: Sandbox) -> Any:
    return sb.bots[0]


async def new_job(
    sb: Sandbox,
    customer: str,
    serial: str | None,
    technician: str | None,
    *,
    supervisor: str = "S01",
    fault: str = "no steam 不出蒸汽",
) -> JobRecord:
    """Register a call and dispatch it, as the supervisor's chat does, then deliver."""
    bot = _bot(sb)
    settings = bot.deps.settings
    async with bot.store.unit_of_work() as uow:
        job = await register_job(
            uow,
            settings,
            bot.clock,
            customer=customer,
            equipment=serial,
            kind="repair",
            priority="general",
            fault=fault,
            actor="staff:test",
        )
        if technician is not None:
            job = (
                await dispatch.dispatch(
                    uow, settings, bot.clock, job=job.id, technician=technician, actor=supervisor
                )
            ).job
        await uow.commit()
    await wake(sb)
    return job


async def run(sb: Sandbox, use_case: Any, **kwargs: Any) -> Any:
    """A use case in its own committed unit of work, then deliver what it queued."""
    bot = _bot(sb)
    async with bot.store.unit_of_work() as uow:
        result = await use_case(uow, bot.deps.settings, bot.clock, **kwargs)
        await uow.commit()
    await wake(sb)
    return result


async def quote_accepted(sb: Sandbox, job: int | str | None, technician: str, phone: Phone) -> None:
    """A type A job on site: the customer accepts a quote (on the signed paper quote) before
    the work, so the finish that follows may be above the quote limit (DESIGN.md §3). The
    card shown on arrival lost its keyboard when the job left on_site for the quote: the
    technician opens the job's card again, as the chat does after the answer."""
    assert job is not None
    await run(sb, quote.send_quote, job=job, actor=technician, labour_fen=90000, parts_fen=0)
    await run(sb, quote.answer, job=job, decision="accept", actor=technician, photo="signed")
    await phone.send("/jobs")
    await phone.wait_for("— on site")


async def wake(sb: Sandbox) -> None:
    _bot(sb).sender.wake()
    await sb.settle()


async def job_now(sb: Sandbox, job_id: int | None) -> JobRecord:
    assert job_id is not None
    async with _bot(sb).store.unit_of_work(readonly=True) as uow:
        found = await uow.jobs.get(job_id)
    assert found is not None
    return found


async def events(sb: Sandbox, job_id: int | None) -> list[str]:
    assert job_id is not None
    async with _bot(sb).store.unit_of_work(readonly=True) as uow:
        return [e.kind for e in await uow.events.for_subject("job", job_id)]


def as_shown(phone: Phone, message_id: int) -> Message:
    """A message of the phone as it is shown now (its edits applied: text, keyboard)."""
    return next(m for m in phone.inbox if m.id == message_id)


def callback_data(sb: Sandbox, user_id: int, message_id: int, label: str) -> str:
    stored = sb.server.world.chat_of(user_id, user_id).messages[message_id]
    for row in stored.inline_keyboard or []:
        for button in row:
            if button["text"] == label:
                return str(button["callback_data"])
    raise AssertionError(f"no button {label!r}")


# --- happy paths -------------------------------------------------------------------------------


async def _type_a_happy_path(sb: Sandbox) -> None:
    tech = await staff(sb, "T02", 1002, "Li Wei", "en")
    cafe = await customer(sb, "8613601710003", 5003, "Bund Corner")
    job = await new_job(sb, "C003", "CF21-0033", "T02")
    card = await tech.wait_for("New job")
    assert job.number in card.text and "Bund Corner Café" in card.text
    assert card.buttons == [["Accept", "Decline"]]

    await tech.tap("Accept")
    choices = await tech.wait_for("When will you be there")
    assert ["In 1 h", "In 2 h"] in choices.buttons and ["Today 14:00", "Tomorrow 09:00"] in (
        choices.buttons
    )
    await tech.tap("Today 14:00")
    await tech.wait_for("appointment set for")
    told = await cafe.wait_for("Li Wei will visit you")
    assert "2026-09-14 14:00 (Mon)" in told.text
    await cafe.tap("This time suits me")
    await cafe.wait_for("see you then")
    await tech.wait_for("the customer confirmed the appointment")

    await tech.tap("On my way")
    await tech.wait_for("on your way")
    await cafe.wait_for("on the way to you")
    await tech.tap("Arrived")
    prompt = await tech.wait_for("share your location")
    assert prompt.reply_buttons == [["Share my location"]]
    await tech.share_location(C003_SITE[0] + 0.0005, C003_SITE[1])
    arrived = await tech.wait_for("arrival verified")
    assert " m from the site" in arrived.text
    on_site = await tech.wait_for("on site")
    assert on_site.buttons == [
        ["Finish", "Need a part"],
        ["Take back", "Defective part taken out"],
        ["Send quote"],  # type A (DESIGN.md §3 Second pass)
    ]
    await sb.clock.advance(hours=2)

    await tech.tap("Finish")
    await tech.wait_for("what did you do")
    await tech.send("Replaced the group head gasket, descaled the boiler")
    hours = await tech.wait_for("How many hours")
    assert "2 h" in hours.text  # from the arrival to now is proposed
    assert hours.buttons == [["Use 2 h"]]
    await tech.send("1.5")
    van = await tech.wait_for("Parts used from your van")
    assert any(label.startswith("P018 ") for row in van.buttons for label in row)
    await tech.tap(re.compile("^P018 "))
    await tech.wait_for("How many of")
    await tech.send("two")
    await tech.wait_for("whole number")
    await tech.send("1")
    await tech.wait_for("1 chosen so far")
    await tech.tap("No more parts")
    await tech.wait_for("Labour fee")
    for garbage in ("12..5", "-3", "1e9", "lots"):
        await tech.send(garbage)
        refused = await tech.wait_for("I cannot read that amount")
        assert "12.50" in refused.text
    await tech.send("150")
    await tech.wait_for("Travel fee")
    await tech.send("0")
    await tech.wait_for("other fee")
    await tech.send("0")
    summary = await tech.wait_for("to be recorded")
    assert "¥150.00" in summary.text and "P018" in summary.text and "1.5 h" in summary.text
    await tech.tap("Submit")
    recorded = await tech.wait_for("recorded: total")
    assert "total ¥175.00, amount due ¥175.00" in recorded.text
    await tech.wait_for("asked to confirm")

    ask = await cafe.wait_for("Please confirm job")
    assert "¥175.00" in ask.text
    await cafe.tap("Confirm")
    await cafe.wait_for("You confirmed job")
    await tech.wait_for("confirmed by the customer")

    await tech.send("/jobs")
    signed = await tech.wait_for("signed off")
    assert signed.buttons == [["Cash collected", "Invoice"]]
    await tech.tap("Cash collected")
    cash = await tech.wait_for("cash ¥175.00 recorded")
    assert "You now hold ¥175.00" in cash.text
    await tech.wait_for(f"Job {job.number} is closed")
    assert (await job_now(sb, job.id)).state is JobState.CLOSED


async def test_type_a_job_from_accept_to_closed_with_cash(sb: Sandbox) -> None:
    await _type_a_happy_path(sb)


async def test_type_a_job_from_accept_to_closed_on_postgresql() -> None:
    async with Sandbox.start(db_url=PG_URL, settings=FAST, limits=FAST_LIMITS) as sb:
        await _type_a_happy_path(sb)


async def test_type_b_contract_labour_is_free_and_cash_before_signoff(sb: Sandbox) -> None:
    tech = await staff(sb, "T02", 1002, "Li Wei", "en")
    bistro = await customer(sb, "8613901710002", 5002, "Blue Harbour")
    job = await new_job(sb, "C002", "CF22-0107", "T02")
    await tech.wait_for("New job")
    await accept_and_arrive(tech, at=(31.2286, 121.4530))
    await finish_form(
        tech,
        work="Cleaned the brew group",
        hours="1",
        parts=[("P018", "2")],
        fees=(None, "0", "0"),
    )
    await tech.tap("Submit")
    recorded = await tech.wait_for("recorded: total")
    # the contract covers labour (not asked), not parts: only the two gaskets are due
    assert "total ¥50.00, amount due ¥50.00" in recorded.text
    await tech.wait_for("asked to confirm")
    await tech.tap("Cash collected")
    await tech.wait_for("cash ¥50.00 recorded")
    await tech.wait_for("closes once the customer has confirmed")
    await bistro.wait_for("Please confirm job")
    await bistro.tap("Confirm")
    await bistro.wait_for("is complete")
    assert (await job_now(sb, job.id)).state is JobState.CLOSED


async def test_type_c_in_chinese_signed_off_by_qr_deep_link(sb: Sandbox) -> None:
    tech = await staff(sb, "T01", 1001, "张磊", "zh-hans")
    job = await new_job(sb, "C001", "RF25-0001", "T01", fault="不制冷")
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
    await tech.send("更换启动电容和门封条")
    await tech.wait_for("多少小时")
    await tech.send("2")
    for code in ("P008", "P005"):
        await tech.wait_for("车上的配件")
        await tech.tap(re.compile(f"^{code} "))
        await tech.wait_for("数量")
        await tech.send("1")
    await tech.wait_for("车上的配件")
    await tech.tap("没有更多配件")
    await tech.wait_for("交通费")  # in warranty: no labour is charged, none is asked
    await tech.send("abc")
    await tech.wait_for("12.50")
    await tech.send("0")
    await tech.wait_for("其他费用")
    await tech.send("0")
    summary = await tech.wait_for("待记录")
    assert "保修" in summary.text
    await tech.tap("提交")
    # in warranty: the capacitor is free, the door gasket is always paid
    recorded = await tech.wait_for("应收 ¥88.00")
    assert "¥133.00" in recorded.text
    qr = await tech.wait_for("扫描")
    assert qr.photo is not None and qr.photo.startswith(b"\x89PNG")
    link = re.search(r"https://t\.me/\S+\?start=(\S+)", qr.text)
    assert link is not None

    owner = sb.phone(user_id=5001, name="李记", language="zh-hans")
    await owner.start(link.group(1))
    ask = await owner.wait_for("请确认")
    assert "¥88.00" in ask.text and ask.buttons == [["确认", "有异议"]]
    await owner.tap("确认")
    await owner.wait_for("已确认")
    await tech.wait_for("客户已确认")
    await tech.send("/jobs")
    await tech.wait_for("已签收")
    await tech.tap("已收现金")
    await tech.wait_for("已关闭")
    assert (await job_now(sb, job.id)).state is JobState.CLOSED
    # the link was single use: opening it again does nothing
    await owner.start(link.group(1))
    await owner.wait_for("不再有效")


async def test_signoff_by_photo_of_the_paper_voucher_and_manual_arrival(sb: Sandbox) -> None:
    supervisor = await staff(sb, "S01", 2001, "王芳", "zh-hans")
    tech = await staff(sb, "T02", 1002, "Li Wei", "en")
    job = await new_job(sb, "C003", "CF21-0033", "T02")
    await tech.wait_for("New job")
    await accept_and_arrive(tech, at=None)
    await tech.wait_for("without a location")
    told = await supervisor.wait_for(job.number)
    assert "Li Wei" in told.text
    await finish_form(
        tech, work="Adjusted the grinder", hours="0.5", parts=[], fees=("0", "0", "0")
    )
    await tech.tap("Submit")
    await tech.wait_for("amount due ¥0.00")
    qr = await tech.wait_for("scan this code")
    assert qr.photo is not None
    await tech.tap("Photo of signed voucher")
    await tech.wait_for("send the photo")
    await tech.send("here it comes")
    await tech.wait_for("Please send a photo")
    await tech.send_photo(b"\x89PNG\r\n\x1a\n-signed-voucher")
    await tech.wait_for("signed off with the photo")
    await tech.wait_for(f"Job {job.number} is closed")
    assert (await job_now(sb, job.id)).state is JobState.CLOSED
    async with _bot(sb).store.unit_of_work(readonly=True) as uow:
        (evidence,) = await uow.fieldwork.signoffs(job.id)  # type: ignore[arg-type]
    assert evidence.method == "paper_photo" and evidence.evidence


# --- decline, geofence, parts, approval --------------------------------------------------------


async def test_decline_with_a_reason_returns_the_job_to_the_queue(sb: Sandbox) -> None:
    supervisor = await staff(sb, "S01", 2001, "王芳", "zh-hans")
    tech = await staff(sb, "T02", 1002, "Li Wei", "en")
    job = await new_job(sb, "C003", "CF21-0033", "T02")
    await tech.wait_for("New job")
    await tech.tap("Decline")
    reasons = await tech.wait_for("Why do you decline")
    assert reasons.buttons == [["Too far", "Not my skill"], ["Too busy", "Other reason"]]
    await tech.tap("Too far")
    await tech.wait_for("went back to the supervisor")
    told = await supervisor.wait_for(job.number)
    assert "too far" in told.text
    back = await job_now(sb, job.id)
    assert back.state is JobState.REGISTERED and back.technician_id is None

    await run(sb, dispatch.dispatch, job=job.id, technician="T02", actor="S01")
    await tech.wait_for("New job")
    await tech.tap("Decline")
    await tech.wait_for("Why do you decline")
    await tech.tap("Other reason")
    await tech.wait_for("write the reason")
    await tech.send("My van is in the garage")
    await tech.wait_for("went back to the supervisor")
    told = await supervisor.wait_for("My van is in the garage")
    assert job.number in told.text


async def test_arrival_outside_the_geofence_is_unverified_and_the_supervisor_told(
    sb: Sandbox,
) -> None:
    supervisor = await staff(sb, "S01", 2001, "王芳", "zh-hans")
    tech = await staff(sb, "T02", 1002, "Li Wei", "en")
    job = await new_job(sb, "C003", "CF21-0033", "T02")
    await tech.wait_for("New job")
    await accept_and_arrive(tech, at=(C003_SITE[0] - 0.01, C003_SITE[1]))
    unverified = await tech.wait_for("arrival unverified")
    distance = re.search(r"you are (\d+) m from the site", unverified.text)
    assert distance is not None and 1000 < int(distance.group(1)) < 1200
    assert "limit is 500 m" in unverified.text
    told = await supervisor.wait_for(job.number)
    assert distance.group(1) in told.text
    assert (await job_now(sb, job.id)).state is JobState.ON_SITE


async def test_a_location_shared_without_a_prompt_reports_arrival(sb: Sandbox) -> None:
    tech = await staff(sb, "T02", 1002, "Li Wei", "en")
    await tech.share_location(*C003_SITE)
    await tech.wait_for("None of your jobs is waiting")
    job = await new_job(sb, "C003", "CF21-0033", "T02")
    await tech.wait_for("New job")
    await tech.tap("Accept")
    await tech.tap("In 2 h")
    await tech.wait_for("appointment set")
    await tech.share_location(*C003_SITE, live_period=600)
    await tech.wait_for("arrival verified, 0 m")
    before = len(tech.inbox)
    await tech.move_location(C003_SITE[0] + 0.001, C003_SITE[1])
    assert len(tech.inbox) == before  # a live location moving is not answered each time
    assert (await job_now(sb, job.id)).state is JobState.ON_SITE


async def test_shortfall_becomes_a_request_the_storekeeper_delivers_then_approval(
    sb: Sandbox,
) -> None:
    supervisor = await staff(sb, "S01", 2001, "王芳", "zh-hans")
    tech = await staff(sb, "T02", 1002, "Li Wei", "en")
    keeper = await staff(sb, "K01", 2201, "吴强", "zh-hans")
    job = await new_job(sb, "C003", "CF21-0033", "T02")
    await tech.wait_for("New job")
    await accept_and_arrive(tech, at=C003_SITE)
    await tech.tap("Finish")
    await tech.wait_for("what did you do")
    await tech.send("Brewing unit broken")
    await tech.wait_for("How many hours")
    await tech.tap(re.compile(r"^Use [\d.]+ h$"))
    await tech.wait_for("Parts used from your van")
    await tech.send("brewing")
    found = await tech.wait_for("Parts matching")
    assert found.buttons == [["P011 冲泡器组件 Brewing unit (0)"]]
    await tech.tap(re.compile("^P011 "))
    await tech.wait_for("Your van holds 0")
    await tech.send("1")
    short = await tech.wait_for("Your van lacks 1 × P011")
    assert job.number in short.text
    assert (await job_now(sb, job.id)).state is JobState.WAITING_PART

    request = await keeper.wait_for("P011")
    assert "Li Wei" in request.text
    await keeper.tap(re.compile("."))
    await keeper.wait_for("已送达")
    await tech.wait_for("is in your van")
    assert (await job_now(sb, job.id)).state is JobState.ACCEPTED

    await tech.send("/jobs")
    card = await tech.wait_for("— accepted")
    assert card.buttons == [["Set appointment"], ["Resolve remotely"]]
    await tech.tap("Set appointment")
    await tech.wait_for("when will you be there")
    await tech.tap("Other time")
    await tech.wait_for("send the time of the visit")
    await tech.send("25:99")
    await tech.wait_for("I cannot read that time")
    await tech.send("08:00")  # the next 08:00: tomorrow morning
    await tech.wait_for("appointment set")
    await tech.tap("Arrived")
    await tech.share_location(*C003_SITE)
    await tech.wait_for("arrival verified")
    await quote_accepted(sb, job.id, "T02", tech)  # type A above the quote limit
    await finish_form(
        tech,
        work="Replaced the brewing unit",
        hours="2",
        parts=[("P011", "1")],
        fees=("150", "0", "0"),
    )
    await tech.tap("Submit")
    waiting = await tech.wait_for("above the approval limit")
    assert "total ¥1,300.00" in waiting.text
    assert (await job_now(sb, job.id)).state is JobState.AWAITING_APPROVAL

    approval = await supervisor.wait_for("需要您审批")
    assert "¥1,300.00" in approval.text
    await supervisor.tap("批准")
    await tech.wait_for("the fees were approved")
    await tech.send("/jobs")
    card = await tech.wait_for("awaiting sign-off")
    # above the cash limit: an invoice only
    assert card.buttons == [["Sign-off QR code", "Photo of signed voucher"], ["Invoice"]]
    alerts = len(tech.alerts)
    await tech.tap("Invoice", message=card)
    assert tech.alerts[alerts:] == []  # answered without a pop-up
    await tech.wait_for("send the invoice number")
    await tech.send("12345678")
    await tech.wait_for("invoice for ¥1,300.00 recorded")
    await tech.wait_for("closes once the customer has confirmed")


async def test_cash_above_the_limit_is_refused_with_an_invoice_offered(sb: Sandbox) -> None:
    tech = await staff(sb, "T02", 1002, "Li Wei", "en")
    job = await new_job(sb, "C003", "CF21-0033", "T02")
    await tech.wait_for("New job")
    await accept_and_arrive(tech, at=C003_SITE)
    await quote_accepted(sb, job.id, "T02", tech)  # type A above the quote limit
    await finish_form(tech, work="Overhaul", hours="3", parts=[], fees=("300", "50", "0"))
    await tech.tap("Submit")
    await tech.wait_for("amount due ¥350.00")
    qr = await tech.wait_for("scan this code")
    assert "Cash collected" not in str(qr.buttons)
    # a cash button kept from an earlier card cannot settle it either
    bot = _bot(sb)
    async with bot.store.unit_of_work() as uow:
        token = await uow.buttons.create(1002, "job.cash", {"job_id": job.id}, bot.clock.now())
        await uow.commit()
    push_callback(sb, 1002, qr.id, token)
    await sb.settle()
    refused = await tech.wait_for("above the cash limit")
    assert "¥350.00" in refused.text and "¥200.00" in refused.text
    await tech.tap("Invoice")
    await tech.wait_for("send the invoice number")
    await tech.send("INV-350")
    await tech.wait_for("invoice for ¥350.00 recorded")


async def test_customer_dispute_asks_a_reason_and_tells_the_supervisor(sb: Sandbox) -> None:
    supervisor = await staff(sb, "S01", 2001, "王芳", "zh-hans")
    tech = await staff(sb, "T02", 1002, "Li Wei", "en")
    bistro = await customer(sb, "8613901710002", 5002, "Blue Harbour")
    job = await new_job(sb, "C002", "CF22-0107", "T02")
    await tech.wait_for("New job")
    await accept_and_arrive(tech, at=(31.2286, 121.4530))
    await finish_form(tech, work="Cleaned", hours="1", parts=[], fees=(None, "20", "0"))
    await tech.tap("Submit")
    await bistro.wait_for("Please confirm job")
    await bistro.tap("Dispute")
    await bistro.wait_for("What is wrong")
    await bistro.send("The machine still leaks")
    await bistro.wait_for("objection")
    told = await supervisor.wait_for("The machine still leaks")
    assert job.number in told.text
    await tech.wait_for("The machine still leaks")
    assert (await job_now(sb, job.id)).state is JobState.DISPUTED


async def test_customer_asks_for_another_appointment_time(sb: Sandbox) -> None:
    tech = await staff(sb, "T02", 1002, "Li Wei", "en")
    bistro = await customer(sb, "8613901710002", 5002, "Blue Harbour")
    job = await new_job(sb, "C002", "CF22-0107", "T02")
    await tech.wait_for("New job")
    await tech.tap("Accept")
    await tech.tap("Tomorrow 09:00")
    await bistro.wait_for("will visit you")
    await bistro.tap("Another time, please")
    await bistro.wait_for("When would suit you")
    await bistro.send("Wednesday afternoon")
    await bistro.wait_for("propose a new time")
    await tech.wait_for("Wednesday afternoon")
    await tech.tap("Set appointment")
    await tech.wait_for("when will you be there")
    assert "job.appointment_declined" in await events(sb, job.id)


# --- authorization and repeats -----------------------------------------------------------------


async def test_another_technicians_button_is_refused_and_a_double_tap_is_harmless(
    sb: Sandbox,
) -> None:
    t02 = await staff(sb, "T02", 1002, "Li Wei", "en")
    t01 = await staff(sb, "T01", 1001, "张磊", "zh-hans")
    job = await new_job(sb, "C003", "CF21-0033", "T02")
    card = await t02.wait_for("New job")
    accept = callback_data(sb, 1002, card.id, "Accept")
    t01_chat = max(sb.server.world.chat_of(1001, 1001).messages)
    alerts = len(t01.alerts)
    push_callback(sb, 1001, t01_chat, accept)
    await sb.settle()
    (foreign,) = t01.alerts[alerts:]
    assert "失效" in foreign.text
    assert not any("When will you be there" in m.text for m in t01.inbox)
    assert (await job_now(sb, job.id)).state is JobState.DISPATCHED

    await t02.tap("Accept")
    await t02.wait_for("When will you be there")
    alerts = len(t02.alerts)
    push_callback(sb, 1002, card.id, accept)
    await sb.settle()
    (again,) = t02.alerts[alerts:]
    assert "no longer valid" in again.text
    assert (await events(sb, job.id)).count("job.accept") == 1
    assert (await job_now(sb, job.id)).state is JobState.ACCEPTED


async def test_a_supervisor_has_no_technician_commands(sb: Sandbox) -> None:
    supervisor = await staff(sb, "S02", 2002, "David Chen", "en")
    await supervisor.send("/jobs")
    await supervisor.wait_for("You may not do that")


# --- take-back and the service voucher ---------------------------------------------------------


async def test_take_back_repair_inspection_and_return(sb: Sandbox) -> None:
    """Type A, a customer without Telegram: the signed paper receipt, a repair card billed
    like on-site work (the proposed hours are the working time on the bench), the return
    signed off with the paper voucher, then cash."""
    tech = await staff(sb, "T02", 1002, "Li Wei", "en")
    job = await new_job(sb, "C003", "CF21-0033", "T02")
    await tech.wait_for("New job")
    await accept_and_arrive(tech, at=C003_SITE)
    await tech.tap("Take back")
    await tech.wait_for("promise the unit back")
    await tech.send("2026-09-01")
    await tech.wait_for("from today on")
    await tech.send("2026-09-17")
    taken = await tech.wait_for("the unit is in the workshop")
    assert "receipt R20260914-001-1" in taken.text and "paper receipt signed" in taken.text
    assert taken.buttons == [["Photo of signed receipt"]]
    await tech.tap("Photo of signed receipt")
    await tech.wait_for("send the photo of the receipt")
    await tech.send_photo(b"\x89PNG\r\n\x1a\n-signed-receipt")
    await tech.wait_for("receipt R20260914-001-1 is confirmed with the photo")
    await sb.clock.advance_to(datetime(2026, 9, 14, 9, 45, tzinfo=ZoneInfo("Asia/Shanghai")))
    await tech.send("/jobs")
    card = await tech.wait_for("in the workshop")
    assert card.buttons == [["Repaired", "Defective part taken out"], ["Move promised date"]]
    await tech.tap("Repaired")
    await tech.wait_for("what did you repair")
    await tech.send("Rebuilt the pump")
    hours = await tech.wait_for("How many hours did the repair take")
    assert "0.75 h (working time since the unit came to the bench)" in hours.text
    await tech.tap("Use 0.75 h")
    await tech.wait_for("Parts used from your van")
    await tech.send("P018")
    await tech.wait_for("Parts matching")
    await tech.tap(re.compile("^P018 "))
    await tech.wait_for("How many of")
    await tech.send("1")
    await tech.wait_for("Parts used from your van")
    await tech.tap("No more parts")
    await tech.wait_for("Labour fee")
    await tech.send("120")
    await tech.wait_for("Travel fee")
    await tech.send("30")
    await tech.wait_for("other fee")
    await tech.send("0")
    summary = await tech.wait_for("to be recorded")
    assert "Time: 0.75 h" in summary.text and "Service type A" in summary.text
    await tech.tap("Submit")
    await tech.wait_for("repair card is recorded: total ¥175.00, amount due ¥175.00")
    assert (await job_now(sb, job.id)).state is JobState.AWAITING_INSPECTION
    await run(sb, workshop.pass_inspection, job=job.id, actor="S01")
    await tech.wait_for("passed inspection")
    await tech.send("/jobs")
    await tech.wait_for("ready for return")
    await tech.tap("Returned to the customer")
    await tech.wait_for("receipt is voided once the customer signs off")
    await tech.wait_for("scan this code")
    assert (await job_now(sb, job.id)).state is JobState.AWAITING_SIGNOFF
    await tech.tap("Photo of signed voucher")
    await tech.wait_for("send the photo")
    await tech.send_photo(b"\x89PNG\r\n\x1a\n-signed-voucher")
    await tech.wait_for("signed off with the photo")
    paying = await tech.wait_for("Amount due: ¥175.00")
    assert paying.buttons[-1] == ["Cash collected", "Invoice"]
    await tech.tap("Cash collected")
    await tech.wait_for(f"Job {job.number} is closed")
    async with _bot(sb).store.unit_of_work(readonly=True) as uow:
        (receipt,) = await uow.fieldwork.receipts(job.id or 0)
        register = await uow.fieldwork.register(job.id or 0)
    assert receipt.confirm_method == "paper_photo" and receipt.voided_at is not None
    assert [entry.direction for entry in register] == ["in", "out"]


async def test_the_units_service_history_is_on_the_dispatch_card(sb: Sandbox) -> None:
    tech = await staff(sb, "T02", 1002, "Li Wei", "en")
    first = await new_job(sb, "C003", "CF21-0033", "T02")
    await tech.wait_for("New job")
    await run(sb, dispatch.accept, job=first.id, actor="T02")
    await sb.clock.advance(minutes=10)
    at = sb.clock.now()
    await run(sb, visit.set_appointment, job=first.id, actor="T02", at=at + timedelta(hours=1))
    await run(sb, visit.arrive, job=first.id, actor="T02", latitude=31.2386, longitude=121.49)
    await run(sb, work_record.finish, job=first.id, actor="T02", work="Descaled", minutes=30)
    await run(sb, signoff.confirm_with_photo, job=first.id, actor="T02", photo="file-1")
    second = await new_job(sb, "C003", "CF21-0033", "T02", fault="leaks again")
    card = await tech.wait_for(second.number)
    assert "Service history of this unit" in card.text
    assert f"{first.number} T02: Descaled" in card.text


async def test_the_storekeeper_delivers_from_a_branch_when_the_warehouse_lacks_the_part(
    sb: Sandbox,
) -> None:
    from fieldbot.domain.model import StockLevel

    tech = await staff(sb, "T02", 1002, "Li Wei", "en")
    keeper = await staff(sb, "K01", 2201, "吴强", "zh-hans")
    await keeper.send("/requests")
    await keeper.wait_for("没有待处理的配件申请")
    bot = _bot(sb)
    async with bot.store.unit_of_work() as uow:
        await uow.stock.upsert(StockLevel("central", "P002", 0))
        await uow.commit()
    job = await new_job(sb, "C003", "CF21-0033", "T02")
    await tech.wait_for("New job")
    await accept_and_arrive(tech, at=C003_SITE)
    await tech.tap("Need a part")
    await tech.wait_for("which part do you need")
    await tech.send("condenser fan")
    await tech.tap(re.compile("^P002 "))
    await tech.send("2")
    await tech.wait_for("waits for 2 × P002")

    request = await keeper.wait_for("Li Wei 的车上")  # the request, as the service sent it
    await keeper.send("/requests")
    listed = await keeper.wait_for("T02 的车载库存")  # stock locations read Chinese
    assert job.number in listed.text and listed.buttons == [["送达"]]
    assert "van:" not in listed.text
    await keeper.tap(re.compile("."))
    offer = await keeper.wait_for("中心仓库 没有")
    assert offer.buttons == [["分公司仓库 SH01", "分公司仓库 SH02"]]  # the branches holding enough
    await keeper.tap("分公司仓库 SH01")
    delivered = await keeper.wait_for("已送达")
    assert "从 分公司仓库 SH01 到 T02 的车载库存" in delivered.text
    await tech.wait_for("is in your van")
    await sb.settle()
    # the request's cards lost their buttons: the service's (every storekeeper's copy) and
    # the offer pressed; a stale Deliver of the /requests listing is refused when pressed
    assert as_shown(keeper, request.id).buttons == []
    assert as_shown(keeper, offer.id).buttons == []
    async with bot.store.unit_of_work(readonly=True) as uow:
        assert await uow.stock.quantity("SH01", "P002") == 1
        assert await uow.stock.quantity("van:T02", "P002") == 2


async def test_paying_twice_is_refused_and_changes_nothing(sb: Sandbox) -> None:
    tech = await staff(sb, "T02", 1002, "Li Wei", "en")
    job = await new_job(sb, "C003", "CF21-0033", "T02")
    await tech.wait_for("New job")
    await accept_and_arrive(tech, at=C003_SITE)
    await finish_form(tech, work="Tightened a hose", hours="1", parts=[], fees=("80", "0", "0"))
    await tech.tap("Submit")
    qr = await tech.wait_for("scan this code")
    invoice = callback_data(sb, 1002, qr.id, "Invoice")
    await tech.tap("Cash collected")
    await tech.wait_for("cash ¥80.00 recorded")
    push_callback(sb, 1002, qr.id, invoice)
    await sb.settle()
    await tech.wait_for("settled already")
    async with _bot(sb).store.unit_of_work(readonly=True) as uow:
        settled = await uow.fieldwork.settlement(job.id)  # type: ignore[arg-type]
    assert settled is not None and settled.method == "cash"


async def test_a_restart_in_the_middle_of_the_finish_form_continues_where_it_was(
    sb: Sandbox,
) -> None:
    tech = await staff(sb, "T02", 1002, "Li Wei", "en")
    job = await new_job(sb, "C003", "CF21-0033", "T02")
    await tech.wait_for("New job")
    await accept_and_arrive(tech, at=C003_SITE)
    await tech.tap("Finish")
    await tech.wait_for("what did you do")
    await tech.send("Replaced the pump")
    await tech.wait_for("How many hours")
    await sb.restart_bot()
    await tech.send("2.5")
    await tech.wait_for("Parts used from your van")
    await tech.tap("No more parts")
    await tech.wait_for("Labour fee")
    await tech.send("100")
    await tech.send("0")
    await tech.send("0")
    summary = await tech.wait_for("to be recorded")
    assert "Replaced the pump" in summary.text and "2.5 h" in summary.text
    await tech.tap("Submit")
    await tech.wait_for("total ¥100.00")
    assert (await job_now(sb, job.id)).state is JobState.AWAITING_SIGNOFF


async def test_jobs_lists_open_jobs_nearest_deadline_first_and_opens_a_card(sb: Sandbox) -> None:
    tech = await staff(sb, "T01", 1001, "张磊", "zh-hans")
    await tech.send("/jobs")
    await tech.wait_for("没有未完成的工单")
    general = await new_job(sb, "C001", "RF25-0001", "T01")
    await sb.clock.advance(minutes=5)
    bot = _bot(sb)
    async with bot.store.unit_of_work() as uow:
        urgent = await register_job(
            uow,
            bot.deps.settings,
            bot.clock,
            customer="C001",
            equipment="IM25-0002",
            kind="repair",
            priority="emergency",
            fault="制冰机漏水",
            actor="staff:test",
        )
        await dispatch.dispatch(
            uow, bot.deps.settings, bot.clock, job=urgent.id, technician="T01", actor="S01"
        )
        await uow.commit()
    await wake(sb)
    await tech.send("/jobs")
    listing = await tech.wait_for("未完成工单：2")
    # the emergency's deadline comes first although it was called later
    assert listing.buttons == [[urgent.number], [general.number]]
    assert "李记餐厅" in listing.text
    await tech.tap(general.number)
    card = await tech.wait_for(f"工单 {general.number} — 已派工")
    assert card.buttons == [["接受", "拒绝"], ["远程解决"]]
