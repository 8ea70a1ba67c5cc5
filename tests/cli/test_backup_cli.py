"""`fieldbot db backup FILE`: a consistent copy of the SQLite database made while a writer holds
a transaction open, usable as the database; PostgreSQL is refused with pg_dump named."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fieldbot.cli import app
from tests.cli.test_jobs_cli import new_job


def test_a_backup_taken_while_writing_is_a_working_database(
    runner: CliRunner, cli_company: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    new = new_job(runner, "--at", "2026-09-30T16:00+08:00")
    assert new.exit_code == 0, new.output
    listed = runner.invoke(app, ["job", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    database = cli_company.removeprefix("sqlite+aiosqlite:///")
    writer = sqlite3.connect(database)
    writer.execute("BEGIN IMMEDIATE")  # the bot is mid-write: not committed, not copied
    writer.execute("UPDATE branches SET name = 'uncommitted'")
    copy = tmp_path / "backup" / "copy.db"
    copy.parent.mkdir()
    try:
        result = runner.invoke(app, ["db", "backup", str(copy)])
    finally:
        writer.rollback()
        writer.close()
    assert result.exit_code == 0, result.output
    assert "backed up" in result.output
    assert not copy.with_name("copy.db.partial").exists()
    with sqlite3.connect(copy) as check:
        assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        names = {row[0] for row in check.execute("SELECT name FROM branches")}
    assert "uncommitted" not in names
    monkeypatch.setenv("FIELDBOT_DATABASE_URL", f"sqlite+aiosqlite:///{copy}")
    restored = runner.invoke(app, ["job", "list", "--json"])
    assert restored.exit_code == 0, restored.output
    assert restored.output == listed.output
    assert new.stdout.splitlines()[0] in restored.output


def test_postgresql_is_refused_with_pg_dump_named(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FIELDBOT_DATABASE_URL", "postgresql+asyncpg://u@127.0.0.1:5432/fieldbot")
    monkeypatch.setenv("FIELDBOT_ENCRYPTION_KEY", "x" * 43 + "=")
    result = runner.invoke(app, ["db", "backup", str(tmp_path / "copy.db")])
    assert result.exit_code == 1
    assert "pg_dump" in result.output
    assert not (tmp_path / "copy.db").exists()
