"""The admin commands: keygen, db upgrade, import, audit verify, settings refusals."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fieldbot.cli import app
from fieldbot.crypto import decode_master_key
from tests.cli.conftest import EXAMPLES


def test_keygen_prints_a_32_byte_key(runner: CliRunner) -> None:
    result = runner.invoke(app, ["keygen"])
    assert result.exit_code == 0
    assert len(decode_master_key(result.stdout.strip())) == 32


def test_db_upgrade_twice_is_harmless(runner: CliRunner, cli_db: str) -> None:
    first = runner.invoke(app, ["db", "upgrade"])
    second = runner.invoke(app, ["db", "upgrade"])
    assert first.exit_code == 0 and second.exit_code == 0, second.output
    assert "revision" in second.stdout


def test_import_reports_counts_and_reimport_is_unchanged(runner: CliRunner, cli_db: str) -> None:
    first = runner.invoke(app, ["import", "branches", str(EXAMPLES / "branches.csv")])
    assert first.exit_code == 0, first.output
    assert first.stdout.strip() == "branches: 2 added, 0 updated, 0 unchanged"
    again = runner.invoke(app, ["import", "branches", str(EXAMPLES / "branches.csv"), "--json"])
    assert again.exit_code == 0
    assert '"unchanged": 2' in again.stdout


def test_a_bad_csv_exits_1_with_file_line_and_column(
    runner: CliRunner, cli_db: str, tmp_path: Path
) -> None:
    bad = tmp_path / "branches.csv"
    bad.write_text("code,name,latitude,longitude\nSH09,Test,95.0,121.0\n", encoding="utf-8")
    result = runner.invoke(app, ["import", "branches", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:2: latitude:" in result.stderr


def test_an_unknown_kind_is_wrong_usage(runner: CliRunner, cli_db: str) -> None:
    result = runner.invoke(app, ["import", "planets", str(EXAMPLES / "branches.csv")])
    assert result.exit_code == 2


def test_audit_verify_finds_an_altered_event(runner: CliRunner, cli_company: str) -> None:
    assert runner.invoke(app, ["audit", "verify"]).exit_code == 0
    path = cli_company.removeprefix("sqlite+aiosqlite:///")
    with sqlite3.connect(path) as db:
        db.execute("UPDATE events SET payload = '{\"added\": 999}' WHERE seq = 2")
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 1
    assert "#2" in result.stderr


def test_a_malformed_setting_stops_with_one_line_naming_it(
    runner: CliRunner, cli_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FIELDBOT_GEOFENCE_M", "five hundred")
    result = runner.invoke(app, ["import", "branches", str(EXAMPLES / "branches.csv")])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("FIELDBOT_GEOFENCE_M:")


def test_a_missing_encryption_key_is_named(
    runner: CliRunner, cli_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FIELDBOT_ENCRYPTION_KEY")
    result = runner.invoke(app, ["import", "branches", str(EXAMPLES / "branches.csv")])
    assert result.exit_code == 1
    assert result.stderr.strip().startswith("FIELDBOT_ENCRYPTION_KEY:")
