"""The supervisor's chat end to end: /new, dispatch, /calls, /job, decisions, refusals."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from fieldbot.domain.entitlement import FeeKind, FeeLine
from fieldbot.domain.model import JobState, Language, Role, Staff
from fieldbot.domain.money import Money
from fieldbot.sandbox.driver import Message, Phone, Sandbox
from fieldbot.sandbox.limits import Limits
from fieldbot.services import dispatch as dispatching
from fieldbot.services import signoff, visit, work_record, workshop

pytestmark = pytest.mark.e2e

PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
# A form is a message per step: at Telegram's one message a second per chat these tests would
# spend their time in the sender's pacing (tested in test_sender.py), not in the supervisor's
# chat. Here both the bot and the sandbox allow a faster pace.
FAST = {"send_rate_per_chat": 100, "send_burst_per_chat": 100}
FAST_LIMITS = Limits(per_chat_rate=100, per_chat_burst=100)


@pytest.fixture
async def sb() -> AsyncIterator[Sandbox]:
    async with Sandbox.start(settings=FAST, limits=FAST_LIMITS) as sandbox:
        yield sandbox


async def _staff(sb: Sandbox, user_id: int, code: str, name: str, language: str) -> Phone:
    phone = sb.phone(user_id=user_id, name=name, language=language)
    await phone.start(await sb.invite(code))
    await phone.wait_for(re.compile("Welcome|欢迎"))
    return phone


async def _job_state(sb: Sandbox, number: str) -> tuple[JobState, int | None]:
    store = sb.bots[0].store  # type: ignore[attr-defined]
    async with store.unit_of_work(readonly=True) as uow:
        job = await uow.jobs.by_number(number)
        assert job is not None
        return job.state, job.technician_id


async def _new_job_zh(sup: Phone) -> tuple[str, Message]:
    """S01 registers a repair of C001's refrigerator in Chinese: the job number and the
    message that says so and suggests technicians."""
    await sup.send("/new")
    await sup.wait_for("哪位客户来电")
    await sup.send("C001")
    await sup.wait_for("哪台设备")
    await sup.tap(re.compile("RF25-0001"))
    await sup.wait_for("服务类别")
    await sup.tap("维修")
    await sup.wait_for("紧急程度")
    await sup.tap("一般")
    await sup.wait_for("描述故障")
    await sup.send("冷藏柜不制冷")
    await sup.wait_for("叫修渠道")
    await sup.tap("电话")
    card = await sup.wait_for("服务类型")
    assert "服务类型：C（保修免费）" in card.text
    assert "区域：市区" in card.text
    assert "李记餐厅" in card.text
    await sup.tap("登记")
    registered = await sup.wait_for("已登记工单")
    match = re.search(r"J\d{8}-\d{3}", registered.text)
    assert match is not None
    assert "请选择技术员" in registered.text
    return match.group(0), registered


async def test_new_job_in_chinese_is_registered_and_dispatched_to_t01(sb: Sandbox) -> None:
    sup = await _staff(sb, 2001, "S01", "王芳", "zh-hans")
    tech = await _staff(sb, 1001, "T01", "张磊", "zh-hans")
    number, suggestions = await _new_job_zh(sup)
    assert "张磊（T01）" in suggestions.text and "熟悉 refrigeration" in suggestions.text
    assert ["张磊 (T01)"] in suggestions.buttons
    assert len(suggestions.buttons) == 3
    await sup.tap("张磊 (T01)")
    await sup.wait_for("已派给 张磊")
    offer = await tech.wait_for(number)
    assert offer.buttons == [["接受", "拒绝"]]
    state, _ = await _job_state(sb, number)
    assert state is JobState.DISPATCHED


async def test_new_job_in_english_for_a_suburban_customer_has_seven_working_hours(
    sb: Sandbox,
) -> None:
    sup = await _staff(sb, 2002, "S02", "David Chen", "en")
    await sup.send("/new 021-59231004")  # C004 by phone
    await sup.wait_for("Which unit")
    await sup.tap("No particular unit")
    # a repair: booked kinds (maintenance) run no arrival clock (DESIGN.md §3, second pass)
    await sup.tap("repair")
    await sup.tap("general")
    await sup.wait_for("Describe the fault")
    await sup.send("the ice maker stopped")
    await sup.tap("phone")
    card = await sup.wait_for("Service type")
    assert "Zone: suburban" in card.text
    assert "Service type: A (fee-paying)" in card.text
    # called Monday 08:30: 7 working hours from 09:00 with the lunch break end at 17:00
    assert "Arrival by 2026-09-14 17:00" in card.text and "(7 working hours)" in card.text
    assert "Dispatch by 2026-09-15 08:30" in card.text
    await sup.tap("Register")
    done = await sup.wait_for("Registered job")
    assert "(service type A, suburban)" in done.text and "choose a technician" in done.text
    assert done.buttons == [["杨洋 (T04)"], ["黄晓东 (T05)"]]


async def test_new_form_continues_after_a_restart(sb: Sandbox) -> None:
    sup = await _staff(sb, 2001, "S01", "王芳", "zh-hans")
    await sup.send("/new")
    await sup.send("C003")
    await sup.wait_for("哪台设备")
    await sb.restart_bot()
    await sup.tap(re.compile("CF21-0033"))
    await sup.wait_for("服务类别")
    await sb.restart_bot()
    await sup.tap("维修")
    await sup.tap("紧急")
    await sup.send("咖啡机漏水")
    await sup.tap("电话")
    card = await sup.wait_for("服务类型")
    assert "服务类型：A（有费）" in card.text
    assert "咖啡机漏水" in card.text


async def test_garbage_in_the_form_is_refused_with_what_was_expected(sb: Sandbox) -> None:
    sup = await _staff(sb, 2002, "S02", "David Chen", "en")
    await sup.send("/new")
    await sup.send("zzzz-nobody")
    refused = await sup.wait_for("No customer matches")
    assert "C001" in refused.text
    await sup.send("C002")
    await sup.wait_for("Which unit")
    await sup.send("XX-0000")
    wrong = await sup.wait_for("is not a unit of this customer")
    assert "CF22-0107" in wrong.text
    await sup.send("cf22-0107")  # a serial typed in any case is taken
    await sup.wait_for("What kind of work")
    await sup.send("repair please")
    await sup.wait_for("choose one of the buttons")
    await sup.share_location(31.2, 121.4)
    await sup.wait_for("choose one of the buttons")
    await sup.tap("repair")
    await sup.tap("consult")
    await sup.send("x" * 1100)  # FIELDBOT_TEXT_MAX_CHARS, 1000 by default (DESIGN §6)
    await sup.wait_for("at most 1000 characters")
    await sup.send("grinder jams")
    await sup.tap("Telegram")
    card = await sup.wait_for("Service type")
    assert "Service type: B (maintenance contract)" in card.text
    await sup.send("/cancel")
    await sup.wait_for("Nothing was saved")


async def test_a_phone_typed_into_new_leaves_no_digits_in_the_database(sb: Sandbox) -> None:
    sup = await _staff(sb, 2002, "S02", "David Chen", "en")
    await sup.send("/new")
    await sup.send("138 0013 8000")
    await sup.wait_for("No customer matches that")
    await sup.send("+86 139-0171-0002")  # C002's phone
    await sup.wait_for("Blue Harbour Bistro (C002)")
    data = _database_bytes(sb.db_url)
    assert data and b"13800138000" not in data and b"13901710002" not in data


def _database_bytes(db_url: str) -> bytes:
    """The SQLite file and its write-ahead log, as stored on disk."""
    path = Path(db_url.split("///", 1)[1])
    files = (path, path.with_name(f"{path.name}-wal"))
    return b"".join(file.read_bytes() for file in files if file.exists())


async def test_ambiguous_customer_name_offers_the_candidates(sb: Sandbox) -> None:
    sup = await _staff(sb, 2002, "S02", "David Chen", "en")
    await sup.send("/new")
    await sup.send("食堂")
    which = await sup.wait_for("customers match")
    labels = [label for row in which.buttons for label in row]
    assert labels == ["C031", "C041"]  # C018 is SH01's: names are looked for in SH02 first
    assert "大学城学生食堂" in which.text
    await sup.tap("C041")
    await sup.wait_for("Which unit")


async def test_override_on_the_summary_changes_type_and_zone_with_a_reason(sb: Sandbox) -> None:
    sup = await _staff(sb, 2002, "S02", "David Chen", "en")
    await sup.send("/override type A misuse")
    await sup.wait_for("Write /override NUMBER")
    await sup.send("/new C004")
    await sup.tap(re.compile("RF24-0211"))
    await sup.tap("repair")
    await sup.tap("general")
    await sup.send("door hinge broken by a forklift")
    await sup.tap("phone")
    await sup.wait_for("Zone: suburban")
    await sup.send("/override type A misuse")
    await sup.wait_for("Service type: A (fee-paying)")
    await sup.send("/override zone downtown near enough")
    await sup.wait_for("On the summary of /new")
    await sup.send("/override zone urban")
    await sup.wait_for("On the summary of /new")
    await sup.send("/override zone urban the customer moved to our city site")
    card = await sup.wait_for("Zone set by hand: the customer moved to our city site")
    assert "Service type set by hand: misuse" in card.text
    assert "Zone: urban" in card.text and "(6 working hours)" in card.text
    await sup.tap("Register")
    done = await sup.wait_for("Registered job")
    assert "(service type A, urban)" in done.text
    number = re.search(r"J\d{8}-\d{3}", done.text).group(0)  # type: ignore[union-attr]
    await sup.send(f"/override {number} zone suburban")
    await sup.wait_for("Write /override NUMBER")
    await sup.send(f"/override {number} zone suburban the forklift story was wrong")
    moved = await sup.wait_for(f"Job {number}: service type A, zone suburban")
    assert "arrival by 2026-09-14 17:00" in moved.text
    tech = await _staff(sb, 1004, "T04", "杨洋", "zh-hans")
    await tech.send(f"/override {number} zone urban 近")
    await tech.wait_for("无权")
    store = sb.bots[0].store  # type: ignore[attr-defined]
    async with store.unit_of_work(readonly=True) as uow:
        job = await uow.jobs.by_number(number)
        assert job is not None
        assert job.zone.value == "suburban"
        assert job.zone_reason == "the forklift story was wrong"
        assert job.service_type.value == "A" and job.service_type_reason == "misuse"
        assert job.id is not None
        arrival = await uow.clocks.get("job", job.id, "arrival")
        assert arrival is not None and arrival.due_at == job.arrival_due_at
        assert arrival.generation == 2  # the zone change recomputed the clock


async def test_reassign_offers_the_others_and_tells_the_previous_technician(
    sb: Sandbox,
) -> None:
    sup = await _staff(sb, 2001, "S01", "王芳", "zh-hans")
    t01 = await _staff(sb, 1001, "T01", "张磊", "zh-hans")
    t03 = await _staff(sb, 1003, "T03", "陈刚", "zh-hans")
    number, _ = await _new_job_zh(sup)
    await sup.tap("张磊 (T01)")
    await sup.wait_for("已派给")
    await _run(sb, dispatching.accept, job=number, actor="T01")
    await sup.send(f"/job {number}")
    card = await sup.wait_for(f"工单 {number}：已接受")
    assert "技术员：张磊 (T01)" in card.text
    await sup.tap("改派")
    offered = await sup.wait_for("请选择技术员")
    labels = [label for row in offered.buttons for label in row]
    assert "张磊 (T01)" not in labels and "陈刚 (T03)" in labels
    await sup.tap("陈刚 (T03)")
    await sup.wait_for(f"工单 {number} 已改派给 陈刚")
    offer = await t03.wait_for(number)
    assert offer.buttons == [["接受", "拒绝"]]
    await t01.wait_for(re.compile(f"{number}.*陈刚|陈刚.*{number}"))
    state, technician = await _job_state(sb, number)
    assert state is JobState.DISPATCHED
    store = sb.bots[0].store  # type: ignore[attr-defined]
    async with store.unit_of_work(readonly=True) as uow:
        assert technician == await uow.staff.id_of("T03")


async def test_calls_lists_the_jobs_in_call_order(sb: Sandbox) -> None:
    sup = await _staff(sb, 2001, "S01", "王芳", "zh-hans")
    first, _ = await _new_job_zh(sup)
    await sup.tap("张磊 (T01)")
    await sup.wait_for("已派给")
    second, _ = await _new_job_zh(sup)
    await sup.send("/calls")
    log = await sup.wait_for("待办队列")
    assert log.text.index(first) < log.text.index(second)
    assert "已派工 · 张磊 (T01)" in log.text
    assert "已登记 · 尚未指派 · 到达时限 2026-09-14 16:00" in log.text
    await sup.send(f"/job {second.lower()}")
    card = await sup.wait_for(f"工单 {second}：已登记")
    assert card.buttons == [["派工", "取消工单"], ["暂停派工计时", "暂停到达计时"]]


async def test_a_job_left_undispatched_overnight_shows_as_carried_over(sb: Sandbox) -> None:
    sup = await _staff(sb, 2002, "S02", "David Chen", "en")
    await sup.send("/new C004")
    await sup.tap("No particular unit")
    await sup.tap("consultation")
    await sup.tap("consult")
    await sup.send("asks about a new ice maker")
    await sup.tap("email")
    await sup.tap("Register")
    registered = await sup.wait_for("Registered job")
    number = re.search(r"J\d{8}-\d{3}", registered.text).group(0)  # type: ignore[union-attr]
    await sb.clock.advance(hours=25)  # Tuesday 09:30
    await sup.wait_for("Carried over")
    await sup.send("/calls open")
    log = await sup.wait_for("Your queue: 1 open jobs")
    assert f"{number} C004 · registered, carried over · nobody yet" in log.text


async def test_two_supervisors_dispatch_the_same_job_one_wins(sb: Sandbox) -> None:
    store = sb.bots[0].store  # type: ignore[attr-defined]
    async with store.unit_of_work() as uow:
        await uow.staff.upsert(
            Staff(
                code="S09",
                name="Second Supervisor",
                roles=frozenset({Role.SUPERVISOR}),
                phone="+8613817760109",
                language=Language.EN,
                branch="SH01",
            )
        )
        await uow.commit()
    first = await _staff(sb, 2001, "S01", "王芳", "zh-hans")
    second = await _staff(sb, 2009, "S09", "Second Supervisor", "en")
    number, _ = await _new_job_zh(first)
    await second.send(f"/job {number}")
    await second.wait_for(f"Job {number}: registered")
    await second.tap("Dispatch")
    await second.wait_for("choose a technician")
    await first.tap("张磊 (T01)")
    await first.wait_for("已派给")
    await second.tap("Li Wei (T02)")
    told = await second.wait_for("Someone else changed this")
    assert "Nothing was changed" in told.text
    state, technician = await _job_state(sb, number)
    assert state is JobState.DISPATCHED
    async with store.unit_of_work(readonly=True) as uow:
        t01 = await uow.staff.row("T01")
        assert t01 is not None and technician == t01.id


async def test_cancel_asks_a_reason_and_tells_the_technician(sb: Sandbox) -> None:
    sup = await _staff(sb, 2002, "S02", "David Chen", "en")
    tech = await _staff(sb, 1004, "T04", "杨洋", "zh-hans")
    await sup.send("/new C004")
    await sup.tap(re.compile("RF24-0211"))
    await sup.tap("repair")
    await sup.tap("emergency")
    await sup.send("freezer warm")
    await sup.tap("phone")
    await sup.tap("Register")
    await sup.wait_for("choose a technician")
    await sup.tap("杨洋 (T04)")
    registered = await sup.wait_for("dispatched to")
    number = re.search(r"J\d{8}-\d{3}", registered.text).group(0)  # type: ignore[union-attr]
    await tech.wait_for(number)
    await sup.send(f"/job {number}")
    card = await sup.wait_for(f"Job {number}: dispatched, emergency")
    assert card.buttons == [
        ["Reassign", "Cancel the job"],
        ["Pause dispatch", "Pause arrival"],
    ]
    await sup.tap("Cancel the job")
    await sup.wait_for("Why is job")
    await sup.send("   ")
    await sup.wait_for("write the reason")
    await sup.send("customer fixed it themselves")
    await sup.wait_for(f"Job {number} is cancelled: customer fixed it themselves")
    told = await tech.wait_for("customer fixed it themselves")
    assert number in told.text
    assert (await _job_state(sb, number))[0] is JobState.CANCELLED


async def test_a_stale_button_after_the_job_moved_on_changes_nothing(sb: Sandbox) -> None:
    sup = await _staff(sb, 2001, "S01", "王芳", "zh-hans")
    number, suggestions = await _new_job_zh(sup)
    await sup.tap("张磊 (T01)")
    await sup.wait_for("已派给")
    alerts = len(sup.alerts)
    await sup.tap(re.compile(r"^(?!.*\(T01\))"), message=suggestions)  # a button not T01's
    assert sup.alerts[alerts:] == []  # answered without a pop-up
    told = await sup.wait_for("已无法执行")
    assert "已派工" in told.text
    state, technician = await _job_state(sb, number)
    assert state is JobState.DISPATCHED
    store = sb.bots[0].store  # type: ignore[attr-defined]
    async with store.unit_of_work(readonly=True) as uow:
        t01 = await uow.staff.row("T01")
        assert t01 is not None and technician == t01.id


async def test_a_technician_cannot_use_the_supervisor_commands(sb: Sandbox) -> None:
    tech = await _staff(sb, 1002, "T02", "Li Wei", "en")
    await tech.send("/new")
    await tech.wait_for("You may not do that")
    await tech.send("/calls")
    await tech.wait_for("You may not do that")
    await tech.send("/help")
    menu = await tech.wait_for("/help")
    assert "/new" not in menu.text


async def _run(sb: Sandbox, service: Callable[..., Awaitable[Any]], **kwargs: Any) -> Any:
    """A step taken by someone else, straight through the services, then delivered."""
    bot = sb.bots[0]
    async with bot.store.unit_of_work() as uow:  # type: ignore[attr-defined]
        result = await service(uow, bot.deps.settings, bot.clock, **kwargs)  # type: ignore[attr-defined]
        await uow.commit()
    bot.sender.wake()  # type: ignore[attr-defined]
    await sb.settle()
    return result


async def _on_site(sb: Sandbox, sup: Phone, serial: str) -> str:
    """S02 registers a repair of a C004 unit and dispatches it to T04, who gets on site."""
    await sup.send("/new C004")
    await sup.tap(re.compile(serial))
    await sup.tap("repair")
    await sup.tap("general")
    await sup.send("does not work")
    await sup.tap("phone")
    await sup.tap("Register")
    registered = await sup.wait_for("Registered job")
    number = re.search(r"J\d{8}-\d{3}", registered.text).group(0)  # type: ignore[union-attr]
    await sup.tap("杨洋 (T04)")
    await sup.wait_for("dispatched to")
    await _run(sb, dispatching.accept, job=number, actor="T04")
    at = sb.clock.now() + timedelta(hours=2)
    await _run(sb, visit.set_appointment, job=number, actor="T04", at=at)
    await _run(sb, visit.arrive, job=number, actor="T04")
    return number


def _labour(yuan: int) -> list[FeeLine]:
    return [FeeLine(FeeKind.LABOUR, "labour", Money(yuan * 100))]


async def test_declined_job_is_offered_for_dispatch_again(sb: Sandbox) -> None:
    sup = await _staff(sb, 2002, "S02", "David Chen", "en")
    await sup.send("/new C004")
    await sup.tap(re.compile("IM24-0210"))
    await sup.tap("repair")
    await sup.tap("general")
    await sup.send("no ice")
    await sup.tap("phone")
    await sup.tap("Register")
    registered = await sup.wait_for("Registered job")
    number = re.search(r"J\d{8}-\d{3}", registered.text).group(0)  # type: ignore[union-attr]
    await sup.tap("杨洋 (T04)")
    await sup.wait_for("dispatched to")
    await _run(sb, dispatching.decline, job=number, actor="T04", reason="too far today")
    notice = await sup.wait_for("too far today")
    assert notice.buttons == [["Dispatch again"]]
    await sup.tap("Dispatch again")
    again = await sup.wait_for("choose a technician")
    assert "杨洋 declined this job before." in again.text
    assert again.buttons[0] == ["黄晓东 (T05)"]
    await sup.tap("黄晓东 (T05)")
    await sup.wait_for("dispatched to 黄晓东")
    assert (await _job_state(sb, number))[0] is JobState.DISPATCHED


async def test_fees_above_the_limit_are_rejected_with_a_reason_then_approved(
    sb: Sandbox,
) -> None:
    sup = await _staff(sb, 2002, "S02", "David Chen", "en")
    tech = await _staff(sb, 1004, "T04", "杨洋", "zh-hans")
    number = await _on_site(sb, sup, "RF24-0211")
    await _run(
        sb,
        work_record.finish,
        job=number,
        actor="T04",
        work="compressor",
        minutes=90,
        fees=_labour(800),
    )
    asked = await sup.wait_for("needs your approval")
    assert "¥800.00" in asked.text and asked.buttons == [["Approve", "Reject"]]
    await sup.tap("Reject")
    await sup.wait_for(f"Why are the fees of job {number} rejected")
    await sup.send("labour is at most 3 hours")
    await sup.wait_for("are rejected: labour is at most 3 hours")
    await tech.wait_for("labour is at most 3 hours")
    assert (await _job_state(sb, number))[0] is JobState.ON_SITE
    await _run(
        sb,
        work_record.finish,
        job=number,
        actor="T04",
        work="compressor",
        minutes=90,
        fees=_labour(600),
    )
    await sup.wait_for("¥600.00")
    await sup.tap("Approve")
    await sup.wait_for(f"The fees of job {number} are approved")
    assert (await _job_state(sb, number))[0] is JobState.AWAITING_SIGNOFF


async def test_a_dispute_goes_back_for_rework_or_is_accepted_as_is(sb: Sandbox) -> None:
    sup = await _staff(sb, 2002, "S02", "David Chen", "en")
    number = await _on_site(sb, sup, "RF24-0211")
    await _run(
        sb, work_record.finish, job=number, actor="T04", work="seal", minutes=30, fees=_labour(100)
    )
    await _run(sb, signoff.dispute, job=number, customer="C004", reason="still warm")
    disputed = await sup.wait_for("disputed by the customer: still warm")
    assert disputed.buttons == [["Rework", "Accept as is"]]
    await sup.tap("Rework")
    await sup.wait_for("goes back on site for rework")
    assert (await _job_state(sb, number))[0] is JobState.ON_SITE
    await _run(sb, work_record.finish, job=number, actor="T04", work="seal again", minutes=30)
    await _run(sb, signoff.dispute, job=number, customer="C004", reason="noisy")
    await sup.wait_for("disputed by the customer: noisy")
    await sup.tap("Accept as is")
    done = await sup.wait_for("accepted as it is")
    assert (await _job_state(sb, number))[0] in (JobState.SIGNED_OFF, JobState.CLOSED)
    assert "signed off" in done.text


async def test_a_failed_inspection_goes_back_to_the_workshop_then_passes(sb: Sandbox) -> None:
    sup = await _staff(sb, 2001, "S01", "王芳", "zh-hans")
    number, _ = await _new_job_zh(sup)
    await sup.tap("张磊 (T01)")
    await sup.wait_for("已派给")
    await _run(sb, dispatching.accept, job=number, actor="T01")
    at = sb.clock.now() + timedelta(hours=2)
    await _run(sb, visit.set_appointment, job=number, actor="T01", at=at)
    await _run(sb, visit.arrive, job=number, actor="T01")
    await _run(
        sb,
        workshop.take_back,
        job=number,
        actor="T01",
        promised_at=sb.clock.now() + timedelta(days=3),
    )
    await _run(sb, workshop.record_repair, job=number, actor="T01", minutes=120, notes="新压缩机")
    ready = await sup.wait_for("新压缩机")
    assert ready.buttons == [["通过", "不通过"]]
    await sup.tap("不通过")
    await sup.wait_for("为什么检验未通过")
    await sup.send("仍有异响")
    await sup.wait_for("检验未通过：仍有异响")
    assert (await _job_state(sb, number))[0] is JobState.IN_WORKSHOP
    await _run(sb, workshop.record_repair, job=number, actor="T01", minutes=30, notes="更换风扇")
    await sup.wait_for("更换风扇")
    await sup.send(f"/job {number}")
    card = await sup.wait_for(f"工单 {number}：等待检验")
    assert card.buttons == [["通过", "不通过"], ["改派", "取消工单"], ["暂停返修计时"]]
    await sup.tap("通过")
    await sup.wait_for("检验通过")
    assert (await _job_state(sb, number))[0] is JobState.READY_FOR_RETURN


@pytest.mark.pg
async def test_new_job_and_dispatch_on_postgresql() -> None:
    pg_url = os.environ.get("FIELDBOT_TEST_PG_URL", PG_URL)
    try:
        admin = await asyncpg.connect(pg_url.replace("+asyncpg", ""), timeout=5)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        if os.environ.get("FIELDBOT_REQUIRE_PG") == "1":
            pytest.fail(f"PostgreSQL unreachable: {exc}")
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    await admin.close()
    async with Sandbox.start(db_url=pg_url, settings=FAST, limits=FAST_LIMITS) as sb:
        sup = await _staff(sb, 2001, "S01", "王芳", "zh-hans")
        tech = await _staff(sb, 1001, "T01", "张磊", "zh-hans")
        number, _ = await _new_job_zh(sup)
        await sup.tap("张磊 (T01)")
        await sup.wait_for("已派给")
        offer = await tech.wait_for(number)
        assert offer.buttons == [["接受", "拒绝"]]
