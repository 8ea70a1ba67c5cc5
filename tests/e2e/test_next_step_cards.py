"""Issue 11, "what people tripped over": every card offers the next step, a card whose action
is done loses its keyboard (a stale button pressed anyway is still refused), Chinese chats
read Chinese labels, and the finish form asks fewer and clearer steps. End to end on the
sandbox, in both languages."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from fieldbot.domain.model import JobState
from fieldbot.repositories.jobs import JobRecord
from fieldbot.sandbox.driver import Phone, Sandbox
from fieldbot.services import custody, dispatch, visit, workshop
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


@pytest.fixture
async def sb() -> AsyncIterator[Sandbox]:
    async with Sandbox.start(settings=FAST, limits=FAST_LIMITS) as sandbox:
        yield sandbox


async def _on_site(sb: Sandbox, job: JobRecord, tech: str, site: tuple[float, float]) -> None:
    """Accepted, appointed and arrived, through the services (as the technician's chat)."""
    await run(sb, dispatch.accept, job=job.id, actor=tech)
    at = sb.clock.now() + timedelta(hours=1)
    await run(sb, visit.set_appointment, job=job.id, actor=tech, at=at)
    await run(sb, visit.arrive, job=job.id, actor=tech, latitude=site[0], longitude=site[1])


# --- the next step -------------------------------------------------------------------------------


async def test_a_delivered_part_offers_the_new_appointment_and_the_request_loses_deliver(
    sb: Sandbox,
) -> None:
    tech = await staff(sb, "T02", 1002, "Li Wei", "en")
    keeper = await staff(sb, "K01", 2201, "吴强", "zh-hans")
    job = await new_job(sb, "C003", "CF21-0033", "T02")
    await tech.wait_for("New job")
    await accept_and_arrive(tech, at=C003_SITE)
    await tech.tap("Need a part")
    await tech.wait_for("which part do you need")
    await tech.send("P011")
    await tech.tap(re.compile("^P011 "))
    await tech.send("1")
    await tech.wait_for("waits for 1 × P011")
    request = await keeper.wait_for("P011")
    assert request.buttons == [["送达"]]
    await keeper.tap("送达", message=request)
    delivered = await keeper.wait_for("已送达")
    assert "从 中心仓库 到 T02 的车载库存" in delivered.text
    told = await tech.wait_for("is in your van")
    assert told.buttons == [["Set appointment"]]  # no digging through /jobs
    await sb.settle()
    assert as_shown(keeper, request.id).buttons == []
    await tech.tap("Set appointment", message=told)
    await tech.wait_for("when will you be there")
    await tech.tap("In 1 h")
    await tech.wait_for("appointment set")
    await sb.settle()
    assert as_shown(tech, told.id).buttons == []  # done: the notice's button went
    assert (await job_now(sb, job.id)).state is JobState.SCHEDULED


async def test_a_passed_inspection_offers_the_return_in_chinese(sb: Sandbox) -> None:
    supervisor = await staff(sb, "S01", 2001, "王芳", "zh-hans")
    tech = await staff(sb, "T01", 1001, "张磊", "zh-hans")
    job = await new_job(sb, "C001", "RF25-0001", "T01")
    await tech.wait_for("新工单")
    await _on_site(sb, job, "T01", C001_SITE)
    promised = sb.clock.now() + timedelta(days=3)
    await run(sb, custody.take_back, job=job.id, actor="T01", promised_at=promised)
    await run(sb, workshop.record_repair, job=job.id, actor="T01", minutes=90, notes="换压缩机")
    card = await supervisor.wait_for("检验")
    assert card.buttons == [["通过", "不通过"]]
    await supervisor.tap("通过", message=card)
    await supervisor.wait_for("检验通过")
    told = await tech.wait_for("检验通过")
    assert told.buttons == [["已归还客户"]]
    await sb.settle()
    assert as_shown(supervisor, card.id).buttons == []  # the inspection card is done
    await tech.tap("已归还客户", message=told)
    await sb.settle()
    assert (await job_now(sb, job.id)).state is not JobState.READY_FOR_RETURN
    assert as_shown(tech, told.id).buttons == []


async def test_rejected_fees_offer_recording_the_work_again(sb: Sandbox) -> None:
    supervisor = await staff(sb, "S01", 2001, "王芳", "zh-hans")
    tech = await staff(sb, "T02", 1002, "Li Wei", "en")
    job = await new_job(sb, "C003", "CF21-0033", "T02")
    await tech.wait_for("New job")
    await accept_and_arrive(tech, at=C003_SITE)
    await quote_accepted(sb, job.id, "T02", tech)  # type A above the quote limit: quoted first
    await finish_form(tech, work="Overhaul", hours="3", parts=[], fees=("600", "0", "0"))
    await tech.tap("Submit")
    await tech.wait_for("above the approval limit")
    approval = await supervisor.wait_for("需要您审批")
    await supervisor.tap("驳回", message=approval)
    await supervisor.wait_for("为什么驳回")
    await supervisor.send("人工费太高")
    await supervisor.wait_for("已通知技术员")
    told = await tech.wait_for("the fees were rejected")
    assert told.buttons == [["Record the work again"]]
    await sb.settle()
    assert as_shown(supervisor, approval.id).buttons == []
    await tech.tap("Record the work again", message=told)
    await tech.wait_for("starts from the rejected one")
    assert (await job_now(sb, job.id)).state is JobState.ON_SITE


async def _confirmed_with_money_due(sb: Sandbox) -> None:
    tech = await staff(sb, "T02", 1002, "Li Wei", "en")
    cafe = await customer(sb, "8613601710003", 5003, "Bund Corner")
    job = await new_job(sb, "C003", "CF21-0033", "T02")
    await tech.wait_for("New job")
    await accept_and_arrive(tech, at=C003_SITE)
    await finish_form(tech, work="Descaled", hours="1", parts=[], fees=("120", "30", "0"))
    await tech.tap("Submit")
    ask = await cafe.wait_for("Please confirm job")
    dispute = callback_data(sb, 5003, ask.id, "Dispute")
    await cafe.tap("Confirm", message=ask)
    await cafe.wait_for("You confirmed job")
    told = await tech.wait_for("confirmed by the customer")
    assert "¥150.00 is due" in told.text
    assert told.buttons == [["Cash collected", "Invoice"]]
    await sb.settle()
    assert as_shown(cafe, ask.id).buttons == []  # the sign-off card is done
    await tech.tap("Cash collected", message=told)
    await tech.wait_for(f"Job {job.number} is closed")
    await sb.settle()
    assert as_shown(tech, told.id).buttons == []
    # the customer's old Dispute button, pressed anyway, changes nothing
    before = len(cafe.inbox)
    push_callback(sb, 5003, ask.id, dispute)
    await sb.settle()
    said = " ".join(m.text for m in cafe.inbox[before:]) + " ".join(a.text for a in cafe.alerts)
    assert said.strip() and "What is wrong" not in said
    assert (await job_now(sb, job.id)).state is JobState.CLOSED


async def test_a_confirmation_with_money_due_offers_cash_or_invoice(sb: Sandbox) -> None:
    await _confirmed_with_money_due(sb)


async def test_a_confirmation_with_money_due_offers_cash_or_invoice_on_postgresql() -> None:
    async with Sandbox.start(db_url=PG_URL, settings=FAST, limits=FAST_LIMITS) as sb:
        await _confirmed_with_money_due(sb)


# --- keyboards removed ---------------------------------------------------------------------------


async def test_the_dispatch_card_loses_its_keyboard_on_accept_and_a_stale_press_is_refused(
    sb: Sandbox,
) -> None:
    tech = await staff(sb, "T02", 1002, "Li Wei", "en")
    job = await new_job(sb, "C003", "CF21-0033", "T02")
    card = await tech.wait_for("New job")
    accept = callback_data(sb, 1002, card.id, "Accept")
    decline = callback_data(sb, 1002, card.id, "Decline")
    await tech.tap("Accept", message=card)
    await tech.wait_for("When will you be there")
    await sb.settle()
    shown = as_shown(tech, card.id)
    assert shown.buttons == [] and job.number in shown.text  # the text stays
    for stale in (accept, decline):
        before = len(tech.inbox), len(tech.alerts)
        push_callback(sb, 1002, card.id, stale)
        await sb.settle()
        answered = [m.text for m in tech.inbox[before[0] :]] + [
            a.text for a in tech.alerts[before[1] :]
        ]
        assert answered, "a stale press is answered"
        assert not any("Why do you decline" in text for text in answered)
    assert (await job_now(sb, job.id)).state is JobState.ACCEPTED


async def _approval_card_lists_fees_and_loses_its_keyboard(sb: Sandbox) -> None:
    supervisor = await staff(sb, "S01", 2001, "王芳", "zh-hans")
    tech = await staff(sb, "T02", 1002, "Li Wei", "en")
    job = await new_job(sb, "C003", "CF21-0033", "T02")
    await tech.wait_for("New job")
    await accept_and_arrive(tech, at=C003_SITE)
    await quote_accepted(sb, job.id, "T02", tech)  # type A above the quote limit: quoted first
    await finish_form(
        tech, work="Overhaul", hours="3", parts=[("P018", "2")], fees=("500", "40", "10")
    )
    await tech.tap("Submit")
    approval = await supervisor.wait_for("需要您审批")
    # the fee lines, each with what is charged, as on the sign-off summary
    assert "费用，人工：¥500.00，收费" in approval.text
    assert "费用，交通：¥40.00，收费" in approval.text
    assert "P018" in approval.text and "¥50.00" in approval.text
    assert "合计 ¥600.00" in approval.text
    reject = callback_data(sb, 2001, approval.id, "驳回")
    await supervisor.tap("批准", message=approval)
    await supervisor.wait_for("已批准")
    await sb.settle()
    assert as_shown(supervisor, approval.id).buttons == []
    before = len(supervisor.inbox), len(supervisor.alerts)
    push_callback(sb, 2001, approval.id, reject)  # the old Reject, pressed anyway
    await sb.settle()
    answered = [m.text for m in supervisor.inbox[before[0] :]] + [
        a.text for a in supervisor.alerts[before[1] :]
    ]
    assert answered and not any("为什么驳回" in text for text in answered)
    assert (await job_now(sb, job.id)).state is JobState.AWAITING_SIGNOFF


async def test_the_approval_card_lists_the_fee_lines_and_loses_its_keyboard(sb: Sandbox) -> None:
    await _approval_card_lists_fees_and_loses_its_keyboard(sb)


async def test_the_approval_card_loses_its_keyboard_on_postgresql() -> None:
    async with Sandbox.start(db_url=PG_URL, settings=FAST, limits=FAST_LIMITS) as sb:
        await _approval_card_lists_fees_and_loses_its_keyboard(sb)


# --- the finish form -----------------------------------------------------------------------------


async def test_the_finish_form_shows_exact_hours_counts_down_the_van_and_sums_up(
    sb: Sandbox,
) -> None:
    tech = await staff(sb, "T02", 1002, "Li Wei", "en")
    job = await new_job(sb, "C003", "CF21-0033", "T02")
    await tech.wait_for("New job")
    await accept_and_arrive(tech, at=C003_SITE)
    await sb.clock.advance(minutes=45)
    await tech.tap("Finish")
    await tech.wait_for("what did you do")
    await tech.send("Replaced two gaskets")
    hours = await tech.wait_for("How many hours")
    assert "0.75 h" in hours.text and hours.buttons == [["Use 0.75 h"]]
    await tech.tap("Use 0.75 h")
    van = await tech.wait_for("Parts used from your van (0 chosen")
    assert any(
        label.startswith("P018 ") and label.endswith("(6)") for r in van.buttons for label in r
    )
    await tech.tap(re.compile("^P018 "), message=van)
    await tech.wait_for("Your van holds 6")
    await tech.send("2")
    van = await tech.wait_for("1 chosen so far")
    assert any(
        label.startswith("P018 ") and label.endswith("(4)") for r in van.buttons for label in r
    )
    await tech.tap(re.compile("^P018 "), message=van)
    await tech.wait_for("Your van holds 4")  # what is left once the two are taken
    await tech.send("1")
    await tech.wait_for("2 chosen so far")
    await tech.tap("No more parts")
    await tech.wait_for("Labour fee")
    await tech.send("80")
    await tech.wait_for("Travel fee")
    await tech.send("20")
    await tech.wait_for("other fee")
    await tech.send("0")
    summary = await tech.wait_for("to be recorded")
    assert "Time: 0.75 h" in summary.text
    # 3 × ¥25.00 + ¥80.00 + ¥20.00, all charged (type A)
    assert "Service type A: total ¥175.00, amount due ¥175.00." in summary.text
    await tech.tap("Submit")
    recorded = await tech.wait_for("recorded: total")
    assert "total ¥175.00, amount due ¥175.00" in recorded.text
    assert (await job_now(sb, job.id)).state is JobState.AWAITING_SIGNOFF


async def test_a_type_c_finish_form_in_chinese_asks_no_labour(sb: Sandbox) -> None:
    tech = await staff(sb, "T01", 1001, "张磊", "zh-hans")
    job = await new_job(sb, "C001", "RF25-0001", "T01")
    await tech.wait_for("新工单")
    await _on_site(sb, job, "T01", C001_SITE)
    await tech.send("/jobs")
    await tech.wait_for("现场")
    await tech.tap("完工")
    await tech.wait_for("做了什么")
    await tech.send("清洁冷凝器")
    hours = await tech.wait_for("多少小时")
    assert hours.buttons and re.fullmatch(r"使用 [\d.]+ 小时", hours.buttons[0][0])
    await tech.send("1.25")
    await tech.wait_for("车上的配件")
    await tech.tap("没有更多配件")
    travel = await tech.wait_for("交通费")
    await tech.send("30")
    await tech.wait_for("其他费用")
    await tech.send("0")
    summary = await tech.wait_for("待记录")
    assert "1.25 小时" in summary.text
    assert "合计 ¥30.00，应收 ¥30.00" in summary.text
    asked = [m.text for m in tech.inbox if m.id >= travel.id - 1]
    assert not any("人工费" in text for text in asked)  # type C: labour is never charged
    await tech.tap("提交")
    await tech.wait_for("应收 ¥30.00")


async def test_the_dispatch_suggestions_name_the_product_line_in_chinese(sb: Sandbox) -> None:
    supervisor: Phone = await staff(sb, "S01", 2001, "王芳", "zh-hans")
    job = await new_job(sb, "C001", "RF25-0001", None)
    await supervisor.send(f"/job {job.number}")
    card = await supervisor.wait_for(job.number)
    await supervisor.tap(re.compile("派"), message=card)
    suggestions = await supervisor.wait_for("请选择技术员")
    assert "熟悉 制冷设备" in suggestions.text and "refrigeration" not in suggestions.text
