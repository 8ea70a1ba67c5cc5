"""A contract's own response times (DESIGN.md §8 contracts ``assign_hours``,
``arrival_working_hours``) on the ladder, SQLite and PostgreSQL: they win over the settings
for general priority, an emergency keeps the shorter of the two, a consultation the settings;
the due instants, the reminder and the overdue follow them."""

from __future__ import annotations

from datetime import date

from fieldbot.domain.model import Contract
from fieldbot.services.contract_terms import RESPONSE_BOTH, job_contract, response_line
from fieldbot.services.deadlines.ladder import OVERDUE_TEXT, REMINDER_TEXT
from tests.services.deadlines.conftest import Desk, local, views


async def _contract(desk: Desk, **terms: float) -> None:
    """C003 (SH01, urban, no contract in the sample) gets one with its own response times."""
    async with desk.store.unit_of_work() as uow:
        await uow.contracts.upsert(
            Contract(
                number="MC-2026-203",
                customer="C003",
                starts_on=date(2026, 9, 1),
                ends_on=date(2027, 8, 31),
                covers_labour=True,
                covers_parts=False,
                **terms,  # type: ignore[arg-type]
            )
        )
        await uow.commit()


async def test_the_contracts_response_times_set_the_due_times_and_the_ladder(desk: Desk) -> None:
    await _contract(desk, assign_hours=8, arrival_working_hours=4)
    job = await desk.job("C003", called_at=local(9, 14, 9), equipment="CF21-0033")
    # assign: 8 calendar hours (not 24); arrival: 4 working hours (not 6) → 09-12, 13-14
    assert job.assign_due_at == local(9, 14, 17)
    assert job.arrival_due_at == local(9, 14, 14)
    assert (await desk.clock_of(job, "assign")).due_at == local(9, 14, 17)
    assert (await desk.clock_of(job, "arrival")).due_at == local(9, 14, 14)
    async with desk.store.unit_of_work(readonly=True) as uow:
        contract = await job_contract(uow, desk.settings, job)
    assert response_line(desk.settings, job, contract) == {
        "t": RESPONSE_BOTH,
        "args": {"assign": "8", "arrival": "4"},
    }

    # the reminder at 80 % of 4 working hours (3 h 12 min: 13:12), the overdue at 14:00
    assert (await desk.at(local(9, 14, 13, 11))).fired == []
    report = await desk.at(local(9, 14, 13, 12))
    assert [(f.clock.clock, f.step) for f in report.fired] == [("arrival", "reminder")]
    report = await desk.at(local(9, 14, 14))
    assert ("arrival", "overdue") in [(f.clock.clock, f.step) for f in report.fired]
    templates = [m.template for m in views(await desk.outbox("S01"))]
    assert REMINDER_TEXT in templates and OVERDUE_TEXT in templates


async def test_an_emergency_keeps_the_shorter_and_a_consultation_the_settings(
    desk: Desk,
) -> None:
    await _contract(desk, assign_hours=8, arrival_working_hours=4)
    emergency = await desk.job(
        "C003", called_at=local(9, 14, 9), equipment="CF21-0033", priority="emergency"
    )
    assert emergency.assign_due_at == local(9, 14, 11)  # the setting's 2 h is shorter than 8
    assert emergency.arrival_due_at == local(9, 14, 14)  # the contract's 4 is shorter than 6
    consult = await desk.job(
        "C003", called_at=local(9, 14, 9), equipment="CF21-0033", priority="consult"
    )
    assert consult.assign_due_at == local(9, 16, 9)  # 48 h: a contract sets general priority
    other = await desk.job("C001", called_at=local(9, 14, 9))  # no such contract: the settings
    assert other.assign_due_at == local(9, 15, 9)
    assert other.arrival_due_at == local(9, 14, 16)


async def test_a_contract_with_only_an_assign_time_leaves_the_arrival_to_the_zone(
    desk: Desk,
) -> None:
    await _contract(desk, assign_hours=4)
    job = await desk.job("C003", called_at=local(9, 14, 9), equipment="CF21-0033")
    assert job.assign_due_at == local(9, 14, 13)
    assert job.arrival_due_at == local(9, 14, 16)  # the urban 6 working hours
