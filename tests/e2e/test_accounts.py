"""Who may act (issue 9, DESIGN.md §6): one Telegram account is one person, a refused attempt
uses nothing up, a sign-off link takes over nobody, old customer buttons act on nothing that
moved on, and a branch's supervisor sees only their branch's jobs. End to end on the sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from fieldbot.domain.entitlement import FeeKind, FeeLine
from fieldbot.domain.model import JobState
from fieldbot.domain.money import Money
from fieldbot.repositories.invites import Invite
from fieldbot.repositories.jobs import JobRecord
from fieldbot.repositories.people import CustomerRow
from fieldbot.sandbox.driver import Phone, Sandbox
from fieldbot.services import dispatch, signoff, visit, work_record
from tests.e2e.conftest import push_callback
from tests.e2e.test_technician_flow import (
    FAST,
    FAST_LIMITS,
    callback_data,
    customer,
    events,
    job_now,
    new_job,
    run,
    staff,
)

pytestmark = pytest.mark.e2e

PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
NEUTRAL_LINK = "cannot be used from this Telegram account"
NEUTRAL_LINK_ZH = "不能在这个 Telegram 账号上使用"


@pytest.fixture
async def sb() -> AsyncIterator[Sandbox]:
    async with Sandbox.start(settings=FAST, limits=FAST_LIMITS) as sandbox:
        yield sandbox


# --- helpers -----------------------------------------------------------------------------------


async def awaiting_signoff(
    sb: Sandbox, code: str, serial: str, technician: str
) -> tuple[JobRecord, str]:
    """A job of ``code`` worked by ``technician`` up to awaiting sign-off (¥20.00 travel):
    the job and its sign-off link's payload."""
    job = await new_job(sb, code, serial, technician)
    await run(sb, dispatch.accept, job=job.id, actor=technician)
    at = sb.clock.now() + timedelta(hours=2)
    await run(sb, visit.set_appointment, job=job.id, actor=technician, at=at)
    await run(sb, visit.arrive, job=job.id, actor=technician)
    finished = await run(
        sb,
        work_record.finish,
        job=job.id,
        actor=technician,
        work="Descaled the boiler",
        minutes=60,
        fees=[FeeLine(FeeKind.TRAVEL, "travel", Money.yuan(20))],
    )
    assert finished.signoff_link is not None
    return job, finished.signoff_link


async def customer_row(sb: Sandbox, code: str) -> CustomerRow:
    async with sb.bots[0].store.unit_of_work(readonly=True) as uow:  # type: ignore[attr-defined]
        row = await uow.customers.row(code)
    assert row is not None
    return row


async def invite_row(sb: Sandbox, payload: str) -> Invite:
    async with sb.bots[0].store.unit_of_work(readonly=True) as uow:  # type: ignore[attr-defined]
        found = await uow.invites.get(payload)
    assert found is not None
    return found


def shows_nothing_of(phone: Phone, job: JobRecord, *names: str) -> None:
    """No message of ``phone`` names the job, its customer or anything internal."""
    for message in phone.inbox:
        assert job.number not in message.text
        assert "Telegram user" not in message.text and "bound to" not in message.text
        for name in names:
            assert name not in message.text


async def press(sb: Sandbox, phone: Phone, message_id: int, label: str) -> None:
    """Press the button ``label`` of an earlier message of ``phone`` (as an old chat allows)."""
    data = callback_data(sb, phone.user_id, message_id, label)
    sb.server.world.press_button(phone.user_id, phone.user_id, message_id, data)
    await sb.settle()


# --- the sign-off link -------------------------------------------------------------------------


