"""Creating and migrating the database with Alembic (``fieldbot db upgrade``)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from fieldbot.store import create_engine

SCRIPT_LOCATION = "fieldbot:migrations"
# Any constant: serialises concurrent upgrades of one PostgreSQL database.
_PG_UPGRADE_LOCK = 0x6669656C64626F74  # "fieldbot"


def alembic_config(url: str | None = None) -> Config:
    """An Alembic configuration built in code (no alembic.ini)."""
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def upgrade(url: str, revision: str = "head") -> None:
    """Create or migrate the database at ``url`` to ``revision``; running it again is harmless."""
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_upgrade, revision)
    finally:
        await engine.dispose()


def _upgrade(connection: Connection, revision: str) -> None:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_UPGRADE_LOCK})")
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def current_revision(url: str) -> str | None:
    """The revision the database is at (None: never migrated)."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )
    finally:
        await engine.dispose()
