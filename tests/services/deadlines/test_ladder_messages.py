"""The ladder's messages (issue 11) on the real store (SQLite and PostgreSQL): steps that reach
the same person at the same moment are one message; an escalation carries the job's details by
reference and a button to open it; acknowledging edits the copies of level 1."""

from __future__ import annotations

from fieldbot.domain.model import JobState
from fieldbot.rendering import LINES
from fieldbot.repositories.outbox import OutboxMessage
from fieldbot.services.deadlines.ladder import (
    ACKNOWLEDGE,
    ACKNOWLEDGED_BY_LINE,
    ADDRESS_LINE,
    ALSO_TOLD_LINE,
    CALLED_LINE,
    FAULT_LINE,
    LEVEL1_TEXT,
    LEVEL2_TEXT,
    NOBODY_ELSE_LINE,
    NOT_ACKNOWLEDGED_LINE,
    OPEN_JOB,
    OVERDUE_TEXT,
    acknowledge_escalation,
)
from fieldbot.services.workflow import JOB_CARD_ACTION
from tests.services.deadlines.conftest import Desk, local


def _lines(message: OutboxMessage) -> list[str]:
    assert message.template == LINES
    return [line["t"] for line in message.params["lines"]]


def _line(message: OutboxMessage, msgid: str) -> dict[str, object]:
    (found,) = [line for line in message.params["lines"] if line["t"] == msgid]
    return dict(found.get("args", {}))


async def _escalations(desk: Desk, staff: str) -> list[OutboxMessage]:
    return [
        m
        for m in await desk.outbox(staff)
        if m.template == LINES and any(line["t"] == LEVEL1_TEXT for line in m.params["lines"])
    ]


async def test_overdue_and_level1_to_the_owning_supervisor_are_one_message(desk: Desk) -> None:
    job = await desk.job(called_at=local(9, 14, 9))  # nobody dispatched: S01 owns the arrival
    await desk.at(local(9, 14, 16))
    ladder = [m for m in await desk.outbox("S01") if m.template in (LINES, OVERDUE_TEXT)]
    (only,) = ladder  # no separate overdue
    assert _lines(only)[:2] == [OVERDUE_TEXT, LEVEL1_TEXT]
    assert _line(only, LEVEL1_TEXT)["number"] == job.number
    steps = {s.step for s in await desk.steps(job, "arrival")}
    assert {"overdue", "level1"} <= steps  # both steps fired, each once


async def test_the_technician_gets_the_overdue_and_the_supervisor_level1_alone(
    desk: Desk,
) -> None:
    job = await desk.job(called_at=local(9, 14, 9))
    async with desk.store.unit_of_work() as uow:
        t01 = await uow.staff.row("T01")
    assert t01 is not None
    await desk.set_job(job, state=JobState.DISPATCHED, technician_id=t01.id)
    await desk.at(local(9, 14, 16))
    assert OVERDUE_TEXT in [m.template for m in await desk.outbox("T01")]
    (level1,) = await _escalations(desk, "S01")
    assert OVERDUE_TEXT not in _lines(level1)
    assert _line(level1, LEVEL1_TEXT)["technician"] == {"staff": t01.id, "field": "name"}


async def test_level1_carries_the_jobs_details_by_reference_and_an_open_button(
    desk: Desk,
) -> None:
    await desk.add_supervisor("S09", 2009)
    job = await desk.job(called_at=local(9, 14, 9))
    await desk.at(local(9, 14, 16))
    (mine,) = await _escalations(desk, "S01")
    assert _line(mine, FAULT_LINE) == {"fault": job.fault}
    assert _line(mine, ADDRESS_LINE) == {
        "address": {"customer": job.customer_id, "field": "address"}
    }
    assert "dt" in _line(mine, CALLED_LINE)["called"]  # type: ignore[operator]
    assert _line(mine, LEVEL1_TEXT)["technician"] == {"t": "not dispatched"}
    async with desk.store.unit_of_work(readonly=True) as uow:
        s01, s09 = await uow.staff.row("S01"), await uow.staff.row("S09")
        assert s01 is not None and s09 is not None
        assert _line(mine, ALSO_TOLD_LINE) == {"names": {"staff_list": [s09.id]}}
        (row,) = mine.params["buttons"]
        assert [b["label"] for b in row] == [ACKNOWLEDGE, OPEN_JOB]
        opener = await uow.buttons.get(row[1]["token"])
        assert opener is not None and opener.action == JOB_CARD_ACTION
        assert opener.payload == {"job_id": job.id}
    assert "上海" not in str(mine.params)  # the address is looked up when rendered


async def test_level2_says_who_did_not_acknowledge(desk: Desk) -> None:
    await desk.job(called_at=local(9, 14, 9))
    await desk.at(local(9, 14, 16))
    await desk.at(local(9, 14, 17))
    (level2,) = [
        m for m in await desk.outbox("M01") if m.template == LINES and _lines(m)[0] == LEVEL2_TEXT
    ]
    async with desk.store.unit_of_work(readonly=True) as uow:
        s01 = await uow.staff.row("S01")
    assert s01 is not None
    assert _line(level2, NOT_ACKNOWLEDGED_LINE) == {"names": {"staff_list": [s01.id]}}
    assert NOBODY_ELSE_LINE in _lines(level2) and FAULT_LINE in _lines(level2)
    (row,) = level2.params["buttons"]
    assert [b["label"] for b in row] == [OPEN_JOB]


async def test_acknowledging_edits_every_copy_without_its_acknowledge_button(desk: Desk) -> None:
    await desk.add_supervisor("S09", 2009)
    job = await desk.job(called_at=local(9, 14, 9))
    assert job.id is not None
    await desk.at(local(9, 14, 16))
    (first,) = await _escalations(desk, "S01")
    async with desk.store.unit_of_work() as uow:
        s09 = await uow.staff.row("S09")
        assert s09 is not None
        result = await acknowledge_escalation(
            uow,
            desk.settings,
            staff_id=s09.id,
            subject_type="job",
            subject_id=job.id,
            clock="arrival",
            generation=1,
            now=local(9, 14, 16, 5),
        )
        again = await acknowledge_escalation(
            uow,
            desk.settings,
            staff_id=s09.id,
            subject_type="job",
            subject_id=job.id,
            clock="arrival",
            generation=1,
            now=local(9, 14, 16, 6),
        )
        await uow.commit()
    assert result.first and not again.first
    edits = [m for m in await desk.outbox() if m.method == "edit"]
    assert len(edits) == 2  # S01's copy and S09's, once (the second press edits nothing)
    mine = next(m for m in edits if m.ref_outbox_id == first.id)
    assert _lines(mine)[:-1] == _lines(first)
    assert _line(mine, ACKNOWLEDGED_BY_LINE)["name"] == {"staff": s09.id, "field": "name"}
    assert [[b["label"] for b in row] for row in mine.params["buttons"]] == [[OPEN_JOB]]
