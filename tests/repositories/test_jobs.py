"""Jobs: numbers per day, the call log order, and optimistic concurrency on updates."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date, timedelta

import pytest

from fieldbot.domain.model import JobState
from fieldbot.repositories.jobs import JobRecord
from fieldbot.store import ConcurrencyConflict, Store

from .conftest import NOW, insert_job


async def test_job_numbers_count_per_day(seeded: Store) -> None:
    async with seeded.unit_of_work() as uow:
        numbers = [await uow.jobs.next_job_number(date(2026, 9, 14)) for _ in range(3)]
        numbers.append(await uow.jobs.next_job_number(date(2026, 9, 15)))
        await uow.commit()
    assert numbers == ["J20260914-001", "J20260914-002", "J20260914-003", "J20260915-001"]


async def test_a_rolled_back_number_is_handed_out_again(seeded: Store) -> None:
    async with seeded.unit_of_work() as uow:
        assert await uow.jobs.next_job_number(date(2026, 9, 14)) == "J20260914-001"
    async with seeded.unit_of_work() as uow:
        assert await uow.jobs.next_job_number(date(2026, 9, 14)) == "J20260914-001"


async def test_a_stored_job_reads_back_by_id_and_number(seeded: Store) -> None:
    async with seeded.unit_of_work() as uow:
        job = await insert_job(uow, NOW)
        await uow.commit()
    assert job.id is not None and job.version == 1 and job.created_at == NOW
    async with seeded.unit_of_work(readonly=True) as uow:
        assert await uow.jobs.get(job.id) == job
        assert await uow.jobs.by_number("J20260914-001") == job
        assert await uow.jobs.by_number("J20260914-404") is None


async def test_the_call_log_lists_jobs_in_the_order_of_the_call(seeded: Store) -> None:
    async with seeded.unit_of_work() as uow:
        late = await insert_job(uow, NOW + timedelta(hours=2))
        early = await insert_job(uow, NOW, customer="C002")
        await uow.commit()
    async with seeded.unit_of_work(readonly=True) as uow:
        assert [j.number for j in await uow.jobs.list()] == [early.number, late.number]
        registered = await uow.jobs.list(states=[JobState.REGISTERED], customer_id=late.customer_id)
        assert [j.number for j in registered] == [late.number]
        assert await uow.jobs.list(states=[JobState.CLOSED]) == []
        window = await uow.jobs.list(called_from=NOW + timedelta(hours=1))
        assert [j.number for j in window] == [late.number]


async def test_an_update_bumps_the_version_and_keeps_the_change(seeded: Store) -> None:
    async with seeded.unit_of_work() as uow:
        job = await insert_job(uow, NOW)
        tech = await uow.staff.id_of("T01")
        later = NOW + timedelta(minutes=5)
        saved = await uow.jobs.update(
            replace(job, state=JobState.DISPATCHED, technician_id=tech), now=later
        )
        await uow.commit()
    assert saved.version == 2 and saved.updated_at == later
    async with seeded.unit_of_work(readonly=True) as uow:
        assert await uow.jobs.get(saved.id or 0) == saved


async def test_the_second_of_two_concurrent_writers_is_told_and_overwrites_nothing(
    seeded: Store,
) -> None:
    async with seeded.unit_of_work() as uow:
        job = await insert_job(uow, NOW)
        await uow.commit()
    assert job.id is not None

    # Both people read version 1, then both try to save their change at the same time.
    async def save(change: JobRecord) -> str:
        try:
            async with seeded.unit_of_work() as uow:
                await uow.jobs.update(change, now=NOW + timedelta(minutes=1))
                await uow.commit()
        except ConcurrencyConflict:
            return "conflict"
        return "saved"

    dispatched = replace(job, state=JobState.DISPATCHED, fault="A")
    cancelled = replace(job, state=JobState.CANCELLED, fault="B")
    outcomes = await asyncio.gather(save(dispatched), save(cancelled))
    assert sorted(outcomes) == ["conflict", "saved"]

    async with seeded.unit_of_work(readonly=True) as uow:
        stored = await uow.jobs.get(job.id)
    assert stored is not None and stored.version == 2
    winner = dispatched if outcomes[0] == "saved" else cancelled
    assert (stored.state, stored.fault) == (winner.state, winner.fault)


async def test_a_stale_version_is_refused(seeded: Store) -> None:
    async with seeded.unit_of_work() as uow:
        job = await insert_job(uow, NOW)
        await uow.jobs.update(replace(job, fault="first"), now=NOW)
        with pytest.raises(ConcurrencyConflict):
            await uow.jobs.update(replace(job, fault="stale"), now=NOW)
