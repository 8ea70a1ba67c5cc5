"""The migrations build exactly the schema of ``fieldbot.tables``, and upgrading is idempotent."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select
from sqlalchemy.engine import Connection

from fieldbot.dbadmin import current_revision, head_revision, upgrade
from fieldbot.store import create_engine
from fieldbot.tables import event_chain_head, metadata


def _diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


async def test_migrated_database_matches_the_metadata(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(_diff) == []
    finally:
        await engine.dispose()


async def test_upgrade_twice_is_harmless(db_url: str) -> None:
    await upgrade(db_url)
    await upgrade(db_url)
    assert await current_revision(db_url) == head_revision()
    engine = create_engine(db_url)
    try:
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
            heads = (await connection.execute(select(event_chain_head))).all()
    finally:
        await engine.dispose()
    assert set(metadata.tables) <= names
    assert len(heads) == 1  # the chain head was seeded once, not twice


async def test_upgrade_creates_a_new_sqlite_database(tmp_path: Any) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'new.db'}"
    await upgrade(url)
    assert await current_revision(url) == head_revision()
