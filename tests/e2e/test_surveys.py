"""The survey of every closed job (DESIGN.md §5): one message in the customer's chat that
updates in place, changeable until Submit, then an optional comment; the reminder and the
follow-up clerk's list; a survey taken by phone; coverage; an unsatisfied item's complaint
candidate."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest

from fieldbot.repositories.jobs import JobRecord
from fieldbot.repositories.surveys import SurveyRow
from fieldbot.sandbox.driver import Phone, Sandbox
from fieldbot.services import dispatch, signoff, visit, work_record
from tests.e2e.conftest import push_callback
from tests.e2e.test_technician_flow import (
    C003_SITE,
    FAST,
    FAST_LIMITS,
    PG_URL,
    callback_data,
    customer,
    new_job,
    run,
    staff,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
async def sb() -> AsyncIterator[Sandbox]:
    async with Sandbox.start(settings=FAST, limits=FAST_LIMITS) as sandbox:
        yield sandbox


async def close_job(sb: Sandbox, code: str, serial: str, tech: str = "T02") -> JobRecord:
    """A job from the call to its close through the services (no fees: nothing is due, the
    customer's confirmation closes it), the way the chats drive them."""
    job = await new_job(sb, code, serial, tech)
    await run(sb, dispatch.accept, job=job.id, actor=tech)
    at = sb.clock.now().replace(hour=6, minute=0)
    await run(sb, visit.set_appointment, job=job.id, actor=tech, at=at)
    lat, lon = C003_SITE
    await run(sb, visit.arrive, job=job.id, actor=tech, latitude=lat, longitude=lon)
    await run(sb, work_record.finish, job=job.id, actor=tech, work="Gasket replaced", minutes=30)
    await run(sb, signoff.confirm, job=job.id, customer=code)
    return job


async def survey_of(sb: Sandbox, job: JobRecord) -> SurveyRow:
    assert job.id is not None
    async with sb.bots[0].store.unit_of_work(readonly=True) as uow:
        found = await uow.surveys.for_job(job.id)
    assert found is not None
    return found


async def test_survey_answered_in_the_chat_and_changed_before_submit(sb: Sandbox) -> None:
    await staff(sb, "S01", 2001, "王芳", "zh-hans")
    await staff(sb, "T02", 1002, "Li Wei", "en")
    cafe = await customer(sb, "+8613601710003", 5003, "Bund Corner Café")
    job = await close_job(sb, "C003", "CF21-0033")
    card = await cafe.wait_for("How did we do on job")
    assert job.number in card.text and "Attitude: not rated yet" in card.text
    assert len(card.buttons) == 5  # four items of four levels, and Submit
    await cafe.tap("Attitude 2")
    edited = await cafe.wait_for("Attitude: 2 fairly satisfied")
    assert edited.id == card.id  # the same message, updated in place
    await cafe.tap("Attitude 4")  # changed before Submit
    await cafe.wait_for("Attitude: 4 very satisfied")
    await cafe.tap("Submit")  # not all rated yet: refused, nothing submitted
    await cafe.wait_for("rate all four")
    assert (await survey_of(sb, job)).state == "open"
    stale = callback_data(sb, 5003, card.id, "Attitude 1")
    for label in ("Skill 3", "Arrival time 4", "Keeping promises 3"):
        await cafe.tap(label)
    await cafe.wait_for("Keeping promises: 3 satisfied")
    await cafe.tap("Submit")
    await cafe.wait_for("Your answers on job")
    await cafe.wait_for("add a comment")
    assert not next(m for m in cafe.inbox if m.id == card.id).buttons  # the survey is final
    await cafe.send_photo(b"\x89PNG fake photo")  # a photo where text is expected
    await cafe.wait_for("Please write your comment as text")
    await cafe.send("Very quick, thank you")
    await cafe.wait_for("Thank you for your comment")
    survey = await survey_of(sb, job)
    assert survey.state == "answered" and survey.channel == "chat"
    assert survey.ratings() == {"attitude": 4, "skill": 3, "arrival": 4, "promises": 3}
    assert survey.comment == "Very quick, thank you"
    assert survey.candidate_state is None  # nothing rated 1
    # a button of an earlier keyboard, pressed after Submit, changes nothing
    push_callback(sb, 5003, card.id, stale)
    await sb.settle()
    await cafe.wait_for("already answered")
    assert (await survey_of(sb, job)).ratings()["attitude"] == 4


async def test_a_rating_on_a_submitted_survey_is_refused_in_chinese(sb: Sandbox) -> None:
    await staff(sb, "S01", 2001, "王芳", "zh-hans")
    await staff(sb, "T02", 1002, "Li Wei", "en")
    owner = await customer(sb, "+8613901710002", 5002, "Blue Harbour")
    await owner.send("/lang")
    await owner.tap("中文")
    job = await close_job(sb, "C002", "CF22-0107")
    card = await owner.wait_for("服务您满意吗")
    assert "态度：尚未评分" in card.text
    stale = callback_data(sb, 5002, card.id, "态度 1")
    for label in ("态度 4", "技术 4", "到达时间 4", "答应事情的办理 4"):
        await owner.tap(label)
    await owner.tap("提交")
    await owner.wait_for("您对工单")
    await owner.tap("没有意见")
    await owner.wait_for("感谢您参与")
    push_callback(sb, 5002, card.id, stale)  # an earlier keyboard's "态度 1", after Submit
    await sb.settle()
    await owner.wait_for("已经回答")
    assert (await survey_of(sb, job)).ratings()["attitude"] == 4


async def test_another_customers_survey_button_is_refused(sb: Sandbox) -> None:
    await staff(sb, "S01", 2001, "王芳", "zh-hans")
    await staff(sb, "T02", 1002, "Li Wei", "en")
    cafe = await customer(sb, "+8613601710003", 5003, "Bund Corner Café")
    bistro = await customer(sb, "+8613901710002", 5002, "Blue Harbour Bistro")
    job = await close_job(sb, "C003", "CF21-0033")
    card = await cafe.wait_for("How did we do on job")
    token = callback_data(sb, 5003, card.id, "Attitude 1")
    theirs = max(sb.server.world.chat_of(5002, 5002).messages)
    alerts = len(bistro.alerts)
    push_callback(sb, 5002, theirs, token)
    await sb.settle()
    (refused,) = bistro.alerts[alerts:]
    assert "no longer valid" in refused.text
    assert (await survey_of(sb, job)).attitude is None


async def _phone_survey(clerk: Phone, number: str, levels: tuple[str, str, str, str]) -> None:
    await clerk.send("/calls_due")
    await clerk.wait_for(number)
    await clerk.tap(f"记录 {number}")
    await clerk.wait_for("电话回访")
    for level in levels:
        await clerk.tap(re.compile(rf"^{level} "))
    await clerk.wait_for("客户有什么意见")


async def test_reminder_then_the_clerk_records_it_by_phone_and_coverage(sb: Sandbox) -> None:
    sup = await staff(sb, "S01", 2001, "王芳", "zh-hans")
    await staff(sb, "T02", 1002, "Li Wei", "en")
    clerk = await staff(sb, "F01", 2401, "孙丽", "zh-hans")
    cafe = await customer(sb, "+8613601710003", 5003, "Bund Corner Café")
    job = await close_job(sb, "C003", "CF21-0033")
    await cafe.wait_for("How did we do on job")
    await clerk.send("/calls_due")
    await clerk.wait_for("没有需要电话回访")
    await sb.clock.advance(hours=24)  # one working day later: the one reminder
    reminder = await cafe.wait_for("A reminder: how did we do on job")
    assert job.number in reminder.text
    assert (await survey_of(sb, job)).handed_over_at is None
    await sb.clock.advance(hours=24)  # two working days: the clerk's list
    await sb.clock.advance(hours=24)
    assert sum("A reminder" in m.text for m in cafe.inbox) == 1  # only one reminder
    survey = await survey_of(sb, job)
    assert survey.handed_over_at is not None and survey.state == "open"
    await _phone_survey(clerk, job.number, ("4", "3", "2", "4"))
    await clerk.send("客户说师傅很专业")
    await clerk.wait_for("已记录：工单")
    survey = await survey_of(sb, job)
    assert survey.state == "answered" and survey.channel == "phone"
    assert survey.ratings() == {"attitude": 4, "skill": 3, "arrival": 2, "promises": 4}
    assert survey.comment == "客户说师傅很专业"
    await cafe.wait_for("answered by phone")  # the chat's survey message says so
    await clerk.send("/calls_due")
    await clerk.wait_for("没有需要电话回访")
    await sup.send("/surveys")
    # the branch's daily report (18:00 passed) names the coverage too: wait for /surveys' answer
    figures = await sup.wait_for("已发送 1；")
    assert "回访覆盖率" in figures.text
    assert "已发送 1；聊天中回答 0，电话回访 1；未完成 0" in figures.text
    assert "100%" in figures.text


async def test_a_customer_without_telegram_goes_to_the_clerk_at_once(sb: Sandbox) -> None:
    sup = await staff(sb, "S02", 2002, "David Chen", "en")
    await staff(sb, "T02", 1002, "Li Wei", "en")
    clerk = await staff(sb, "F01", 2401, "孙丽", "zh-hans")
    job = await close_job(sb, "C003", "CF21-0033")
    survey = await survey_of(sb, job)
    assert survey.handed_over_at is not None and survey.outbox_id is None
    await clerk.send("/calls_due")
    due = await clerk.wait_for("需要电话回访的调查（1 件）")
    assert job.number in due.text
    del sup


async def test_an_unsatisfied_item_opens_a_candidate_the_supervisor_files(sb: Sandbox) -> None:
    sup = await staff(sb, "S01", 2001, "王芳", "zh-hans")
    await staff(sb, "T02", 1002, "Li Wei", "en")
    cafe = await customer(sb, "+8613601710003", 5003, "Bund Corner Café")
    job = await close_job(sb, "C003", "CF21-0033")
    await cafe.wait_for("How did we do on job")
    for label in ("Attitude 3", "Skill 1", "Arrival time 3", "Keeping promises 2"):
        await cafe.tap(label)
    await cafe.tap("Submit")
    await cafe.wait_for("add a comment")
    await cafe.send("The leak came back the same evening")
    candidate = await sup.wait_for("不满意")
    assert job.number in candidate.text and "技术：1 不满意" in candidate.text
    await sup.tap("登记投诉")
    filed = await sup.wait_for("已登记投诉 TS-")
    number = re.search(r"TS-\d{8}-\d{3}", filed.text)
    assert number is not None
    card = await sup.wait_for(f"投诉 {number.group(0)}：处理中")
    assert "来自回访" in card.text and "技术：1 不满意" in card.text
    await cafe.wait_for(number.group(0))  # the customer is told the complaint's number
    survey = await survey_of(sb, job)
    assert survey.candidate_state == "filed"


async def test_a_candidate_is_dismissed_with_a_reason(sb: Sandbox) -> None:
    sup = await staff(sb, "S02", 2002, "David Chen", "en")
    await staff(sb, "T02", 1002, "Li Wei", "en")
    s01 = await staff(sb, "S01", 2001, "王芳", "zh-hans")
    cafe = await customer(sb, "+8613601710003", 5003, "Bund Corner Café")
    job = await close_job(sb, "C003", "CF21-0033")
    await cafe.wait_for("How did we do on job")
    for label in ("Attitude 1", "Skill 4", "Arrival time 4", "Keeping promises 4"):
        await cafe.tap(label)
    await cafe.tap("Submit")
    await s01.wait_for("不满意")
    await s01.tap("驳回")
    await s01.wait_for("为什么驳回")
    await s01.send("客户来电说是误点")
    await s01.wait_for("已驳回")
    survey = await survey_of(sb, job)
    assert survey.candidate_state == "dismissed" and survey.candidate_reason == "客户来电说是误点"
    del sup


async def test_survey_in_the_chat_and_by_phone_on_postgresql() -> None:
    async with Sandbox.start(db_url=PG_URL, settings=FAST, limits=FAST_LIMITS) as sb:
        await test_survey_answered_in_the_chat_and_changed_before_submit(sb)
    async with Sandbox.start(db_url=PG_URL, settings=FAST, limits=FAST_LIMITS) as sb:
        await test_reminder_then_the_clerk_records_it_by_phone_and_coverage(sb)
