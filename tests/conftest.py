"""Database fixtures for every test folder.

``db_url`` gives each test a freshly migrated database, once on SQLite and once on PostgreSQL
(ids ``sqlite`` / ``postgresql``; the latter marked ``pg``). The migrations run once per session
into a template: a SQLite file copied per test; a PostgreSQL database cloned with
``CREATE DATABASE … TEMPLATE`` and, once a test is done with it, reset to the template's state
for the next test (``FIELDBOT_TEST_PG_REUSE=0``: a new database every time); see
:class:`PgDatabases`. PostgreSQL comes from ``FIELDBOT_TEST_PG_URL``; when it is unreachable the
PostgreSQL tests are skipped, or fail when ``FIELDBOT_REQUIRE_PG=1`` (CI).

``store`` is an open :class:`fieldbot.store.Store` on that database with a fixed test key.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import asyncpg
import pytest
from sqlalchemy.engine import URL, make_url

from fieldbot.crypto import Cipher
from fieldbot.dbadmin import upgrade
from fieldbot.store import Store
from fieldbot.tables import metadata

PG_URL_ENV = "FIELDBOT_TEST_PG_URL"
REQUIRE_PG_ENV = "FIELDBOT_REQUIRE_PG"
DEFAULT_PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
PG_REUSE_ENV = "FIELDBOT_TEST_PG_REUSE"  # "0": a new database for every test
TEST_MASTER_KEY = bytes(range(32))

T = TypeVar("T")


def run_in_thread(factory: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine to completion on a private event loop in another thread.

    Fixture setup must not disturb the event loop pytest-asyncio gives each test.
    """

    async def main() -> T:
        return await factory()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, main()).result()


