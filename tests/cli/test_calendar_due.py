"""``fieldbot calendar due`` needs no key, creates nothing, and reads only an upgraded database.

DESIGN.md §8: it uses the configured database's overrides when that database exists and is
upgraded, otherwise the built-in calendar (the settings' hours and China's holidays).
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import uuid
from contextlib import closing
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url
from typer.testing import CliRunner, Result

from fieldbot.cli import app
from fieldbot.crypto import new_master_key

# 2026-09-14 is a Monday; 17:00 + 2 working hours is Tuesday 10:00 on the built-in calendar.
DUE = ["calendar", "due", "2026-09-14T17:00+08:00", "2"]
BUILT_IN = "2026-09-15T10:00:00+08:00"
WITH_HOLIDAY = "2026-09-16T10:00:00+08:00"  # the company holiday on Tuesday the 15th


@pytest.fixture
def no_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No FIELDBOT_* in the environment (the key neither), an empty working directory."""
    for name in list(os.environ):
        if name.startswith("FIELDBOT_") and not name.startswith("FIELDBOT_TEST"):
            monkeypatch.delenv(name)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


def built_in(result: Result) -> None:
    """The built-in calendar's answer on stdout, a one-line note on stderr, no traceback."""
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == BUILT_IN
    note = result.stderr.splitlines()
    assert len(note) == 1 and note[0].startswith("FIELDBOT_DATABASE_URL: "), result.stderr
    assert "built-in calendar" in note[0]
    assert "Traceback" not in result.output


def holiday_on_the_15th(runner: CliRunner, url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A company holiday added with the key, as an administrator would; then the key is gone."""
    monkeypatch.setenv("FIELDBOT_DATABASE_URL", url)
    monkeypatch.setenv("FIELDBOT_ENCRYPTION_KEY", new_master_key())
    added = runner.invoke(app, ["calendar", "holiday", "add", "2026-09-15"])
    assert added.exit_code == 0, added.output
    monkeypatch.delenv("FIELDBOT_ENCRYPTION_KEY")


def test_due_needs_no_encryption_key_and_reads_the_upgraded_databases_overrides(
    runner: CliRunner, db_url: str, no_settings: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    holiday_on_the_15th(runner, db_url, monkeypatch)
    result = runner.invoke(app, DUE)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == WITH_HOLIDAY
    assert result.stderr == ""  # the database was used: nothing to note


def test_due_without_a_configured_database_creates_no_file(
    runner: CliRunner, no_settings: Path
) -> None:
    built_in(runner.invoke(app, DUE))
    assert list(no_settings.iterdir()) == []  # no ./fieldbot.db, no -wal, no -shm
    with_branch = runner.invoke(app, [*DUE, "--branch", "SH01"])
    assert with_branch.exit_code == 1
    assert with_branch.stderr.startswith("--branch SH01: the database file does not exist")
    assert list(no_settings.iterdir()) == []


def test_due_on_a_missing_sqlite_path_creates_neither_the_file_nor_its_directory(
    runner: CliRunner, no_settings: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = no_settings / "var" / "fieldbot.db"
    monkeypatch.setenv("FIELDBOT_DATABASE_URL", f"sqlite+aiosqlite:///{target}")
    built_in(runner.invoke(app, DUE))
    assert list(no_settings.iterdir()) == []


@pytest.mark.parametrize("content", ["empty", "other-schema"])
def test_due_on_a_never_upgraded_sqlite_database_uses_the_built_in_calendar_and_changes_nothing(
    runner: CliRunner, no_settings: Path, monkeypatch: pytest.MonkeyPatch, content: str
) -> None:
    path = no_settings / "fieldbot.db"
    if content == "empty":
        path.touch()
    else:
        with closing(sqlite3.connect(path)) as connection:
            connection.execute("CREATE TABLE calendar_overrides (day TEXT)")
            connection.commit()
    before = path.read_bytes()
    monkeypatch.setenv("FIELDBOT_DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    result = runner.invoke(app, DUE)
    built_in(result)
    assert "never upgraded" in result.stderr and "fieldbot db upgrade" in result.stderr
    assert path.read_bytes() == before
    assert sorted(p.name for p in no_settings.iterdir()) == ["fieldbot.db"]


def test_due_on_a_file_that_is_not_a_database_uses_the_built_in_calendar(
    runner: CliRunner, no_settings: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = no_settings / "notes.txt"
    path.write_text("not a database at all\n" * 100)
    monkeypatch.setenv("FIELDBOT_DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    built_in(runner.invoke(app, DUE))
    assert path.read_text() == "not a database at all\n" * 100


def test_due_on_a_database_behind_the_current_revision_uses_the_built_in_calendar(
    runner: CliRunner, cli_db: str, no_settings: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    holiday_on_the_15th(runner, cli_db, monkeypatch)
    database = make_url(cli_db).database
    assert database is not None
    with closing(sqlite3.connect(database)) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0001'")
        connection.commit()
    result = runner.invoke(app, DUE)
    built_in(result)  # the holiday is not trusted from a schema this code does not know
    assert "revision 0001" in result.stderr


@pytest.mark.pg
def test_due_on_a_postgresql_database_that_does_not_exist_or_was_never_upgraded(
    runner: CliRunner,
    pg_server: object,
    no_settings: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    databases = getattr(pg_server, "databases", None)
    if databases is None:
        if os.environ.get("FIELDBOT_REQUIRE_PG") == "1":
            pytest.fail("PostgreSQL tests must run (FIELDBOT_REQUIRE_PG=1)", pytrace=False)
        pytest.skip("PostgreSQL unavailable")
    admin = databases.admin_url
    missing = f"fieldbot_missing_{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("FIELDBOT_DATABASE_URL", databases.url_for(missing))
    built_in(runner.invoke(app, DUE))

    empty = f"fieldbot_empty_{uuid.uuid4().hex[:8]}"
    dsn = admin.set(drivername="postgresql").render_as_string(hide_password=False)

    async def admin_sql(statement: str) -> None:
        connection = await asyncpg.connect(dsn, timeout=5)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(admin_sql(f'CREATE DATABASE "{empty}"'))
    try:
        monkeypatch.setenv("FIELDBOT_DATABASE_URL", databases.url_for(empty))
        result = runner.invoke(app, DUE)
        built_in(result)
        assert "never upgraded" in result.stderr
    finally:
        asyncio.run(admin_sql(f'DROP DATABASE "{empty}"'))
