"""Take-back: receipt, in/out register, repair card, inspection (with a failure), return."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from fieldbot.domain.errors import IllegalTransition, NotAllowed
from fieldbot.domain.model import JobState
from fieldbot.services import workshop
from fieldbot.store import UnitOfWork

from .conftest import STAFF_USERS, Flow, to_on_site


async def test_take_back_loop_with_an_inspection_failure(flow: Flow) -> None:
    job = await flow.new_job("C004", "IM24-0210")  # SH02, suburban, not on Telegram
    await to_on_site(flow, job, "T04", supervisor="S02")
    promised = flow.clock.now() + timedelta(days=3)
    taken = await flow.run(workshop.take_back, job=job.id, actor="T04", promised_at=promised)
    assert taken.change.state is JobState.IN_WORKSHOP
    assert taken.change.job.workshop_due_at == promised
    assert taken.receipt.number == f"R{job.number[1:]}-1" and taken.receipt.voided_at is None

    flow.clock.advance(timedelta(days=1))
    with pytest.raises(NotAllowed):
        await flow.run(workshop.record_repair, job=job.id, actor="T05", minutes=1, notes="x")
    first = await flow.run(
        workshop.record_repair,
        job=job.id,
        actor="T04",
        minutes=90,
        notes="换水泵",
        parts=[("P006", 1)],
    )
    assert first.change.state is JobState.AWAITING_INSPECTION
    assert first.card.parts == (("P006", 1),) and first.card.minutes == 90
    assert await flow.stock("van:T04", "P006") == 2
    ask = await flow.outbox(STAFF_USERS["S02"])
    assert [b["label"] for b in ask[-1].params["buttons"][0]] == ["Pass", "Fail"]

    with pytest.raises(NotAllowed):
        await flow.run(workshop.fail_inspection, job=job.id, actor="S01", reason="x")
    failed = await flow.run(workshop.fail_inspection, job=job.id, actor="S02", reason="仍漏水")
    assert failed.state is JobState.IN_WORKSHOP
    told = (await flow.outbox(STAFF_USERS["T04"]))[-1]
    assert told.params["args"]["reason"] == "仍漏水"
    with pytest.raises(IllegalTransition):
        await flow.run(workshop.return_unit, job=job.id, actor="T04")

    await flow.run(workshop.record_repair, job=job.id, actor="T04", minutes=30, notes="换密封")
    passed = await flow.run(workshop.pass_inspection, job=job.id, actor="S02")
    assert passed.state is JobState.READY_FOR_RETURN

    flow.clock.advance(timedelta(days=1))
    returned = await flow.run(workshop.return_unit, job=job.id, actor="T04", photo="receipt-photo")
    assert returned.change.state is JobState.SIGNED_OFF
    assert returned.closed is not None and returned.closed.state is JobState.CLOSED

    async def records(uow: UnitOfWork) -> tuple[Any, ...]:
        f = uow.fieldwork
        return (
            await f.register(job.id),
            await f.receipts(job.id),
            await f.repair_cards(job.id),
            await f.inspections(job.id),
            await f.signoffs(job.id),
        )

    register, receipts, cards, inspections, signoffs = await flow.read(records)
    assert [entry.direction for entry in register] == ["in", "out"]
    assert register[1].at - register[0].at == timedelta(days=2)
    assert receipts[0].voided_at == flow.clock.now()
    assert [card.minutes for card in cards] == [90, 30]
    assert [(i.passed, i.reason) for i in inspections] == [(False, "仍漏水"), (True, None)]
    assert [i.repair_card_id for i in inspections] == [cards[0].id, cards[1].id]
    assert [(s.outcome, s.method) for s in signoffs] == [("returned", "paper_photo")]
    kinds = [e.kind for e in await flow.events(job.id or 0)]
    assert kinds[-7:] == [
        "job.take_back",
        "job.repaired",
        "job.fail_inspection",
        "job.repaired",
        "job.pass_inspection",
        "job.return_unit",
        "job.close",
    ]


async def test_take_back_needs_a_promised_date_in_the_future(flow: Flow) -> None:
    job = await flow.new_job("C004", "IM24-0210")
    await to_on_site(flow, job, "T04", supervisor="S02")
    with pytest.raises(Exception, match="past"):
        await flow.run(workshop.take_back, job=job.id, actor="T04", promised_at=flow.clock.now())
