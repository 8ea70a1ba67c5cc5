"""The survey clock on the real store (SQLite and PostgreSQL): the one reminder after one
working day, the follow-up clerk's list after two, each step exactly once however often the
sweep runs (DESIGN.md §4 "survey", §5)."""

from __future__ import annotations

import asyncio

from fieldbot.repositories.surveys import SurveyRow
from fieldbot.services.surveys import REMINDER_TEXT, open_survey
from tests.services.deadlines.conftest import Desk, local

BISTRO = 5002


async def _survey(desk: Desk, bound: bool = True) -> SurveyRow:
    job = await desk.job("C002")
    async with desk.store.unit_of_work() as uow:
        if bound:
            await uow.customers.bind_telegram("C002", BISTRO, BISTRO)
        found = await open_survey(uow, desk.settings, job, desk.clock.now())
        again = await open_survey(uow, desk.settings, job, desk.clock.now())
        await uow.commit()
    assert found is not None and again is None  # one survey a job
    return found


async def _reminders(desk: Desk) -> int:
    async with desk.store.unit_of_work(readonly=True) as uow:
        messages = await uow.outbox.messages(chat_id=BISTRO)
    return sum(m.template == REMINDER_TEXT for m in messages)


async def _now(desk: Desk, survey: SurveyRow) -> SurveyRow:
    async with desk.store.unit_of_work(readonly=True) as uow:
        found = await uow.surveys.get(survey.id)
    assert found is not None
    return found


async def test_one_reminder_after_a_working_day_then_the_clerks_list(desk: Desk) -> None:
    survey = await _survey(desk)  # Monday 08:30: the working day starts at 09:00
    await desk.at(local(9, 14, 17, 59))
    assert await _reminders(desk) == 0
    await desk.at(local(9, 14, 18, 0))  # one working day: 09:00-18:00 less lunch
    assert await _reminders(desk) == 1
    await desk.at(local(9, 14, 18, 0))  # the same instant again
    await asyncio.gather(*(desk.at(local(9, 15, 9, 0)) for _ in range(3)))
    assert await _reminders(desk) == 1
    assert (await _now(desk, survey)).handed_over_at is None
    await desk.at(local(9, 15, 18, 0))  # two working days: on the clerk's list
    handed = await _now(desk, survey)
    assert handed.handed_over_at == local(9, 15, 18, 0) and handed.state == "open"
    await desk.at(local(9, 21, 9, 0))
    assert await _reminders(desk) == 1
    async with desk.store.unit_of_work(readonly=True) as uow:
        steps = await uow.steps.for_subject("survey", survey.id, "survey")
        clock = await uow.clocks.get("survey", survey.id, "survey")
    assert sorted(s.step for s in steps) == ["overdue", "reminder"]
    assert clock is not None and clock.wake_at is None and clock.state == "running"


async def test_a_customer_without_telegram_is_on_the_list_at_once(desk: Desk) -> None:
    survey = await _survey(desk, bound=False)
    assert survey.handed_over_at == desk.clock.now() and survey.outbox_id is None
    await desk.at(local(9, 15, 18, 0))
    assert await _reminders(desk) == 0
