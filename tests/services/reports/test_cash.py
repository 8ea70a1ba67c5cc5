"""Cash held (DESIGN.md §5): collected on site − confirmed as handed over; a confirmed amount
that differs from what was held is flagged to the supervisors."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fieldbot.domain.entitlement import FeeKind, FeeLine
from fieldbot.domain.errors import NotAllowed
from fieldbot.domain.money import Money
from fieldbot.repositories import cash as cash_repository
from fieldbot.services import cash, settlement, signoff, work_record
from tests.services.workflow.conftest import STAFF_USERS, Flow, to_on_site


async def _cash_job(flow: Flow, yuan: int) -> None:
    job = await flow.new_job("C001", "RF25-0001")
    await to_on_site(flow, job, "T01")
    fees = [FeeLine(FeeKind.TRAVEL, "travel", Money.yuan(yuan))]
    await flow.run(work_record.finish, job=job.id, actor="T01", work="w", minutes=10, fees=fees)
    await flow.run(signoff.confirm, job=job.id, customer="C001")
    await flow.run(settlement.record_payment, job=job.id, actor="T01", method="cash")


async def test_a_difference_is_flagged_to_the_supervisor(flow: Flow) -> None:
    await _cash_job(flow, 50)
    await _cash_job(flow, 30)
    now = flow.clock.now()
    async with flow.store.unit_of_work() as uow:
        t01 = await uow.staff.require_id("T01")
        assert await cash.cash_held(uow, t01) == 8000
        held = {h.staff.staff.code: h.held_fen for h in await cash.holdings(uow)}
        assert held["T01"] == 8000 and held["T02"] == 0
        with pytest.raises(NotAllowed):
            await cash.confirm_handover(
                uow, technician="T01", actor="S01", confirmed_fen=8000, now=now
            )
    before = len(await flow.outbox(STAFF_USERS["S01"]))
    async with flow.store.unit_of_work() as uow:
        exact = await cash.confirm_handover(
            uow, technician="T01", actor="A01", confirmed_fen=5000, now=now
        )
        await uow.commit()
    assert exact.difference_fen == -3000 and exact.held_after_fen == 3000
    told = (await flow.outbox(STAFF_USERS["S01"]))[before:]
    assert [m.template for m in told] == [cash.CASH_DIFFERENCE]
    assert told[0].params["args"]["difference"] == {"money": 3000}
    async with flow.store.unit_of_work() as uow:
        assert await cash.cash_held(uow, t01) == 3000
        rest = await cash.confirm_handover(
            uow, technician="T01", actor="A01", confirmed_fen=3000, now=now
        )
        await uow.commit()
        assert rest.difference_fen == 0
    assert len(await flow.outbox(STAFF_USERS["S01"])) == before + 1  # no flag without one
    async with flow.store.unit_of_work(readonly=True) as uow:
        assert await cash.cash_held(uow, t01) == 0
        events = await uow.events.for_subject("staff", t01)
    assert [e.payload["confirmed_fen"] for e in events if e.kind == "cash.handed_over"] == [
        5000,
        3000,
    ]


async def test_cash_held_of_many_technicians_at_once_is_each_ones_cash_held(
    flow: Flow, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The branch report reads everyone's cash held in a few queries (chunks of ids): the
    same figures as one technician at a time, up to ``until``, zero for who holds none."""
    await _cash_job(flow, 50)
    before_handover = flow.clock.now()
    flow.clock.advance(timedelta(minutes=1))
    async with flow.store.unit_of_work() as uow:
        await cash.confirm_handover(
            uow, technician="T01", actor="A01", confirmed_fen=2000, now=flow.clock.now()
        )
        await uow.commit()
    async with flow.store.unit_of_work(readonly=True) as uow:
        ids = [await uow.staff.require_id(code) for code in ("T01", "T02", "T03")]
        held = await cash.cash_held_by(uow, [*ids, ids[0]])  # a repeated id is counted once
        assert held == {ids[0]: 3000, ids[1]: 0, ids[2]: 0}
        assert held == {i: await cash.cash_held(uow, i) for i in ids}
        assert (await cash.cash_held_by(uow, ids, before_handover))[ids[0]] == 5000
        assert await cash.cash_held_by(uow, []) == {}
        monkeypatch.setattr(cash_repository, "CHUNK", 2)
        assert await cash.cash_held_by(uow, ids) == held  # over two chunks
