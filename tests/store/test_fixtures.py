"""The shared database fixture hands every test a database in its freshly migrated state."""

from __future__ import annotations

import os
from typing import Any

import pytest
from sqlalchemy import func, select

from fieldbot.crypto import Cipher
from fieldbot.domain.model import Part
from fieldbot.store import Store
from fieldbot.tables import event_chain_head, parts
from tests.repositories.conftest import NOW

pytestmark = pytest.mark.pg


async def _use(url: str, cipher: Cipher) -> tuple[int, int, int]:
    """Add a part and an event; return how many parts there were, the id and the log size."""
    store = Store.open(url, cipher)
    try:
        async with store.unit_of_work() as uow:
            count_parts = select(func.count()).select_from(parts)
            before = (await uow.connection.execute(count_parts)).scalar_one()
            await uow.parts.upsert(Part("P1", "Valve", 100, True))
            await uow.events.append("system", "x", "part", 1, {}, NOW)
            part_id = await uow.parts.require_id("P1")
            logged = (await uow.connection.execute(select(event_chain_head.c.count))).scalar_one()
            await uow.commit()
    finally:
        await store.close()
    return int(before), part_id, int(logged)


async def test_a_reused_postgresql_database_comes_back_as_migrated(
    pg_server: Any, cipher: Cipher
) -> None:
    databases = pg_server.databases
    if databases is None:
        if os.environ.get("FIELDBOT_REQUIRE_PG") == "1":
            pytest.fail(pg_server.error)
        pytest.skip(pg_server.error)
    first = databases.acquire()
    try:
        assert await _use(databases.url_for(first), cipher) == (0, 1, 1)
    finally:
        databases.release(first)
    second = databases.acquire()
    try:
        # Empty again, ids from 1 again, the chain head back at the genesis.
        assert await _use(databases.url_for(second), cipher) == (0, 1, 1)
    finally:
        databases.release(second)
    assert second == first or not databases.reuse
