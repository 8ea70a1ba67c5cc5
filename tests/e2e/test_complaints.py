"""Complaints to the end (DESIGN.md §5): filed by the customer (/complain) or by staff,
numbered TS-YYYYMMDD-NNN, classified (serious: the deputy GM at once), the reply and verify
clocks on the ladder, the personal contact, the written result rejected (reopened, the manager
told) and accepted; bad input changes nothing."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest

from fieldbot.repositories.complaints import ComplaintRow
from fieldbot.sandbox.driver import Phone, Sandbox
from tests.e2e.conftest import push_callback
from tests.e2e.test_surveys import close_job
from tests.e2e.test_technician_flow import (
    FAST,
    FAST_LIMITS,
    PG_URL,
    callback_data,
    customer,
    new_job,
    staff,
)

pytestmark = pytest.mark.e2e

NUMBER = re.compile(r"TS-\d{8}-\d{3}")


@pytest.fixture
async def sb() -> AsyncIterator[Sandbox]:
    async with Sandbox.start(settings=FAST, limits=FAST_LIMITS) as sandbox:
        yield sandbox


async def complaint(sb: Sandbox, number: str) -> ComplaintRow:
    async with sb.bots[0].store.unit_of_work(readonly=True) as uow:
        found = await uow.complaints.by_number(number)
    assert found is not None
    return found


async def _customer_files(sb: Sandbox, cafe: Phone, job_number: str) -> str:
    await cafe.send("/complain")
    await cafe.wait_for("Which job is your complaint about")
    await cafe.tap(f"Job {job_number}")
    await cafe.wait_for("Please describe your complaint")
    await cafe.send_photo(b"\x89PNG first")  # a photo where text is expected
    await cafe.wait_for("Please describe your complaint as text")
    await cafe.send("x" * 1001)  # above the text limit
    await cafe.wait_for("at most 1000 characters")
    await cafe.send("The machine leaks again and the technician was rude")
    await cafe.wait_for("You may send photos now")
    await cafe.send_photo(b"\x89PNG leak")
    await cafe.wait_for("Photo 1 added")
    await cafe.tap("File complaint")
    filed = await cafe.wait_for("Your complaint is registered as")
    found = NUMBER.search(filed.text)
    assert found is not None
    return found.group(0)


async def test_a_customers_complaint_to_the_end(sb: Sandbox) -> None:
    sup = await staff(sb, "S01", 2001, "王芳", "zh-hans")
    await staff(sb, "T02", 1002, "Li Wei", "en")
    manager = await staff(sb, "M01", 2101, "刘建国", "zh-hans")
    deputy = await staff(sb, "G01", 2301, "赵明", "zh-hans")
    cafe = await customer(sb, "+8613601710003", 5003, "Bund Corner Café")
    job = await new_job(sb, "C003", "CF21-0033", "T02")
    await cafe.send("/complain")
    await cafe.wait_for("Which job")
    await cafe.tap("Something else")
    await cafe.send("  \u3000 ")  # an empty complaint
    await cafe.wait_for("Please describe your complaint as text")
    await cafe.send("/cancel")
    await cafe.wait_for("Cancelled")
    number = await _customer_files(sb, cafe, job.number)
    assert number == "TS-20260914-001"
    stored = await complaint(sb, number)
    assert stored.source == "customer" and stored.job_id == job.id and len(stored.photos) == 1
    notice = await sup.wait_for(f"新投诉 {number}")
    assert "technician was rude" in notice.text
    await sup.tap("打开投诉")
    card = await sup.wait_for(f"投诉 {number}：处理中")
    assert "未分类" in card.text and "投诉回复：期限" in card.text and "照片：1 张" in card.text
    await sup.tap("严重")
    serious = await deputy.wait_for(f"严重投诉 {number}")  # level 3, at once
    assert "rude" in serious.text
    await sup.wait_for("已通知副总经理")
    await sup.send(f"/complaint {number}")
    await sup.wait_for(f"投诉 {number}")
    await sup.tap("质量问题")
    await sup.wait_for("严重程度 严重，原因 质量问题")
    await sup.send(f"/complaint {number}")
    await sup.wait_for(f"投诉 {number}")
    await sup.tap("记录联系")
    await sup.wait_for("如何就投诉")
    await sup.tap("电话")
    await sup.wait_for("什么时候")
    await sup.send("明天下午")
    await sup.wait_for("无法识别这个时间")
    await sup.send("现在")
    await sup.wait_for("结果如何")
    await sup.send("已致电道歉，安排明天复查")
    await sup.wait_for("已记录投诉")
    stored = await complaint(sb, number)
    assert stored.contact_kind == "call" and stored.contact_outcome == "已致电道歉，安排明天复查"
    assert stored.severity == "serious" and stored.cause == "quality"
    await sup.send(f"/complaint {number}")
    await sup.wait_for(f"投诉 {number}")
    await sup.tap("发送处理结果")
    await sup.wait_for("给客户的处理结果")
    await sup.send("We replaced the seal and the technician apologised.")
    await sup.wait_for("已发送给客户")
    result = await cafe.wait_for(f"The result of your complaint {number}")
    assert "replaced the seal" in result.text
    await cafe.tap("Not resolved")
    await cafe.wait_for("is reopened and the manager has been told")
    await manager.wait_for(f"投诉 {number}")
    reopened = await complaint(sb, number)
    assert reopened.state == "open" and reopened.reopened == 1
    await sup.send(f"/complaint {number}")
    await sup.wait_for(f"投诉 {number}")
    await sup.tap("发送处理结果")
    await sup.send("The unit was exchanged today.")
    await cafe.wait_for("The unit was exchanged today")
    await cafe.tap("Accept the result")
    await cafe.wait_for(f"Complaint {number} is closed as resolved")
    await sup.wait_for("客户已接受")
    done = await complaint(sb, number)
    assert done.state == "resolved" and done.resolved_at is not None
    await sup.send("/complaints")
    register = await sup.wait_for("投诉（共 1 件）")
    assert number in register.text and "已解决" in register.text
    async with sb.bots[0].store.unit_of_work(readonly=True) as uow:
        kinds = [e.kind for e in await uow.events.for_subject("complaint", done.id)]
    assert kinds[0] == "complaint.filed" and "complaint.reopened" in kinds
    assert kinds[-1] == "complaint.accepted"


async def test_staff_file_for_a_customer_from_the_job_card_and_by_command(sb: Sandbox) -> None:
    sup = await staff(sb, "S01", 2001, "王芳", "zh-hans")
    await staff(sb, "T02", 1002, "Li Wei", "en")
    bistro = await customer(sb, "+8613901710002", 5002, "Blue Harbour Bistro")
    job = await close_job(sb, "C002", "CF22-0107")
    await sup.send(f"/job {job.number}")
    await sup.wait_for(f"工单 {job.number}")
    await sup.tap("登记投诉")
    await sup.wait_for("请用一条消息描述")
    await sup.send("   ")  # empty
    await sup.wait_for("请用文字描述投诉内容")
    await sup.send("客户来电：技术员迟到两小时")
    filed = await sup.wait_for("已登记投诉")
    first = NUMBER.search(filed.text)
    assert first is not None
    told = await bistro.wait_for("We have registered your complaint as")
    assert first.group(0) in told.text
    await sup.send("/complaint_for C002")
    await sup.wait_for("请用一条消息描述")
    await sup.send("客户来电：发票抬头错误")
    second = await sup.wait_for("已登记投诉")
    assert "-002" in second.text
    stored = await complaint(sb, first.group(0))
    assert stored.source == "staff" and stored.job_id == job.id and stored.filed_by is not None
    # a customer trying the staff's commands, and another customer's complaint buttons
    await bistro.send("/complaints")
    await bistro.wait_for("I don't know that command")


async def test_missed_reply_and_verify_clocks_go_up_the_ladder(sb: Sandbox) -> None:
    sup = await staff(sb, "S01", 2001, "王芳", "zh-hans")
    cafe = await customer(sb, "+8613601710003", 5003, "Bund Corner Café")
    await cafe.send("/complain")
    await cafe.tap("Something else")
    await cafe.send("Nobody called me back about my invoice")
    await cafe.tap("File complaint")
    filed = await cafe.wait_for("registered as")
    found = NUMBER.search(filed.text)
    assert found is not None
    number = found.group(0)
    await sup.wait_for(f"新投诉 {number}")
    await sb.clock.advance(hours=25)  # the reply clock (24 h) is missed
    escalation = await sup.wait_for(re.compile(rf"一级升级.*{number}"))
    assert "投诉回复" in escalation.text and any(
        b == "已知悉" for row in escalation.buttons for b in row
    )
    await sb.clock.advance(hours=72)  # three working days: the verify clock is missed
    await sup.send(f"/complaint {number}")
    card = await sup.wait_for(f"投诉 {number}")
    assert "投诉核实" in card.text
    async with sb.bots[0].store.unit_of_work(readonly=True) as uow:
        stored = await uow.complaints.by_number(number)
        assert stored is not None
        steps = await uow.steps.for_subject("complaint", stored.id, "complaint_verify")
    assert {"overdue", "level1"} <= {s.step for s in steps}


async def test_another_customers_result_buttons_are_refused(sb: Sandbox) -> None:
    sup = await staff(sb, "S01", 2001, "王芳", "zh-hans")
    cafe = await customer(sb, "+8613601710003", 5003, "Bund Corner Café")
    bistro = await customer(sb, "+8613901710002", 5002, "Blue Harbour Bistro")
    await cafe.send("/complain")
    await cafe.tap("Something else")
    await cafe.send("The invoice is wrong")
    await cafe.tap("File complaint")
    filed = await cafe.wait_for("registered as")
    found = NUMBER.search(filed.text)
    assert found is not None
    number = found.group(0)
    await sup.send(f"/complaint {number}")
    await sup.wait_for(f"投诉 {number}")
    await sup.tap("发送处理结果")
    await sup.send("A corrected invoice was sent.")
    result = await cafe.wait_for("The result of your complaint")
    token = callback_data(sb, 5003, result.id, "Accept the result")
    theirs = max(sb.server.world.chat_of(5002, 5002).messages)
    alerts = len(bistro.alerts)
    push_callback(sb, 5002, theirs, token)
    await sb.settle()
    (refused,) = bistro.alerts[alerts:]
    assert "no longer valid" in refused.text
    assert (await complaint(sb, number)).state == "result_sent"
    await cafe.tap("Accept the result")
    await cafe.wait_for("closed as resolved")
    push_callback(sb, 5003, result.id, callback_data_or(sb, result.id))
    await sb.settle()
    assert (await complaint(sb, number)).state == "resolved"


def callback_data_or(sb: Sandbox, message_id: int) -> str:
    stored = sb.server.world.chat_of(5003, 5003).messages[message_id]
    for row in stored.inline_keyboard or []:
        for button in row:
            if button["text"] == "Not resolved":
                return str(button["callback_data"])
    return "gone"


async def test_complaints_on_postgresql() -> None:
    async with Sandbox.start(db_url=PG_URL, settings=FAST, limits=FAST_LIMITS) as sb:
        await test_a_customers_complaint_to_the_end(sb)
    async with Sandbox.start(db_url=PG_URL, settings=FAST, limits=FAST_LIMITS) as sb:
        await test_missed_reply_and_verify_clocks_go_up_the_ladder(sb)