async def _stranger_opens_the_signoff_link_of_a_bound_customer(sb: Sandbox) -> None:
    await staff(sb, "T02", 1002, "Li Wei", "en")
    cafe = await customer(sb, "+8613601710003", 5003, "Bund Corner")
    job, link = await awaiting_signoff(sb, "C003", "CF21-0033", "T02")
    await cafe.wait_for("Please confirm job")
    asked_before = sum("Please confirm job" in m.text for m in cafe.inbox)

    stranger = sb.phone(user_id=6666, name="Mallory", language="en")
    await stranger.start(link)
    await stranger.wait_for(NEUTRAL_LINK)
    shows_nothing_of(stranger, job, "Bund Corner", "Li Wei", "¥")
    await stranger.send("/me")
    await stranger.wait_for("share your phone number")
    # nobody was bound, the link was not used up, the real customer is asked in their chat
    assert (await customer_row(sb, "C003")).telegram_user_id == 5003
    assert (await invite_row(sb, link)).used_at is None
    await cafe.wait_for("Please confirm job")
    assert sum("Please confirm job" in m.text for m in cafe.inbox) == asked_before + 1
    await cafe.tap("Confirm")
    await cafe.wait_for("You confirmed job")
    assert (await job_now(sb, job.id)).state in (JobState.SIGNED_OFF, JobState.CLOSED)
    assert "job.signoff_link_refused" in await events(sb, job.id)


async def test_a_signoff_link_opened_by_a_stranger_binds_nobody_and_asks_the_bound_customer(
    sb: Sandbox,
) -> None:
    await _stranger_opens_the_signoff_link_of_a_bound_customer(sb)


async def test_a_signoff_link_takes_over_nobody_on_postgresql() -> None:
    async with Sandbox.start(db_url=PG_URL, settings=FAST, limits=FAST_LIMITS) as sb:
        await _stranger_opens_the_signoff_link_of_a_bound_customer(sb)


async def test_a_stranger_opening_a_chinese_customers_signoff_link_reads_chinese_and_nothing_else(
    sb: Sandbox,
) -> None:
    await staff(sb, "T01", 1001, "张磊", "zh-hans")
    owner = sb.phone(user_id=5001, name="李记", language="zh-hans")
    await owner.share_contact(phone="+862163281001")
    await owner.wait_for("客户")
    job, link = await awaiting_signoff(sb, "C001", "RF25-0001", "T01")
    await owner.wait_for("请确认")
    stranger = sb.phone(user_id=6667, name="路人", language="zh-hans")
    await stranger.start(link)
    await stranger.wait_for(NEUTRAL_LINK_ZH)
    shows_nothing_of(stranger, job, "李记餐厅", "张磊")
    assert (await customer_row(sb, "C001")).telegram_user_id == 5001
    await owner.wait_for("请确认")
    # the customer's own account still opens the link: it was not used up
    await owner.start(link)
    opened = await owner.wait_for("请确认")
    assert opened.buttons == [["确认", "有异议"]]


async def test_a_customer_opening_another_customers_signoff_link_reads_nothing_internal(
    sb: Sandbox,
) -> None:
    bistro = await customer(sb, "+8613901710002", 5002, "Blue Harbour")
    job, link = await awaiting_signoff(sb, "C003", "CF21-0033", "T02")  # C003 is not bound
    await bistro.start(link)
    await bistro.wait_for(NEUTRAL_LINK)
    shows_nothing_of(bistro, job, "Bund Corner", "C003", "C002")
    await bistro.send("/me")
    await bistro.wait_for("C002")
    assert (await customer_row(sb, "C003")).telegram_user_id is None
    # the unbound customer still binds through the same link, as before
    cafe = sb.phone(user_id=5003, name="Bund Corner", language="en")
    await cafe.start(link)
    opened = await cafe.wait_for("Please confirm job")
    assert job.number in opened.text and opened.buttons == [["Confirm", "Dispute"]]
    assert (await customer_row(sb, "C003")).telegram_user_id == 5003
    assert (await invite_row(sb, link)).used_by_user_id == 5003


async def test_a_staff_account_opening_a_signoff_link_binds_nobody(sb: Sandbox) -> None:
    tech = await staff(sb, "T02", 1002, "Li Wei", "en")
    _job, link = await awaiting_signoff(sb, "C003", "CF21-0033", "T02")
    await tech.start(link)
    await tech.wait_for("This link is for the customer")
    assert (await customer_row(sb, "C003")).telegram_user_id is None
    assert (await invite_row(sb, link)).used_at is None
    await tech.send("/me")
    await tech.wait_for("T02")


