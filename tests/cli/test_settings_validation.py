"""Settings that would fail later stop start-up: one line naming the variable, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from fieldbot.cli import app
from fieldbot.settings import Settings, SettingsError, load_settings

JOB_NEW = [
    "job",
    "new",
    "--customer",
    "C001",
    "--equipment",
    "IM25-0002",
    "--kind",
    "repair",
    "--priority",
    "general",
    "--fault",
    "no ice",
]

BAD = [
    pytest.param("DATABASE_URL", "garbage", "accepts sqlite+aiosqlite", id="garbage-url"),
    pytest.param("DATABASE_URL", "mysql://root@db/fieldbot", "postgresql+asyncpg", id="mysql"),
    pytest.param("DATABASE_URL", "postgresql+psycopg2://u@h/db", "accepts", id="other-driver"),
    pytest.param("DATABASE_URL", "postgresql+asyncpg://u@h", "names no database", id="no-db"),
    pytest.param("WORKING_HOURS", "25:00-26:00", "not a time of day", id="hour-25"),
    pytest.param("WORKING_HOURS", "09:60-10:00", "not a time of day", id="minute-60"),
    pytest.param("WORKING_HOURS", "18:00-09:00", "reversed", id="reversed"),
    pytest.param("WORKING_HOURS", "09:00-12:00,11:00-13:00", "overlaps", id="overlapping"),
    pytest.param("WORKING_HOURS", "13:00-18:00,09:00-12:00", "precedes", id="out-of-order"),
    pytest.param("WORKING_HOURS", "24:00-24:00", "24:00", id="starts-at-24"),
    pytest.param("WORKING_HOURS", "9 to 5", "HH:MM-HH:MM", id="not-windows"),
    pytest.param("INVITE_HOURS", "inf", "finite", id="inf"),
    pytest.param("ASSIGN_HOURS_GENERAL", "nan", "finite", id="nan"),
    pytest.param("URBAN_RADIUS_KM", "-inf", "finite", id="minus-inf"),
    pytest.param("GEOFENCE_M", "-1", "> 0", id="minus-one"),
    pytest.param("INVITE_HOURS", "-1", "> 0", id="negative-hours"),
    pytest.param("ARRIVAL_WORKING_HOURS_URBAN", "1e9", "<= 8760", id="huge-hours"),
    pytest.param("GEOFENCE_M", "100001", "<= 100000", id="geofence-over-100-km"),
    pytest.param("MAX_AMOUNT_FEN", "1" + "0" * 30, "<= 1000000000000", id="huge-fen"),
    pytest.param("SEND_RATE", "0", "> 0", id="zero-rate"),
    pytest.param("WEBHOOK_PORT", "70000", "<= 65535", id="port"),
    pytest.param("REMINDER_PERCENT", "100", "< 100", id="percent"),
    pytest.param("RENEWAL_NOTICE_DAYS", "4000", "<= 366", id="days"),
    pytest.param("SWEEP_SECONDS", "1e-400", "> 0", id="underflow"),
    pytest.param("SEND_BURST_PER_CHAT", "2.5", "whole number", id="fraction-for-int"),
    pytest.param("WEBHOOK_LISTEN", "not a host!", "IP address", id="listen"),
    pytest.param("BOT_USERNAME", "no spaces please", "Telegram username", id="username"),
    pytest.param("WEBHOOK_SECRET", "bad secret!", "A-Z", id="webhook-secret"),
]


def one_line_refusal(result: Result, variable: str) -> str:
    """Exit 1 with exactly one line on stderr that names the variable, and no traceback."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"FIELDBOT_{variable}: "), lines[0]
    assert "Traceback" not in result.output
    assert result.stdout == ""
    return lines[0]