def _asyncpg_dsn(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


async def _admin(url: URL, *statements: str) -> None:
    connection = await asyncpg.connect(_asyncpg_dsn(url), timeout=5)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


_OWNED_SEQUENCES = """
SELECT seq.relname, tab.relname, col.attname
FROM pg_class seq
JOIN pg_depend dep ON dep.objid = seq.oid AND dep.deptype IN ('a', 'i')
JOIN pg_class tab ON tab.oid = dep.refobjid
JOIN pg_attribute col ON col.attrelid = tab.oid AND col.attnum = dep.refobjsubid
WHERE seq.relkind = 'S'
"""


class PgDatabases:
    """Test databases cloned from one migrated template, and reused.

    ``CREATE DATABASE … TEMPLATE`` copies the whole catalog and costs about a second on a
    busy machine, so a database a test is done with is put back to the template's state
    (other connections ended, every table emptied and refilled with the template's rows,
    sequences restarted) and handed to a later test. All are dropped at the end of the
    session. A test that changes the schema must not use ``db_url``.
    """

    def __init__(self, admin_url: URL, reuse: bool) -> None:
        self.admin_url = admin_url
        self.reuse = reuse
        self.template = f"fieldbot_tpl_{uuid.uuid4().hex[:12]}"
        self._free: list[str] = []
        self._made: list[str] = []
        self._pristine: dict[str, list[asyncpg.Record]] = {}

    def url_for(self, database: str) -> str:
        return self.admin_url.set(database=database).render_as_string(hide_password=False)

    def _dsn(self, database: str) -> str:
        return _asyncpg_dsn(self.admin_url.set(database=database))

    def create_template(self) -> None:
        run_in_thread(lambda: _admin(self.admin_url, f'CREATE DATABASE "{self.template}"'))
        self._made.append(self.template)
        run_in_thread(lambda: upgrade(self.url_for(self.template)))
        self._pristine = run_in_thread(self._snapshot)

    async def _snapshot(self) -> dict[str, list[asyncpg.Record]]:
        connection = await asyncpg.connect(self._dsn(self.template), timeout=5)
        try:
            return {
                table.name: await connection.fetch(f'SELECT * FROM "{table.name}"')
                for table in metadata.sorted_tables
            }
        finally:
            await connection.close()

    def acquire(self) -> str:
        if self._free:
            return self._free.pop()
        database = f"fieldbot_{uuid.uuid4().hex[:16]}"
        run_in_thread(
            lambda: _admin(
                self.admin_url,
                f'CREATE DATABASE "{database}" TEMPLATE "{self.template}"',
                f'ALTER DATABASE "{database}" SET synchronous_commit = off',
            )
        )
        self._made.append(database)
        return database

    def release(self, database: str) -> None:
        if self.reuse:
            try:
                run_in_thread(lambda: self._reset(database))
            except (OSError, asyncpg.PostgresError, TimeoutError):
                pass  # not reusable: dropped with the others at the end
            else:
                self._free.append(database)
                return
        self._drop(database)

    async def _reset(self, database: str) -> None:
        connection = await asyncpg.connect(self._dsn(database), timeout=5)
        try:
            await connection.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            async with connection.transaction():
                for table in reversed(metadata.sorted_tables):
                    await connection.execute(f'DELETE FROM "{table.name}"')
                for table in metadata.sorted_tables:
                    rows = self._pristine.get(table.name, [])
                    if rows:
                        columns = list(rows[0].keys())
                        names = ", ".join(f'"{c}"' for c in columns)
                        marks = ", ".join(f"${n}" for n in range(1, len(columns) + 1))
                        await connection.executemany(
                            f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})',
                            [tuple(row[c] for c in columns) for row in rows],
                        )
                for sequence, table_name, column in await connection.fetch(_OWNED_SEQUENCES):
                    await connection.execute(
                        f"SELECT setval('\"{sequence}\"', "
                        f'COALESCE((SELECT MAX("{column}") FROM "{table_name}"), 0) + 1, false)'
                    )
        finally:
            await connection.close()

    def _drop(self, database: str) -> None:
        run_in_thread(
            lambda: _admin(self.admin_url, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        )
        if database in self._made:
            self._made.remove(database)

    def close(self) -> None:
        self._free.clear()
        for database in [*reversed(self._made)]:
            self._drop(database)


@dataclass(frozen=True)
class PgServer:
    databases: PgDatabases | None
    error: str | None


@pytest.fixture(scope="session")
def test_master_key() -> bytes:
    return TEST_MASTER_KEY


@pytest.fixture(scope="session")
def cipher() -> Cipher:
    return Cipher.from_master_key(TEST_MASTER_KEY)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("db-template") / "template.db"
    run_in_thread(lambda: upgrade(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    admin_url = make_url(os.environ.get(PG_URL_ENV, DEFAULT_PG_URL))
    databases = PgDatabases(admin_url, reuse=os.environ.get(PG_REUSE_ENV, "1") != "0")
    try:
        databases.create_template()
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        where = admin_url.render_as_string(hide_password=True)
        databases.close()
        yield PgServer(None, f"PostgreSQL unreachable at {where}: {exc}")
        return
    try:
        yield PgServer(databases, None)
    finally:
        databases.close()


def _sqlite_db(template: Path, directory: Path) -> str:
    path = directory / "fieldbot.db"
    shutil.copyfile(template, path)
    for suffix in ("-wal", "-shm"):
        side = template.with_name(template.name + suffix)
        if side.exists():
            shutil.copyfile(side, path.with_name(path.name + suffix))
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.pg),
    ]
)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh migrated database for this test: its SQLAlchemy URL."""
    if request.param == "sqlite":
        yield _sqlite_db(request.getfixturevalue("sqlite_template"), tmp_path)
        return
    server: PgServer = request.getfixturevalue("pg_server")
    if server.databases is None:
        message = server.error or "PostgreSQL unavailable"
        if os.environ.get(REQUIRE_PG_ENV) == "1":
            pytest.fail(f"{message} ({REQUIRE_PG_ENV}=1: PostgreSQL tests must run)", pytrace=False)
        pytest.skip(message)
    database = server.databases.acquire()
    try:
        yield server.databases.url_for(database)
    finally:
        server.databases.release(database)


@pytest.fixture
async def store(db_url: str, cipher: Cipher) -> AsyncIterator[Store]:
    opened = Store.open(db_url, cipher)
    try:
        yield opened
    finally:
        await opened.close()
