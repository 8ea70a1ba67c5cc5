"""The job's clocks follow the field workflow's use cases (accept, appointment, arrival,
take-back, return, cancel): the wiring through ``workflow.apply(settings=...)``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fieldbot.services import dispatch, visit
from tests.services.deadlines.conftest import Desk, local


async def _run(desk: Desk, use_case: Callable[..., Awaitable[Any]], **kwargs: Any) -> Any:
    async with desk.store.unit_of_work() as uow:
        result = await use_case(uow, desk.settings, desk.clock, **kwargs)
        await uow.commit()
    return result


async def test_accept_appointment_and_arrival_move_the_clocks(desk: Desk) -> None:
    desk.clock.set(local(9, 14, 9))
    job = await desk.job()
    assert job.id is not None
    desk.clock.set(local(9, 14, 9, 30))
    await _run(desk, dispatch.dispatch, job=job.id, technician="T01", actor="S01")
    desk.clock.set(local(9, 14, 10))
    await _run(desk, dispatch.accept, job=job.id, actor="T01")
    assign = await desk.clock_of(job, "assign")
    contact = await desk.clock_of(job, "contact")
    assert assign.state == "stopped" and assign.met is True
    assert contact.state == "running" and contact.due_at == local(9, 15, 10)
    desk.clock.set(local(9, 14, 10, 30))
    await _run(desk, visit.set_appointment, job=job.id, actor="T01", at=local(9, 14, 14))
    assert (await desk.clock_of(job, "contact")).met is True
    desk.clock.set(local(9, 14, 16, 30))  # due 16:00: six working hours from 09:00
    await _run(desk, visit.arrive, job=job.id, actor="T01")
    arrival = await desk.clock_of(job, "arrival")
    assert arrival.state == "stopped" and arrival.met is False
    assert arrival.elapsed_before_pause_seconds == 6.5 * 3600
    report = await desk.at(local(9, 14, 18))
    assert report.fired == []  # nothing left to escalate


async def test_cancelling_through_the_workflow_stops_the_clocks(desk: Desk) -> None:
    desk.clock.set(local(9, 14, 9))
    job = await desk.job()
    assert job.id is not None
    await _run(desk, dispatch.cancel, job=job.id, actor="S01", reason="客户取消")
    assert (await desk.clock_of(job, "assign")).state == "stopped"
    assert (await desk.clock_of(job, "arrival")).state == "stopped"
