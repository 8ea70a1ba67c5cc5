"""Issue 12, customers in the chat (DESIGN.md §5): a bound customer reports a fault themselves
(/new or the button under /help) at any hour → which of their units → what is wrong (text,
photos) → how urgent → a registered job; the branch's supervisors get it with a button to open
it; the first-reply clock (2 h) is met when a supervisor replies from the job card and missed
(up the ladder) when nobody does. End to end on the sandbox, SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from fieldbot.domain.model import Channel, Customer, JobState, Priority, WorkKind
from fieldbot.repositories.jobs import JobRecord
from fieldbot.sandbox.driver import Phone, Sandbox
from fieldbot.services import dispatch
from fieldbot.services.customer_requests import fault_photos
from fieldbot.services.job_details import job_details
from tests.e2e.test_deadline_holds import _desk, _staff, db_url

pytestmark = pytest.mark.e2e

__all__ = ["db_url"]  # the fixture, parametrized over SQLite and PostgreSQL

SH = ZoneInfo("Asia/Shanghai")
PNG = b"\x89PNG\r\n\x1a\n-fault-photo"
JOB_NUMBER = re.compile(r"J\d{8}-\d{3}")


def local(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SH)


async def _customer(sb: Sandbox, user_id: int, name: str, phone: str, language: str) -> Phone:
    found = sb.phone(user_id=user_id, name=name, language=language)
    await found.share_contact(phone=phone)
    await found.wait_for(re.compile("registered as our customer|客户"))
    return found


def _number(text: str) -> str:
    found = JOB_NUMBER.search(text)
    assert found is not None, text
    return found.group(0)


async def _job(sb: Sandbox, number: str) -> JobRecord:
    bot: Any = sb.bots[0]
    async with bot.store.unit_of_work(readonly=True) as uow:
        found = await uow.jobs.by_number(number)
    assert found is not None
    return found


async def _clocks(sb: Sandbox, number: str) -> dict[str, Any]:
    bot: Any = sb.bots[0]
    async with bot.store.unit_of_work(readonly=True) as uow:
        details = await job_details(uow, number)
    return {clock.clock: clock for clock in details.clocks}


async def test_a_request_at_night_in_chinese_is_answered_from_the_card_within_two_hours(
    db_url: str | None,
) -> None:
    # Monday 22:00: the hotline is open all night (seed 004), the customer writes in.
    async with _desk(db_url, local(9, 14, 22)) as sb:
        s01 = await _staff(sb, 2001, "S01", "王芳", "zh-hans")
        owner = await _customer(sb, 5001, "李记", "+862163281001", "zh-hans")
        await owner.send("/new")
        units = await owner.wait_for("是哪台设备")
        labels = [label for row in units.buttons for label in row]
        assert labels == ["IC-80 方冰制冰机 IM25-0002", "FR-1200 立式双门冷藏柜 RF25-0001"]
        await owner.tap(re.compile("RF25-0001"))
        await owner.wait_for("FR-1200 立式双门冷藏柜 RF25-0001 出了什么问题")
        await owner.send_photo(PNG)
        await owner.wait_for("照片已收到")
        await owner.send_photo(PNG, caption="冷藏柜不制冷，温度升到12度")
        urgency = await owner.wait_for("紧急程度")
        assert urgency.buttons == [["紧急", "一般", "咨询"]]
        await owner.tap("一般")
        registered = await owner.wait_for("您的报修已登记为工单")
        number = _number(registered.text)
        assert "2 小时内回复您" in registered.text

        told = await s01.wait_for("客户在聊天中报修")
        assert number in told.text and "李记餐厅" in told.text and "2 张照片" in told.text
        assert "冷藏柜不制冷" in told.text and told.buttons == [["打开工单"]]
        job = await _job(sb, number)
        assert job.own_request and job.channel is Channel.TELEGRAM
        assert job.kind is WorkKind.REPAIR and job.priority is Priority.GENERAL
        assert job.service_type.value == "C" and job.state is JobState.REGISTERED  # in warranty
        bot: Any = sb.bots[0]
        async with bot.store.unit_of_work(readonly=True) as uow:
            assert len(await fault_photos(uow, job)) == 2
        clock = (await _clocks(sb, number))["first_reply"]
        assert clock.state == "running" and clock.due_at == local(9, 15, 0)

        await sb.clock.advance_to(local(9, 14, 23))
        await s01.tap("打开工单", message=told)
        card = await s01.wait_for(f"工单 {number}")
        assert "客户在聊天中自行报修，附 2 张照片" in card.text
        assert "时限：首次回复客户时限 2026-09-15 00:00" in card.text
        assert any("回复客户" in row for row in card.buttons)
        await s01.tap("回复客户", message=card)
        await s01.wait_for("请用一条消息写下")
        await s01.send("您好，我们明早九点安排技师上门。")
        await s01.wait_for(f"已发送给工单 {number} 的客户")
        reply = await owner.wait_for("王芳 回复您")
        assert number in reply.text and "明早九点" in reply.text
        assert all("13817760101" not in m.text for m in owner.inbox)  # never staff's phone

        clock = (await _clocks(sb, number))["first_reply"]
        assert clock.state == "stopped" and clock.met is True
        await sb.clock.advance_to(local(9, 15, 10))  # nothing of that clock goes up the ladder
        ladder = re.compile("^(提醒|已逾期|升级)：.*首次回复客户")
        assert not [m for m in s01.inbox if ladder.search(m.text)]


async def test_an_unanswered_request_goes_up_the_ladder_and_bad_input_changes_nothing(
    db_url: str | None,
) -> None:
    # Monday 10:00, an English customer with two units; nobody answers for two hours.
    async with _desk(db_url, local(9, 14, 10)) as sb:
        s01 = await _staff(sb, 2001, "S01", "王芳", "zh-hans")
        bistro = await _customer(sb, 5002, "Blue Harbour", "+8613901710002", "en")
        await bistro.send("/calls")  # a staff command
        await bistro.wait_for("I don't know that command")
        await bistro.send("/help")
        helped = await bistro.wait_for("You can:")
        assert "/new" in helped.text and "/mute" in helped.text
        await bistro.tap("Report a fault", message=helped)
        units = await bistro.wait_for("Which unit is it about?")
        assert [label for row in units.buttons for label in row] == [
            "Espresso Pro 2G 双头意式咖啡机 CF22-0107",
            "HD-500 揭盖式洗碗机 DW22-0108",
        ]
        await bistro.send("the dishwasher")  # a button is expected
        await bistro.wait_for("Please choose one of the buttons above")
        await bistro.tap(re.compile("DW22-0108"))
        await bistro.wait_for("What is wrong with HD-500")
        await sb.restart_bot()  # the form is a row: it survives
        await bistro.send("\u200b\u3000")
        await bistro.wait_for("Please describe the fault in words (at most 1000 characters)")
        await bistro.send("x" * 1001)
        await bistro.wait_for("Please describe the fault in words (at most 1000 characters)")
        await bistro.send("Dishwasher leaks water onto the floor")
        await bistro.wait_for("How urgent is it?")
        await bistro.send_photo(PNG)  # a button is expected
        await bistro.wait_for("Please choose one of the buttons above")
        await bistro.tap("general")
        number = _number((await bistro.wait_for("registered as job")).text)
        job = await _job(sb, number)
        assert job.fault == "Dishwasher leaks water onto the floor"
        bot: Any = sb.bots[0]
        async with bot.store.unit_of_work(readonly=True) as uow:
            assert await fault_photos(uow, job) == []
            unit = await uow.equipment.get("DW22-0108")
        assert unit is not None

        await sb.clock.advance_to(local(9, 14, 11, 36))  # 80 % of 2 h
        reminder = await s01.wait_for(re.compile(f"提醒：.*首次回复客户.*{number}"))
        assert "Blue Harbour Bistro" in reminder.text
        await sb.clock.advance_to(local(9, 14, 12))
        level1 = await s01.wait_for(re.compile(f"升级：.*首次回复客户.*{number}"))
        assert level1.buttons == [["已知悉", "打开工单"]]
        await sb.clock.advance_to(local(9, 14, 12, 5))  # dispatched at last, too late
        async with bot.store.unit_of_work() as uow:
            await dispatch.dispatch(
                uow, bot.settings, bot.clock, job=number, technician="T02", actor="S01"
            )
            await uow.commit()
        clock = (await _clocks(sb, number))["first_reply"]
        assert clock.state == "stopped" and clock.met is False


async def test_a_customer_without_equipment_is_told_to_call_the_hotline(
    db_url: str | None,
) -> None:
    async with _desk(db_url, local(9, 14, 10)) as sb:
        bot: Any = sb.bots[0]
        async with bot.store.unit_of_work() as uow:
            await uow.customers.upsert(
                Customer(
                    code="C099",
                    name="无设备小店",
                    phone="+8613900009999",
                    address="上海市黄浦区某路1号",
                    latitude=31.23,
                    longitude=121.48,
                    branch="SH01",
                )
            )
            await uow.commit()
        shop = await _customer(sb, 5099, "小店", "+8613900009999", "zh-hans")
        await shop.send("/new")
        told = await shop.wait_for("我们没有您的设备记录")
        assert "服务热线" in told.text
        await shop.send("/help")
        helped = await shop.wait_for("您可以")
        await shop.tap("报修", message=helped)
        await shop.wait_for("我们没有您的设备记录")
        async with bot.store.unit_of_work(readonly=True) as uow:
            row = await uow.customers.row("C099")
            assert row is not None
            assert await uow.jobs.list(customer_id=row.id) == []
            assert await uow.forms.get(5099) is None


async def test_an_emergency_reported_at_night_escalates_at_once_when_unanswered(
    db_url: str | None,
) -> None:
    # An emergency's steps go out day or night (DESIGN.md §4): Tuesday 01:00, due 03:00.
    async with _desk(db_url, local(9, 15, 1)) as sb:
        s01 = await _staff(sb, 2001, "S01", "王芳", "zh-hans")
        cafe = await _customer(sb, 5003, "Bund Corner", "+8613601710003", "en")
        await cafe.send("/new")
        await cafe.wait_for("What is wrong with")
        await cafe.send("Smoke comes out of the machine")
        await cafe.tap("emergency")
        number = _number((await cafe.wait_for("registered as job")).text)
        await s01.wait_for(re.compile(f"客户在聊天中报修：工单 {number}.*紧急"))
        await sb.clock.advance_to(local(9, 15, 3, 1))
        level1 = await s01.wait_for(re.compile(f"升级：.*首次回复客户.*{number}"))
        assert level1.buttons == [["已知悉", "打开工单"]]
