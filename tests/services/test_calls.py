"""The supervisor's queue and the call log (services/calls.py): order and paging."""

from __future__ import annotations

from dataclasses import replace

import pytest

from fieldbot.clock import ManualClock
from fieldbot.services import calls
from fieldbot.settings import Settings
from fieldbot.store import Store
from tests.services.test_jobs import local, register


async def test_queue_is_carried_over_first_then_by_call_and_the_log_is_by_call(
    company: Store, settings: Settings, clock: ManualClock
) -> None:
    early = await register(company, settings, clock, called_at=local(2026, 9, 14, 9))
    late = await register(company, settings, clock, called_at=local(2026, 9, 14, 10))
    other = await register(company, settings, clock, "C004", called_at=local(2026, 9, 14, 8))
    async with company.unit_of_work() as uow:
        await uow.jobs.update(replace(late, carried_over=True), clock.now())
        await uow.commit()
    async with company.unit_of_work(readonly=True) as uow:
        queue = await calls.queue(uow, "SH01")
        log = await calls.call_log(uow, None)
    assert [s.number for s in queue.jobs] == [late.number, early.number]
    assert (queue.page, queue.pages, queue.total, queue.next_page) == (1, 1, 2, None)
    assert [s.number for s in log.jobs] == [other.number, early.number, late.number]


async def test_pages_hold_the_size_and_a_page_past_the_last_is_refused(
    company: Store, settings: Settings, clock: ManualClock
) -> None:
    for hour in range(9, 14):
        await register(company, settings, clock, called_at=local(2026, 9, 14, hour))
    async with company.unit_of_work(readonly=True) as uow:
        second = await calls.call_log(uow, "SH01", page=2, size=2)
        last = await calls.call_log(uow, "SH01", page=3, size=2)
        with pytest.raises(calls.NoSuchPage):
            await calls.queue(uow, "SH01", page=4, size=2)
    assert (second.page, second.pages, second.total, second.next_page) == (2, 3, 5, 3)
    assert len(second.jobs) == 2 and len(last.jobs) == 1


@pytest.mark.parametrize("text", ["0", "-1", "x", "２", "1.5"])
def test_a_page_number_is_a_positive_whole_number(text: str) -> None:
    with pytest.raises(calls.NoSuchPage):
        calls.page_number(text)


def test_no_page_number_is_the_first_page() -> None:
    assert calls.page_number(" ") == 1
    assert calls.page_number("3") == 3
