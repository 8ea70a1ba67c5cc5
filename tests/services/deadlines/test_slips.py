"""Telling the customer about a slip (DESIGN.md §3, second pass) on the real store (SQLite and
PostgreSQL): the customer hears with the overdue step, once per breach (also when the deadline
is recomputed and missed again), nothing when they are not bound; a new promised workshop date
restarts the workshop clock and tells them the new date."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from fieldbot.repositories.jobs import JobRecord
from fieldbot.repositories.outbox import OutboxMessage
from fieldbot.services import custody, dispatch, jobs, visit, workshop
from fieldbot.services.deadlines.slips import NEW_PROMISED_DATE, SLIP_TEXTS, SLIP_TOLD
from tests.services.deadlines.conftest import Desk, local

CUSTOMER_CHAT = 5003  # C003, en


async def _run(desk: Desk, use_case: Callable[..., Awaitable[Any]], **kwargs: Any) -> Any:
    async with desk.store.unit_of_work() as uow:
        result = await use_case(uow, desk.settings, desk.clock, **kwargs)
        await uow.commit()
    return result


async def _bind_customer(desk: Desk) -> None:
    async with desk.store.unit_of_work() as uow:
        await uow.customers.bind_telegram("C003", CUSTOMER_CHAT, CUSTOMER_CHAT)
        await uow.commit()


async def _told(desk: Desk) -> list[OutboxMessage]:
    async with desk.store.unit_of_work(readonly=True) as uow:
        return await uow.outbox.messages(chat_id=CUSTOMER_CHAT)


async def _on_site(desk: Desk, customer: str = "C003") -> JobRecord:
    desk.clock.set(local(9, 14, 9))
    job = await desk.job(customer, equipment="CF21-0033" if customer == "C003" else None)
    await _run(desk, dispatch.dispatch, job=job.id, technician="T02", actor="S01")
    await _run(desk, dispatch.accept, job=job.id, actor="T02")
    await _run(desk, visit.set_appointment, job=job.id, actor="T02", at=local(9, 14, 10))
    desk.clock.set(local(9, 14, 10))
    await _run(desk, visit.arrive, job=job.id, actor="T02")
    return job


async def test_a_workshop_slip_is_told_and_then_the_new_promised_date(desk: Desk) -> None:
    await _bind_customer(desk)
    job = await _on_site(desk)
    await _run(desk, custody.take_back, job=job.id, actor="T02", promised_at=local(9, 15, 18))
    await desk.at(local(9, 15, 18, 1))
    slips = [m for m in await _told(desk) if m.template == SLIP_TEXTS["workshop"]]
    (slip,) = slips
    assert slip.params["args"]["number"] == job.number
    assert datetime.fromisoformat(slip.params["args"]["due"]["dt"]) == local(9, 15, 18)
    await desk.at(local(9, 16, 9))  # later sweeps tell nothing more
    assert len([m for m in await _told(desk) if m.template == SLIP_TEXTS["workshop"]]) == 1

    moved = await _run(
        desk, workshop.move_promised_date, job=job.id, actor="T02", promised_at=local(9, 18, 18)
    )
    assert moved.job.workshop_due_at == local(9, 18, 18)
    (new_date,) = [m for m in await _told(desk) if m.template == NEW_PROMISED_DATE]
    assert new_date.params["args"]["when"]["fmt"] == "weekday"
    clock = await desk.clock_of(job, "workshop")
    assert clock.generation == 2 and clock.due_at == local(9, 18, 18)
    assert clock.state == "running"
    # a second slip of the new date is a new breach: told again
    await desk.at(local(9, 18, 18, 1))
    assert len([m for m in await _told(desk) if m.template == SLIP_TEXTS["workshop"]]) == 2


async def test_a_recomputed_deadline_missed_again_is_told_once(desk: Desk) -> None:
    await _bind_customer(desk)
    desk.clock.set(local(9, 14, 9))
    job = await desk.job("C003", equipment="CF21-0033")
    await desk.at(local(9, 14, 16, 1))  # six working hours from 09:00: due 16:00
    arrival = [m for m in await _told(desk) if m.template == SLIP_TEXTS["arrival"]]
    assert len(arrival) == 1
    await _run(
        desk,
        jobs.override_job,
        job=job.id,
        actor="S01",
        reason="客户要求加急",
        priority="emergency",
    )  # a new generation of the arrival clock, already past its deadline
    await desk.at(local(9, 14, 16, 30))
    assert (await desk.clock_of(job, "arrival")).generation == 2
    assert {s.generation for s in await desk.steps(job, "arrival") if s.step == "overdue"} == {
        1,
        2,
    }
    assert len([m for m in await _told(desk) if m.template == SLIP_TEXTS["arrival"]]) == 1


async def test_a_customer_not_bound_is_told_nothing(desk: Desk) -> None:
    desk.clock.set(local(9, 14, 9))
    job = await desk.job("C003", equipment="CF21-0033")
    await desk.at(local(9, 14, 16, 1))
    assert {s.step for s in await desk.steps(job, "arrival")} >= {"overdue", "level1"}
    async with desk.store.unit_of_work(readonly=True) as uow:
        assert job.id is not None
        kinds = [e.kind for e in await uow.events.for_subject("job", job.id)]
    assert SLIP_TOLD not in kinds