# --- one account is one person -----------------------------------------------------------------


async def test_a_customers_account_cannot_take_a_staff_invite(sb: Sandbox) -> None:
    bistro = await customer(sb, "+8613901710002", 5002, "Blue Harbour")
    payload = await sb.invite("T05")
    await bistro.start(payload)
    refused = await bistro.wait_for("registered as a customer")
    assert "T05" not in refused.text and "黄晓东" not in refused.text
    await bistro.send("/me")
    await bistro.wait_for("C002")
    assert (await invite_row(sb, payload)).used_at is None
    # T05's invite stays valid for T05
    t05 = sb.phone(user_id=1005, name="黄晓东", language="zh-hans")
    await t05.start(payload)
    welcome = await t05.wait_for("欢迎")
    assert "技术员" in welcome.text


async def test_a_staff_account_cannot_bind_to_a_customer_by_contact(sb: Sandbox) -> None:
    tech = await staff(sb, "T01", 1001, "张磊", "zh-hans")
    await tech.share_contact(phone="+862163281001")  # C001's number, as the account's own
    refused = await tech.wait_for("已登记为员工")
    assert "李记" not in refused.text
    assert (await customer_row(sb, "C001")).telegram_user_id is None
    await tech.send("/me")
    await tech.wait_for("T01")


async def test_a_supervisor_account_cannot_bind_to_a_customer_in_english(sb: Sandbox) -> None:
    sup = await staff(sb, "S02", 2002, "David Chen", "en")
    await sup.share_contact(phone="+8613601710003")
    await sup.wait_for("registered as staff")
    assert (await customer_row(sb, "C003")).telegram_user_id is None


# --- a refused attempt uses nothing up ---------------------------------------------------------


async def test_a_refused_attempt_leaves_the_invite_valid_for_its_owner(sb: Sandbox) -> None:
    t01 = await staff(sb, "T01", 1001, "张磊", "zh-hans")
    payload = await sb.invite("T03")
    await t01.start(payload)
    await t01.wait_for("已登记给其他人")
    assert (await invite_row(sb, payload)).used_at is None
    await t01.send("/me")
    await t01.wait_for("T01")
    t03 = sb.phone(user_id=1003, name="陈刚", language="zh-hans")
    await t03.start(payload)
    welcome = await t03.wait_for("欢迎")
    assert "陈刚" in welcome.text
    assert not any("already been used" in m.text or "已被使用" in m.text for m in t03.inbox)


async def test_a_refused_english_invite_is_still_good_for_its_owner(sb: Sandbox) -> None:
    t02 = await staff(sb, "T02", 1002, "Li Wei", "en")
    payload = await sb.invite("T04")
    await t02.start(payload)
    await t02.wait_for("already registered to someone else")
    t04 = sb.phone(user_id=1004, name="杨洋", language="zh-hans")
    await t04.start(payload)
    await t04.wait_for("欢迎")


# --- old customer buttons ----------------------------------------------------------------------


async def test_old_appointment_buttons_act_on_nothing_after_signoff(sb: Sandbox) -> None:
    tech = await staff(sb, "T02", 1002, "Li Wei", "en")
    cafe = await customer(sb, "+8613601710003", 5003, "Bund Corner")
    job, _link = await awaiting_signoff(sb, "C003", "CF21-0033", "T02")
    appointment = next(m for m in cafe.inbox if "will visit you" in m.text)
    await cafe.wait_for("Please confirm job")
    await cafe.tap("Confirm")
    await cafe.wait_for("You confirmed job")
    told_before = len(tech.inbox)

    await press(sb, cafe, appointment.id, "This time suits me")
    refused = await cafe.wait_for("no longer possible")
    assert "Nothing was changed" in refused.text
    await press(sb, cafe, appointment.id, "Another time, please")
    await cafe.wait_for("no longer possible")
    assert not any("When would suit you" in m.text for m in cafe.inbox)
    kinds = await events(sb, job.id)
    assert "job.appointment_confirmed" not in kinds and "job.appointment_declined" not in kinds
    assert not any("confirmed the appointment" in m.text for m in tech.inbox[told_before:])


