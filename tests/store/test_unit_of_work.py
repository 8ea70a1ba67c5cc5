"""The unit of work: rollback by default, commit on request, SQLite's pragmas and locking."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from fieldbot.dbadmin import upgrade
from fieldbot.domain.model import Part
from fieldbot.settings import load_settings
from fieldbot.store import Store

PART = Part("P100", "Valve", 2500, True)


async def _part_exists(store: Store) -> bool:
    async with store.unit_of_work(readonly=True) as uow:
        return await uow.parts.get(PART.code) is not None


async def test_leaving_without_commit_rolls_back(store: Store) -> None:
    async with store.unit_of_work() as uow:
        await uow.parts.upsert(PART)
    assert not await _part_exists(store)


async def test_an_exception_rolls_back_and_propagates(store: Store) -> None:
    with pytest.raises(RuntimeError, match="half done"):
        async with store.unit_of_work() as uow:
            await uow.parts.upsert(PART)
            raise RuntimeError("half done")
    assert not await _part_exists(store)


async def test_commit_keeps_the_work(store: Store) -> None:
    async with store.unit_of_work() as uow:
        await uow.parts.upsert(PART)
        await uow.commit()
    assert await _part_exists(store)


async def test_work_after_commit_needs_its_own_commit(store: Store) -> None:
    async with store.unit_of_work() as uow:
        await uow.parts.upsert(PART)
        await uow.commit()
        await uow.parts.upsert(Part("P101", "Seal", 100, False))
    async with store.unit_of_work(readonly=True) as uow:
        assert await uow.parts.keys() == {"P100"}


async def test_the_connection_is_there_for_custom_queries(store: Store) -> None:
    async with store.unit_of_work(readonly=True) as uow:
        assert (await uow.connection.execute(text("SELECT 1"))).scalar_one() == 1


async def test_sqlite_runs_with_wal_foreign_keys_and_secure_delete(store: Store) -> None:
    if store.dialect != "sqlite":
        pytest.skip("SQLite pragmas")
    async with store.unit_of_work(readonly=True) as uow:

        async def pragma(name: str) -> object:
            return (await uow.connection.exec_driver_sql(f"PRAGMA {name}")).scalar_one()

        assert await pragma("journal_mode") == "wal"
        assert await pragma("foreign_keys") == 1
        assert await pragma("secure_delete") == 1
        assert await pragma("synchronous") == 1  # NORMAL
        assert await pragma("busy_timeout") == 5000


async def test_sqlite_write_units_of_work_take_the_write_lock_at_begin(store: Store) -> None:
    """BEGIN IMMEDIATE: a second writer waits for the first instead of failing later."""
    if store.dialect != "sqlite":
        pytest.skip("SQLite locking")
    order: list[str] = []
    first_has_lock = asyncio.Event()
    release_first = asyncio.Event()

    async def first() -> None:
        async with store.unit_of_work() as uow:
            first_has_lock.set()
            await release_first.wait()
            await uow.parts.upsert(PART)
            order.append("first")
            await uow.commit()

    async def second() -> None:
        await first_has_lock.wait()
        async with store.unit_of_work() as uow:
            # Only reached once the first has committed: it read nothing stale.
            order.append("second sees part" if await uow.parts.get("P100") else "second early")
            await uow.commit()

    one = asyncio.create_task(first())
    two = asyncio.create_task(second())
    await first_has_lock.wait()
    release_first.set()
    await asyncio.gather(one, two)
    assert order == ["first", "second sees part"]


async def test_a_reader_is_not_blocked_by_a_writer(store: Store) -> None:
    async with store.unit_of_work() as writer:
        await writer.parts.upsert(PART)
        async with store.unit_of_work(readonly=True) as reader:
            assert await reader.parts.get(PART.code) is None  # not committed yet
        await writer.commit()
    assert await _part_exists(store)


async def test_foreign_keys_are_enforced(store: Store) -> None:
    async with store.unit_of_work() as uow:
        with pytest.raises(IntegrityError, match=r"(?i)foreign key"):
            await uow.connection.exec_driver_sql(
                "INSERT INTO stock (location, part_id, quantity) VALUES ('central', 999, 1)"
            )


async def test_a_store_opens_from_the_settings(tmp_path: Path, test_master_key: bytes) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'settings.db'}"
    await upgrade(url)
    settings = load_settings(
        {
            "database_url": url,
            "encryption_key": base64.urlsafe_b64encode(test_master_key).decode(),
        },
        read_env_file=False,
    )
    store = Store.from_settings(settings)
    try:
        async with store.unit_of_work() as uow:
            await uow.parts.upsert(PART)
            await uow.commit()
        assert await _part_exists(store)
    finally:
        await store.close()
