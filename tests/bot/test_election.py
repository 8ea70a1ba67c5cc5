"""One sender at a time per bot token, elected through the database."""

from __future__ import annotations

import pytest

from fieldbot.bot.election import AdvisoryLease, ProcessLease, leadership_for, lock_key
from fieldbot.store import Store


def test_the_lock_key_is_stable_and_depends_on_the_token() -> None:
    assert lock_key("123:abc") == lock_key("123:abc")
    assert lock_key("123:abc") != lock_key("123:abd")
    assert -(2**63) <= lock_key("123:abc") < 2**63


async def test_one_instance_holds_the_sender_lease_until_it_lets_go(store: Store) -> None:
    first = leadership_for(store.engine, "123:abc")
    second = leadership_for(store.engine, "123:abc")
    if store.dialect != "postgresql":
        assert isinstance(first, ProcessLease)
        assert await first.holds() and not await second.holds()
        await first.release()
        assert await second.holds()
        await second.release()
        return
    assert isinstance(first, AdvisoryLease)
    assert await first.holds()
    assert not await second.holds()
    assert await first.holds()  # keeps it
    other_bot = leadership_for(store.engine, "999:zzz")
    assert await other_bot.holds()  # another token elects its own sender
    await first.release()
    assert await second.holds()
    assert not await first.holds()
    await second.release()
    await other_bot.release()


@pytest.mark.pg
async def test_a_lost_connection_passes_the_lease_on(store: Store) -> None:
    if store.dialect != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's")
    first = leadership_for(store.engine, "123:abc")
    second = leadership_for(store.engine, "123:abc")
    assert await first.holds()
    assert isinstance(first, AdvisoryLease)
    assert first._connection is not None
    await first._connection.invalidate()  # the process died: its session ends
    assert await second.holds()
    await second.release()