@pytest.fixture
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No FIELDBOT_* from the outside, no .env, an empty working directory."""
    for name in list(os.environ):
        if name.startswith("FIELDBOT_") and not name.startswith("FIELDBOT_TEST"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(("variable", "value", "says"), BAD)
def test_a_bad_setting_stops_every_kind_of_command_with_one_line(
    runner: CliRunner,
    clean_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    value: str,
    says: str,
) -> None:
    monkeypatch.setenv(f"FIELDBOT_{variable}", value)
    for command in (["job", "list"], JOB_NEW, ["invite", "T01"], ["calendar", "show", "2026"]):
        line = one_line_refusal(runner.invoke(app, command), variable)
        assert says in line
        assert "accepts" in line or "expected" in line
    assert list(clean_env.iterdir()) == []  # nothing created on the way out


def test_inf_invite_hours_no_longer_overflows_invite_nor_job_new(
    runner: CliRunner, cli_company: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FIELDBOT_INVITE_HOURS", "inf")
    one_line_refusal(runner.invoke(app, ["invite", "T01"]), "INVITE_HOURS")
    monkeypatch.delenv("FIELDBOT_INVITE_HOURS")
    monkeypatch.setenv("FIELDBOT_ASSIGN_HOURS_GENERAL", "inf")
    one_line_refusal(runner.invoke(app, JOB_NEW), "ASSIGN_HOURS_GENERAL")
    monkeypatch.delenv("FIELDBOT_ASSIGN_HOURS_GENERAL")
    listed = runner.invoke(app, ["job", "list", "--json"])
    assert listed.exit_code == 0 and listed.stdout.strip() == "[]"  # nothing was registered


def test_a_database_url_refusal_never_repeats_the_password(
    runner: CliRunner, clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FIELDBOT_DATABASE_URL", "mysql://root:hunter2-secret@db:3306/fieldbot")
    line = one_line_refusal(runner.invoke(app, ["job", "list"]), "DATABASE_URL")
    assert "hunter2" not in line and "root" not in line


def test_a_bad_setting_in_the_env_file_names_the_variable_too(
    runner: CliRunner, clean_env: Path
) -> None:
    (clean_env / ".env").write_text("FIELDBOT_WORKING_HOURS=09:00-12:00,13:00-25:00\n")
    one_line_refusal(runner.invoke(app, ["job", "list"]), "WORKING_HOURS")


def test_the_real_entry_point_prints_one_line_and_no_traceback(clean_env: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIELDBOT_")}
    for variable, value in (("DATABASE_URL", "garbage"), ("INVITE_HOURS", "nan")):
        done = subprocess.run(
            [sys.executable, "-m", "fieldbot", "invite", "T01"],
            env={**env, f"FIELDBOT_{variable}": value},
            cwd=clean_env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 1, done.stderr
        assert done.stderr.splitlines() == [done.stderr.strip()]
        assert done.stderr.startswith(f"FIELDBOT_{variable}: ")
        assert "Traceback" not in done.stderr and done.stdout == ""
    assert list(clean_env.iterdir()) == []


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("sqlite+aiosqlite:///fieldbot.db", "sqlite+aiosqlite:///fieldbot.db"),
        ("sqlite+aiosqlite://", "sqlite+aiosqlite://"),
        ("postgresql+asyncpg://u:p@h:5432/db", "postgresql+asyncpg://u:p@h:5432/db"),
        ("postgresql://u:p@h:5432/db", "postgresql+asyncpg://u:p@h:5432/db"),
        ("postgres://u@h/db", "postgresql+asyncpg://u@h/db"),
    ],
)
def test_the_supported_databases_are_accepted_and_plain_postgresql_means_asyncpg(
    given: str, kept: str
) -> None:
    assert load_settings({"database_url": given}, read_env_file=False).database_url == kept


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("09:00-12:00,13:00-18:00", "09:00-12:00,13:00-18:00"),
        ("09:00 - 12:00, 13:00 - 18:00", "09:00-12:00,13:00-18:00"),
        ("9:00-17:30", "09:00-17:30"),
        ("00:00-24:00", "00:00-24:00"),
    ],
)
def test_working_hours_the_calendar_reads_are_accepted(given: str, kept: str) -> None:
    assert load_settings({"working_hours": given}, read_env_file=False).working_hours == kept


def test_every_number_setting_has_a_finite_range() -> None:
    """No numeric setting is left unbounded: each states a lower and an upper limit."""
    for name, field in Settings.model_fields.items():
        if field.annotation not in (int, float):
            continue
        kinds = {type(bound).__name__ for bound in field.metadata}
        assert kinds & {"Gt", "Ge"} and kinds & {"Lt", "Le"}, name
        assert field.description, name
        with pytest.raises(SettingsError, match=f"^FIELDBOT_{name.upper()}: .*accepts"):
            load_settings({name: "inf"}, read_env_file=False)