async def test_an_old_dispute_button_is_refused_before_asking_a_reason(sb: Sandbox) -> None:
    cafe = await customer(sb, "+8613601710003", 5003, "Bund Corner")
    job, _link = await awaiting_signoff(sb, "C003", "CF21-0033", "T02")
    ask = await cafe.wait_for("Please confirm job")
    dispute = callback_data(sb, cafe.user_id, ask.id, "Dispute")
    await cafe.tap("Confirm")
    await cafe.wait_for("You confirmed job")
    await sb.settle()  # the sign-off card lost its keyboard; its old Dispute is pressed anyway
    push_callback(sb, cafe.user_id, ask.id, dispute)
    await sb.settle()
    await cafe.wait_for("no longer possible")
    assert not any("What is wrong" in m.text for m in cafe.inbox)
    await cafe.send("It still leaks")  # no dispute form was opened
    await cafe.wait_for("did not understand")
    assert "job.dispute" not in await events(sb, job.id)


async def test_an_appointment_button_of_a_chinese_customer_is_refused_once_the_job_moved_on(
    sb: Sandbox,
) -> None:
    tech = await staff(sb, "T01", 1001, "张磊", "zh-hans")
    owner = sb.phone(user_id=5001, name="李记", language="zh-hans")
    await owner.share_contact(phone="+862163281001")
    await owner.wait_for("客户")
    job = await new_job(sb, "C001", "RF25-0001", "T01", fault="不制冷")
    await run(sb, dispatch.accept, job=job.id, actor="T01")
    at = sb.clock.now() + timedelta(hours=2)
    await run(sb, visit.set_appointment, job=job.id, actor="T01", at=at)
    appointment = await owner.wait_for("将于")  # not the "technician assigned" notice
    await run(sb, visit.on_my_way, job=job.id, actor="T01")
    await press(sb, owner, appointment.id, "这个时间可以")
    refused = await owner.wait_for("已无法执行")
    assert "在途中" in refused.text
    assert "job.appointment_confirmed" not in await events(sb, job.id)
    assert not any("客户已确认预约" in m.text for m in tech.inbox)


async def test_an_appointment_button_of_a_moved_appointment_is_refused(sb: Sandbox) -> None:
    tech = await staff(sb, "T02", 1002, "Li Wei", "en")
    cafe = await customer(sb, "+8613601710003", 5003, "Bund Corner")
    job = await new_job(sb, "C003", "CF21-0033", "T02")
    await run(sb, dispatch.accept, job=job.id, actor="T02")
    first = sb.clock.now() + timedelta(hours=2)
    await run(sb, visit.set_appointment, job=job.id, actor="T02", at=first)
    old = await cafe.wait_for("will visit you")
    await run(sb, visit.set_appointment, job=job.id, actor="T02", at=first + timedelta(hours=3))
    await cafe.wait_for("will visit you")
    await press(sb, cafe, old.id, "This time suits me")
    await cafe.wait_for("Someone else changed this")
    assert "job.appointment_confirmed" not in await events(sb, job.id)
    await cafe.tap("This time suits me")  # the newest one stands
    await cafe.wait_for("see you then")
    await tech.wait_for("the customer confirmed the appointment")


# --- another branch's supervisor ---------------------------------------------------------------


async def test_another_branchs_supervisor_cannot_open_the_job_card(sb: Sandbox) -> None:
    s02 = await staff(sb, "S02", 2002, "David Chen", "en")
    job = await new_job(sb, "C001", "RF25-0001", technician=None)
    await s02.send(f"/job {job.number}")
    refused = await s02.wait_for("You may not do that")
    assert refused.buttons == []
    for message in s02.inbox:
        assert "李记餐厅" not in message.text and "张磊" not in message.text
        assert "choose a technician" not in message.text


