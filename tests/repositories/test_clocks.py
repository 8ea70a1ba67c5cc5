"""Deadline clocks and escalation steps: due clocks, generations, each step fires once."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest

from fieldbot.crypto import Cipher
from fieldbot.repositories.clocks import ClockRow
from fieldbot.store import ConcurrencyConflict, Store

from .conftest import NOW

ASSIGN = ClockRow(
    subject_type="job",
    subject_id=1,
    clock="assign",
    calendar="calendar",
    target_seconds=24 * 3600,
    started_at=NOW,
    due_at=NOW + timedelta(hours=24),
    wake_at=NOW + timedelta(hours=19, minutes=12),  # the 80 % reminder
)


async def _start(store: Store, clock: ClockRow = ASSIGN) -> ClockRow:
    async with store.unit_of_work() as uow:
        started = await uow.clocks.start(clock, NOW)
        await uow.commit()
    return started


async def test_a_started_clock_reads_back_and_is_due_at_its_wake_time(store: Store) -> None:
    started = await _start(store)
    assert started.id is not None and (started.generation, started.version) == (1, 1)
    async with store.unit_of_work() as uow:
        assert await uow.clocks.get("job", 1, "assign") == started
        assert await uow.clocks.due(NOW + timedelta(hours=19)) == []
        assert await uow.clocks.due(NOW + timedelta(hours=20)) == [started]
        assert await uow.clocks.next_wake_at() == ASSIGN.wake_at


async def test_paused_and_stopped_clocks_are_never_due(store: Store) -> None:
    started = await _start(store)
    async with store.unit_of_work() as uow:
        paused = await uow.clocks.save(
            replace(started, state="paused", paused_at=NOW, pause_reason="customer away"), NOW
        )
        await uow.commit()
    assert paused.version == 2
    async with store.unit_of_work(readonly=True) as uow:
        assert await uow.clocks.due(NOW + timedelta(days=9)) == []


async def test_restarting_a_clock_starts_a_new_generation(store: Store) -> None:
    await _start(store)
    again = await _start(store, replace(ASSIGN, target_seconds=2 * 3600))
    assert (again.generation, again.target_seconds) == (2, 7200)
    async with store.unit_of_work(readonly=True) as uow:
        assert [c.generation for c in await uow.clocks.for_subject("job", 1)] == [2]


async def test_saving_a_stale_clock_is_a_conflict(store: Store) -> None:
    started = await _start(store)
    async with store.unit_of_work() as uow:
        await uow.clocks.save(replace(started, state="stopped", met=True), NOW)
        with pytest.raises(ConcurrencyConflict):
            await uow.clocks.save(replace(started, state="paused"), NOW)


async def test_a_step_fires_once_per_generation(store: Store) -> None:
    async with store.unit_of_work() as uow:
        assert await uow.steps.fire("job", 1, "assign", 1, "reminder", NOW)
        assert not await uow.steps.fire("job", 1, "assign", 1, "reminder", NOW)
        assert await uow.steps.fire("job", 1, "assign", 2, "reminder", NOW)
        await uow.commit()
    async with store.unit_of_work() as uow:
        assert not await uow.steps.fire("job", 1, "assign", 1, "reminder", NOW)
        steps = await uow.steps.for_subject("job", 1)
    assert [(s.generation, s.step) for s in steps] == [(1, "reminder"), (2, "reminder")]


async def test_two_instances_firing_the_same_step_fire_it_once(db_url: str, cipher: Cipher) -> None:
    stores = [Store.open(db_url, cipher) for _ in range(3)]

    async def fire(store: Store) -> bool:
        async with store.unit_of_work() as uow:
            fired = await uow.steps.fire("job", 7, "arrival", 1, "level1", NOW)
            await uow.commit()
        return fired

    try:
        outcomes = await asyncio.gather(*(fire(s) for s in stores))
    finally:
        for s in stores:
            await s.close()
    assert sorted(outcomes) == [False, False, True]


async def test_the_first_acknowledgement_wins(seeded: Store) -> None:
    async with seeded.unit_of_work() as uow:
        s01 = await uow.staff.require_id("S01")
        m01 = await uow.staff.require_id("M01")
        await uow.steps.fire("job", 1, "assign", 1, "level1", NOW)
        assert await uow.steps.unacknowledged("level1", NOW + timedelta(hours=1)) != []
        assert await uow.steps.acknowledge("job", 1, "assign", 1, "level1", s01, NOW)
        assert not await uow.steps.acknowledge("job", 1, "assign", 1, "level1", m01, NOW)
        step = await uow.steps.get("job", 1, "assign", 1, "level1")
        assert step is not None and (step.acknowledged_by, step.acknowledged_at) == (s01, NOW)
        assert await uow.steps.unacknowledged("level1", NOW + timedelta(hours=1)) == []
