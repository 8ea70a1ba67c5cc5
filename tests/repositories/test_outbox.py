"""The outbox: dedupe, claiming due messages (never twice), leases, retries."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from fieldbot.crypto import Cipher
from fieldbot.repositories.outbox import OutboxMessage
from fieldbot.store import Store

from .conftest import NOW

LEASE = NOW + timedelta(seconds=30)


async def _enqueue(store: Store, count: int, **extra: Any) -> list[int | None]:
    async with store.unit_of_work() as uow:
        ids = [
            await uow.outbox.enqueue(
                chat_id=1000 + n,
                recipient_kind="staff",
                recipient_id=n,
                template="job.dispatched",
                params={"job_id": n},
                now=NOW,
                **extra,
            )
            for n in range(count)
        ]
        await uow.commit()
    return ids


async def _claim(
    store: Store, limit: int, now: Any = NOW, lease: Any = LEASE
) -> list[OutboxMessage]:
    async with store.unit_of_work() as uow:
        claimed = await uow.outbox.claim_due(now, limit, lease)
        await uow.commit()
    return claimed


async def test_a_queued_message_is_claimed_with_its_parameters(store: Store) -> None:
    await _enqueue(store, 1)
    [message] = await _claim(store, 10)
    assert (message.chat_id, message.template, message.params) == (
        1000,
        "job.dispatched",
        {"job_id": 0},
    )
    assert (message.status, message.attempts, message.lease_until) == ("in_flight", 1, LEASE)
    assert await _claim(store, 10) == []  # leased: not due again


async def test_a_dedupe_key_queues_a_message_once(store: Store) -> None:
    first = await _enqueue(store, 1, dedupe_key="job:1:level1")
    again = await _enqueue(store, 1, dedupe_key="job:1:level1")
    assert first[0] is not None and again == [None]
    async with store.unit_of_work(readonly=True) as uow:
        assert len(await uow.outbox.messages()) == 1


async def test_urgent_replies_are_claimed_before_notifications(store: Store) -> None:
    await _enqueue(store, 2)
    async with store.unit_of_work() as uow:
        reply = await uow.outbox.enqueue(
            chat_id=1,
            recipient_kind="chat",
            recipient_id=None,
            template="reply",
            now=NOW + timedelta(seconds=1),
            priority=uow.outbox.PRIORITY_REPLY,
        )
        await uow.commit()
    claimed = await _claim(store, 2, now=NOW + timedelta(seconds=1))
    assert len(claimed) == 2 and claimed[0].id == reply


async def test_a_held_message_waits_until_it_is_due(store: Store) -> None:
    morning = NOW + timedelta(hours=10)
    await _enqueue(store, 1, not_before=morning)
    assert await _claim(store, 10) == []
    async with store.unit_of_work(readonly=True) as uow:
        assert await uow.outbox.next_due_at() == morning
        assert await uow.outbox.count_due(morning) == 1
    assert len(await _claim(store, 10, now=morning, lease=morning + timedelta(seconds=30))) == 1


async def test_two_claimers_never_get_the_same_message(db_url: str, cipher: Cipher) -> None:
    stores = [Store.open(db_url, cipher) for _ in range(2)]
    try:
        await _enqueue(stores[0], 40)
        batches = await asyncio.gather(*(_claim(s, 7) for s in stores for _ in range(4)))
    finally:
        for s in stores:
            await s.close()
    ids = [m.id for batch in batches for m in batch]
    assert len(ids) == len(set(ids)) == 40  # 8 claims of 7 take all 40, none twice


async def test_an_expired_lease_is_claimed_again_and_counted(store: Store) -> None:
    await _enqueue(store, 1)
    [first] = await _claim(store, 10)
    later = LEASE + timedelta(seconds=1)
    [again] = await _claim(store, 10, now=later, lease=later + timedelta(seconds=30))
    assert again.id == first.id
    assert (again.attempts, again.reclaims) == (2, 1)


async def test_sent_and_failed_messages_are_done_and_retries_come_back(store: Store) -> None:
    await _enqueue(store, 3)
    a, b, c = await _claim(store, 10)
    async with store.unit_of_work() as uow:
        await uow.outbox.mark_sent(a.id, 555, NOW)
        await uow.outbox.mark_failed(b.id, "Forbidden: bot was blocked by the user")
        await uow.outbox.retry_later(c.id, NOW + timedelta(seconds=5), "429 retry after 5")
        await uow.commit()
    later = LEASE + timedelta(minutes=5)
    [retried] = await _claim(store, 10, now=later, lease=later + timedelta(seconds=30))
    assert retried.id == c.id and retried.last_error == "429 retry after 5"
    async with store.unit_of_work(readonly=True) as uow:
        sent = await uow.outbox.get(a.id)
        assert sent is not None and (sent.status, sent.message_id, sent.sent_at) == (
            "sent",
            555,
            NOW,
        )
        assert [m.id for m in await uow.outbox.messages(status="failed")] == [b.id]
