"""Planned maintenance under contracts (DESIGN.md §8 contracts ``visits_per_year``) on the real
store, SQLite and PostgreSQL: the plan of a year's contract, its jobs generated once through a
re-import and a re-run of the sweep, a visit missed told to the supervisor once, visits whose
window ended before they came due, and a renewal continuing the plan."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from fieldbot.domain.model import JobState, Priority, ServiceType, WorkKind
from fieldbot.repositories.maintenance import VisitRow
from fieldbot.services import dispatch, visit
from fieldbot.services.imports import import_file
from fieldbot.services.maintenance import VISIT_DUE_TEXT, VISIT_MISSED_TEXT
from tests.services.deadlines.conftest import STAFF_USERS, Desk, local
from tests.services.deadlines.conftest import desk as desk

HEADER = "number,customer,starts_on,ends_on,covers_labour,covers_parts,visits_per_year,serials"


def contracts_file(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "contracts.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


async def load(desk: Desk, path: Path) -> None:
    await import_file(desk.store, "contracts", path, settings=desk.settings, clock=desk.clock)


async def plan(desk: Desk, number: str) -> list[VisitRow]:
    async with desk.store.unit_of_work(readonly=True) as uow:
        contract_id = await uow.contracts.require_id(number)
        return await uow.maintenance.of_contract(contract_id)


async def maintenance_jobs(desk: Desk, customer: str) -> list[str]:
    async with desk.store.unit_of_work(readonly=True) as uow:
        customer_id = await uow.customers.id_of(customer)
        jobs = await uow.jobs.list(customer_id=customer_id)
    return [job.number for job in jobs if job.kind is WorkKind.MAINTENANCE]


YEAR = "MC-2026-103,C003,2026-09-14,2027-09-13,true,false,4,CF21-0033"


async def test_a_years_plan_generates_each_job_once_and_a_missed_visit_is_told_once(
    desk: Desk, tmp_path: Path
) -> None:
    path = contracts_file(tmp_path, YEAR)
    await load(desk, path)
    rows = await plan(desk, "MC-2026-103")
    # four visits, one every 91.25 days, each in the middle of its window; 14 days' lead
    assert [(r.visit_on, r.window_starts_on, r.window_ends_on) for r in rows] == [
        (date(2026, 10, 29), date(2026, 9, 14), date(2026, 12, 13)),
        (date(2027, 1, 28), date(2026, 12, 14), date(2027, 3, 14)),
        (date(2027, 4, 30), date(2027, 3, 15), date(2027, 6, 13)),
        (date(2027, 7, 30), date(2027, 6, 14), date(2027, 9, 13)),
    ]
    assert [r.generate_on for r in rows] == [r.visit_on - timedelta(days=14) for r in rows]
    assert {r.state for r in rows} == {"planned"}

    assert (await desk.at(local(10, 15, 8, 30))).maintenance_jobs == []  # before working hours
    report = await desk.at(local(10, 15, 9))
    (number,) = report.maintenance_jobs
    async with desk.store.unit_of_work(readonly=True) as uow:
        job = await uow.jobs.by_number(number)
        assert job is not None and job.id is not None
        unit = await uow.equipment.by_id(job.equipment_id or 0)
        on_time = await uow.clocks.get("job", job.id, "on_time")
        supervisor = await uow.outbox.messages(chat_id=STAFF_USERS["S01"])
    assert (job.kind, job.priority, job.service_type) == (
        WorkKind.MAINTENANCE,
        Priority.GENERAL,
        ServiceType.B,  # under the contract (C003 had none before)
    )
    assert job.state is JobState.REGISTERED
    assert unit is not None and unit.serial == "CF21-0033"
    assert job.fault == "MC-2026-103 · 1/4 · 2026-10-29 · CF21-0033"
    assert job.appointment_at == local(10, 29, 9)  # the visit's day, the first working hour
    assert on_time is not None and on_time.due_at == local(10, 29, 9, 30)  # + tolerance
    assert job.arrival_due_at is None  # booked: no 6-hour arrival clock
    assert not [m for m in supervisor if m.template == VISIT_MISSED_TEXT]
    due = [m.params["args"] for m in supervisor if m.template == VISIT_DUE_TEXT]
    assert [(a["job"], a["visit"], a["date"]["day"]) for a in due] == [
        (number, "1/4", "2026-10-29")
    ]

    # a re-import and re-runs of the sweep generate nothing more
    await load(desk, path)
    assert [r.job_id for r in await plan(desk, "MC-2026-103")] == [job.id, None, None, None]
    assert (await desk.at(local(10, 15, 10))).maintenance_jobs == []
    assert (await desk.at(local(10, 16, 9))).maintenance_jobs == []
    assert await maintenance_jobs(desk, "C003") == [number]

    # nobody went: at the first working moment after the window, the supervisor is told once
    assert (await desk.at(local(12, 13, 23))).visits_missed == []  # the window's last day
    missed = await desk.at(local(12, 14, 9))
    assert missed.visits_missed == [number]
    again = await desk.at(local(12, 15, 9))
    assert again.visits_missed == []
    async with desk.store.unit_of_work(readonly=True) as uow:
        supervisor = await uow.outbox.messages(chat_id=STAFF_USERS["S01"])
    (notice,) = [m for m in supervisor if m.template == VISIT_MISSED_TEXT]
    assert notice.params["args"]["number"] == "MC-2026-103"
    assert notice.params["args"]["visit"] == "1/4"
    assert notice.params["args"]["job"] == number
    assert [r.state for r in await plan(desk, "MC-2026-103")] == [
        "missed",
        "planned",
        "planned",
        "planned",
    ]


async def test_a_visit_made_in_its_window_is_not_told_and_ended_windows_get_no_job(
    desk: Desk, tmp_path: Path
) -> None:
    # imported on 2026-09-14, late in its term: the windows that ended get no job, the one
    # still open gets its job at once (its day has passed: the next working morning)
    row = "MC-2026-104,C003,2026-01-01,2026-12-31,true,false,4,"
    await load(desk, contracts_file(tmp_path, row))
    (number,) = (await desk.at(local(9, 14, 9))).maintenance_jobs
    assert [r.state for r in await plan(desk, "MC-2026-104")] == [
        "lapsed",
        "lapsed",
        "generated",
        "planned",
    ]
    settings, clock = desk.settings, desk.clock
    async with desk.store.unit_of_work() as uow:
        job = await uow.jobs.by_number(number)
        assert job is not None and job.appointment_at == local(9, 15, 9)
        await dispatch.dispatch(uow, settings, clock, job=number, technician="T01", actor="S01")
        await dispatch.accept(uow, settings, clock, job=number, actor="T01")
        await visit.set_appointment(
            uow, settings, clock, job=number, actor="T01", at=local(9, 15, 10)
        )
        await uow.commit()
    clock.set(local(9, 15, 10))
    async with desk.store.unit_of_work() as uow:
        await visit.arrive(uow, settings, clock, job=number, actor="T01")
        await uow.commit()
    assert (await desk.at(local(10, 8, 9))).visits_missed == []  # after the window (09-30)
    assert [r.state for r in await plan(desk, "MC-2026-104")][2] == "made"
    assert not [m for m in await desk.outbox("S01") if m.template == VISIT_MISSED_TEXT]


async def test_a_renewal_continues_the_plan_without_a_double_visit(
    desk: Desk, tmp_path: Path
) -> None:
    old_row = "MC-2026-105,C003,2026-01-01,2026-12-31,true,false,4,"
    await load(desk, contracts_file(tmp_path, old_row))
    (number,) = (await desk.at(local(11, 2, 9))).maintenance_jobs  # the last visit, 11-16
    old = await plan(desk, "MC-2026-105")
    # renewed early: the new contract starts on 12-01, before the old one ends
    await load(
        desk,
        contracts_file(
            tmp_path,
            old_row,
            "MC-2027-105,C003,2026-12-01,2027-11-30,true,false,4,CF21-0033",
        ),
    )
    assert await plan(desk, "MC-2026-105") == old  # its generated visit untouched
    new = await plan(desk, "MC-2027-105")
    # the rhythm goes on: one interval (91.25 days) after the old contract's last visit
    assert [r.visit_on for r in new] == [
        date(2027, 2, 15),
        date(2027, 5, 17),
        date(2027, 8, 16),
        date(2027, 11, 16),
    ]
    assert new[0].window_starts_on == date(2026, 12, 1)
    assert new[-1].window_ends_on == date(2027, 11, 30)
    # between the two, no visit: the sweep over the change generates nothing
    for day in (local(12, 1, 9), local(1, 4, 9, year=2027), local(1, 29, 9, year=2027)):
        assert (await desk.at(day)).maintenance_jobs == []
    (second,) = (await desk.at(local(2, 1, 9, year=2027))).maintenance_jobs
    assert await maintenance_jobs(desk, "C003") == [number, second]

    # a contract that starts after a gap is not a renewal: its plan starts afresh
    await load(
        desk, contracts_file(tmp_path, "MC-2029-105,C003,2029-01-01,2029-12-31,true,false,4,")
    )
    assert (await plan(desk, "MC-2029-105"))[0].visit_on == date(2029, 2, 15)
