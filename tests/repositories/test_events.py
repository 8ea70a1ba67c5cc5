"""The audit log: a hash chain that finds altered, inserted and removed events."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, insert, select, update

from fieldbot.repositories.events import GENESIS_HASH, PersonalDataInEvent, event_hash, verify
from fieldbot.store import Store
from fieldbot.tables import event_chain_head, events

from .conftest import NOW


async def _append(store: Store, count: int, start: int = 0) -> None:
    async with store.unit_of_work() as uow:
        for n in range(start, start + count):
            await uow.events.append(
                actor="staff:1",
                kind="job.dispatched",
                subject_type="job",
                subject_id=n,
                payload={"technician_id": 7, "note": f"第{n}次", "at": NOW},
                at=NOW + timedelta(minutes=n),
            )
        await uow.commit()


async def _verify(store: Store) -> Any:
    async with store.unit_of_work(readonly=True) as uow:
        return await verify(uow.connection)


async def _tamper(store: Store, statement: Any) -> None:
    async with store.unit_of_work() as uow:
        await uow.connection.execute(statement)
        await uow.commit()


async def test_an_intact_log_verifies(store: Store) -> None:
    assert (await _verify(store)).ok  # empty
    await _append(store, 5)
    result = await _verify(store)
    assert (result.ok, result.count, result.problem) == (True, 5, None)


async def test_events_read_back_with_their_payload(store: Store) -> None:
    await _append(store, 2)
    async with store.unit_of_work(readonly=True) as uow:
        [event] = await uow.events.for_subject("job", 1)
        assert event.seq == 2 and event.subject_id == "1"
        assert event.payload == {
            "technician_id": 7,
            "note": "第1次",
            "at": "2026-09-14T00:30:00.000000+00:00",
        }
        assert event.at == NOW + timedelta(minutes=1)
        assert [e.seq for e in await uow.events.since(0)] == [1, 2]
        assert await uow.events.count() == 2


async def test_payloads_are_stored_as_canonical_json_text(store: Store) -> None:
    await _append(store, 1)
    async with store.unit_of_work(readonly=True) as uow:
        text = (await uow.connection.execute(select(events.c.payload))).scalar_one()
    assert text == '{"at":"2026-09-14T00:30:00.000000+00:00","note":"第0次","technician_id":7}'


async def test_an_altered_event_is_found(store: Store) -> None:
    await _append(store, 5)
    await _tamper(store, update(events).where(events.c.seq == 3).values(payload='{"x":1}'))
    result = await _verify(store)
    assert not result.ok and result.at_seq == 3 and "altered" in (result.problem or "")


async def test_an_event_removed_from_the_middle_is_found(store: Store) -> None:
    await _append(store, 5)
    await _tamper(store, delete(events).where(events.c.seq == 2))
    result = await _verify(store)
    assert not result.ok and result.at_seq == 2 and "missing" in (result.problem or "")


async def test_a_removed_tail_is_found_through_the_head(store: Store) -> None:
    await _append(store, 5)
    await _tamper(store, delete(events).where(events.c.seq >= 4))
    result = await _verify(store)
    assert not result.ok and result.count == 3 and "tail removed" in (result.problem or "")


async def test_an_event_added_after_the_head_is_found(store: Store) -> None:
    await _append(store, 3)
    async with store.unit_of_work(readonly=True) as uow:
        last = (await uow.connection.execute(select(events).where(events.c.seq == 3))).one()
    forged = {
        "seq": 4,
        "at": NOW,
        "actor": "staff:9",
        "kind": "job.closed",
        "subject_type": "job",
        "subject_id": "1",
        "payload": "{}",
        "prev_hash": last.hash,
    }
    forged["hash"] = event_hash(
        last.hash, **{k: v for k, v in forged.items() if k not in ("prev_hash",)}
    )
    await _tamper(store, insert(events).values(forged))
    result = await _verify(store)
    assert not result.ok and result.at_seq == 4 and "added" in (result.problem or "")


async def test_an_event_inserted_in_the_middle_is_found(store: Store) -> None:
    await _append(store, 4)
    # Make room after event 2 and slip in a well-formed forgery linked to event 2.
    async with store.unit_of_work() as uow:
        for seq in (4, 3):
            await uow.connection.execute(
                update(events).where(events.c.seq == seq).values(seq=seq + 1)
            )
        second = (await uow.connection.execute(select(events).where(events.c.seq == 2))).one()
        fields = {
            "seq": 3,
            "at": NOW,
            "actor": "staff:9",
            "kind": "job.closed",
            "subject_type": "job",
            "subject_id": "1",
            "payload": "{}",
        }
        await uow.connection.execute(
            insert(events).values(
                **fields, prev_hash=second.hash, hash=event_hash(second.hash, **fields)
            )
        )
        await uow.connection.execute(update(event_chain_head).values(count=5))
        await uow.commit()
    result = await _verify(store)
    assert not result.ok and result.at_seq == 4, result


async def test_a_forged_link_to_the_wrong_predecessor_is_found(store: Store) -> None:
    await _append(store, 3)
    fields = {
        "seq": 2,
        "at": NOW,
        "actor": "staff:9",
        "kind": "x",
        "subject_type": "job",
        "subject_id": "1",
        "payload": "{}",
    }
    await _tamper(
        store,
        update(events)
        .where(events.c.seq == 2)
        .values(**fields, prev_hash=GENESIS_HASH, hash=event_hash(GENESIS_HASH, **fields)),
    )
    result = await _verify(store)
    assert not result.ok and result.at_seq == 2 and "inserted or removed" in (result.problem or "")


async def test_concurrent_appends_keep_one_unbroken_chain(db_url: str, cipher: Any) -> None:
    stores = [Store.open(db_url, cipher) for _ in range(2)]
    try:
        await asyncio.gather(*(_append(s, 5, start=10 * i) for i, s in enumerate(stores)))
        result = await _verify(stores[0])
    finally:
        for s in stores:
            await s.close()
    assert (result.ok, result.count) == (True, 10)


@pytest.mark.parametrize(
    "payload",
    [
        {"phone": "+8613812345678"},
        {"customer": {"address": "上海"}},
        {"lines": [{"customer_name": "李"}]},
        {"note": "+86 138 1234 5678"},
    ],
)
async def test_contact_data_is_kept_out_of_events(store: Store, payload: dict[str, Any]) -> None:
    async with store.unit_of_work() as uow:
        with pytest.raises(PersonalDataInEvent):
            await uow.events.append("system", "x", "customer", 1, payload, NOW)


async def test_an_event_needs_an_aware_instant(store: Store) -> None:
    async with store.unit_of_work() as uow:
        with pytest.raises(ValueError, match="aware"):
            await uow.events.append(
                "system",
                "x",
                "job",
                1,
                {},
                datetime(2026, 9, 14),  # noqa: DTZ001
            )