async def test_another_branchs_supervisor_is_refused_before_any_question(sb: Sandbox) -> None:
    s02 = await staff(sb, "S02", 2002, "David Chen", "en")
    job = await new_job(sb, "C001", "RF25-0001", technician="T01")
    payload = {"job_id": job.id, "version": (await job_now(sb, job.id)).version}
    async with sb.bots[0].store.unit_of_work() as uow:  # type: ignore[attr-defined]
        # buttons of an SH01 card as S02 could hold them (e.g. from before a move of branch)
        tokens = {
            action: await uow.buttons.create(2002, action, payload, sb.clock.now())
            for action in ("sup.cancel", "sup.suggest", "fees.reject", "inspection.fail")
        }
        await uow.commit()
    chat = sb.server.world.chat_of(2002, 2002)
    for action, token in tokens.items():
        push_callback(sb, 2002, max(chat.messages), token)
        await sb.settle()
        refused = await s02.wait_for("You may not do that")
        assert job.number not in refused.text, action
    texts = " ".join(m.text for m in s02.inbox)
    assert "Why " not in texts and "reason" not in texts
    assert "张磊" not in texts and "陈刚" not in texts and "choose a technician" not in texts
    async with sb.bots[0].store.unit_of_work(readonly=True) as uow:  # type: ignore[attr-defined]
        assert await uow.forms.get(2002) is None
    assert (await job_now(sb, job.id)).state is JobState.DISPATCHED


async def test_the_branch_supervisor_and_the_manager_still_open_the_card(sb: Sandbox) -> None:
    s01 = await staff(sb, "S01", 2001, "王芳", "zh-hans")
    manager = await staff(sb, "M01", 2101, "刘建国", "zh-hans")
    job = await new_job(sb, "C001", "RF25-0001", technician=None)
    await s01.send(f"/job {job.number}")
    card = await s01.wait_for(f"工单 {job.number}")
    assert card.buttons
    await manager.send(f"/job {job.number}")
    seen = await manager.wait_for(job.number)
    assert "李记餐厅" in seen.text


async def test_a_signoff_request_goes_only_to_the_bound_customer(sb: Sandbox) -> None:
    """The sign-off service itself: a refused link leaves the job awaiting sign-off."""
    cafe = await customer(sb, "+8613601710003", 5003, "Bund Corner")
    job, link = await awaiting_signoff(sb, "C003", "CF21-0033", "T02")
    refused = await run(sb, signoff.open_signoff_link, payload=link, user_id=7777, chat_id=7777)
    assert isinstance(refused, signoff.SignoffLinkRefused) and refused.asked_customer
    assert (await job_now(sb, job.id)).state is JobState.AWAITING_SIGNOFF
    await cafe.wait_for("Please confirm job")


async def test_another_time_written_after_the_job_moved_on_is_refused_and_the_form_ends(
    sb: Sandbox,
) -> None:
    tech = await staff(sb, "T02", 1002, "Li Wei", "en")
    cafe = await customer(sb, "+8613601710003", 5003, "Bund Corner")
    job = await new_job(sb, "C003", "CF21-0033", "T02")
    await run(sb, dispatch.accept, job=job.id, actor="T02")
    at = sb.clock.now() + timedelta(hours=2)
    await run(sb, visit.set_appointment, job=job.id, actor="T02", at=at)
    await cafe.wait_for("will visit you")
    await cafe.tap("Another time, please")
    await cafe.wait_for("When would suit you")
    await run(sb, visit.on_my_way, job=job.id, actor="T02")
    await cafe.send("Friday afternoon")
    refused = await cafe.wait_for("no longer possible")
    assert "on the way" in refused.text
    await cafe.send("Friday afternoon")
    await cafe.wait_for("did not understand")
    assert "job.appointment_declined" not in await events(sb, job.id)
    assert not any("Friday afternoon" in m.text for m in tech.inbox)
