"""The outbox keeps each chat's order, except for a message held on purpose."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fieldbot.store import Store

NOW = datetime(2026, 9, 14, 1, 0, tzinfo=UTC)


async def _queue(store: Store, chat_id: int, template: str, **kwargs: object) -> int:
    async with store.unit_of_work() as uow:
        message_id = await uow.outbox.enqueue(
            chat_id=chat_id,
            recipient_kind="chat",
            recipient_id=None,
            template=template,
            now=NOW,
            **kwargs,  # type: ignore[arg-type]
        )
        await uow.commit()
    assert message_id is not None
    return message_id


async def _claim(store: Store, now: datetime, *, send: bool = False) -> list[str]:
    async with store.unit_of_work() as uow:
        claimed = await uow.outbox.claim_due(now, 10, now + timedelta(minutes=1))
        if send:
            for message in claimed:
                await uow.outbox.mark_sent(message.id, 1, now)
        await uow.commit()
    return [m.template for m in claimed]


async def test_a_failed_message_holds_up_the_rest_of_its_chat(store: Store) -> None:
    first = await _queue(store, 1, "first")
    await _queue(store, 1, "second")
    other = await _queue(store, 2, "other chat")
    assert await _claim(store, NOW) == ["first", "other chat"]
    async with store.unit_of_work() as uow:
        await uow.outbox.mark_sent(other, 1, NOW)
        await uow.outbox.retry_later(first, NOW + timedelta(minutes=5), "500")
        await uow.commit()
    assert await _claim(store, NOW + timedelta(minutes=1)) == []
    async with store.unit_of_work(readonly=True) as uow:
        assert await uow.outbox.next_due_at() == NOW + timedelta(minutes=5)
    assert await _claim(store, NOW + timedelta(minutes=5), send=True) == ["first"]
    assert await _claim(store, NOW + timedelta(minutes=5)) == ["second"]


async def test_a_message_held_until_later_does_not_block_its_chat(store: Store) -> None:
    await _queue(store, 1, "held till nine", not_before=NOW + timedelta(hours=8))
    await _queue(store, 1, "emergency now")
    assert await _claim(store, NOW, send=True) == ["emergency now"]
    assert await _claim(store, NOW + timedelta(hours=8)) == ["held till nine"]
