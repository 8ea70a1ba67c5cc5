"""Creating and migrating the database with Alembic (``fieldbot db upgrade``), and copying an
SQLite database while it runs (``fieldbot db backup``)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from urllib.parse import quote

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

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


async def not_current(url: str) -> str | None:
    """Why the database at ``url`` is not an upgraded fieldbot database; None when it is.

    Touches nothing: an SQLite file that does not exist is not created, an existing one is
    opened read-only; a PostgreSQL database that does not exist or cannot be reached is
    reported, not made. The reason names no part of the URL (it may hold a password).
    """
    parsed = make_url(url)
    connect_args: dict[str, object] = {}
    if parsed.get_backend_name() == "sqlite":
        readonly = _existing_sqlite_readonly(parsed)
        if isinstance(readonly, str):
            return readonly
        parsed = readonly
    else:
        connect_args["timeout"] = 10
    engine = create_async_engine(parsed, poolclass=NullPool, connect_args=connect_args)
    try:
        async with engine.connect() as connection:
            revision = await connection.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )
    except (SQLAlchemyError, OSError):
        return "the database does not exist or cannot be read"
    finally:
        await engine.dispose()
    head = head_revision()
    if revision is None:
        return "the database was never upgraded (run `fieldbot db upgrade`)"
    if revision != head:
        return f"the database is at revision {revision}, not {head} (run `fieldbot db upgrade`)"
    return None


def _existing_sqlite_readonly(parsed: URL) -> URL | str:
    """A read-only URL of an SQLite file that exists, or why there is none."""
    if parsed.database is None or parsed.database in ("", ":memory:"):
        return "the database is in memory"
    path = Path(parsed.database)
    if not path.is_file():
        return "the database file does not exist"
    return URL.create(
        parsed.drivername,
        database="file:" + quote(str(path.resolve())),
        query={"mode": "ro", "uri": "true"},
    )


class BackupRefused(Exception):
    """The configured database cannot be copied by ``fieldbot db backup``."""


def backup_sqlite(url: str, target: Path) -> int:
    """An online, consistent copy of the SQLite database at ``url`` into ``target``, made with
    SQLite's backup API in one step: it reads one committed snapshot while the bot goes on
    writing (WAL), and the copy replaces ``target`` only once complete. Returns its size in
    pages. The copy is a database like the original: point ``FIELDBOT_DATABASE_URL`` at it."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        raise BackupRefused(
            "the database is PostgreSQL: back it up with pg_dump "
            "(pg_dump --format=custom --file=FILE DBNAME; restore with pg_restore)"
        )
    missing = _existing_sqlite_readonly(parsed)
    if isinstance(missing, str):
        raise BackupRefused(missing)
    database = Path(str(parsed.database)).resolve()
    target = target.resolve()
    if target == database:
        raise BackupRefused("the backup file is the database itself")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    reader = sqlite3.connect(database)  # reads only; the file exists (checked above)
    try:
        writer = sqlite3.connect(partial)
        try:
            reader.backup(writer)  # all pages in one step: one snapshot
            pages = int(writer.execute("PRAGMA page_count").fetchone()[0])
        finally:
            writer.close()
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        reader.close()
    os.replace(partial, target)
    return pages
