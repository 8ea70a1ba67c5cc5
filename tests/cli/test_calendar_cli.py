"""``fieldbot calendar`` through the real command line on a temporary SQLite database."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from fieldbot.cli import app


def test_due_counts_working_hours_across_national_day(runner: CliRunner, cli_db: str) -> None:
    result = runner.invoke(app, ["calendar", "due", "2026-09-30T16:00+08:00", "6"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "2026-10-08T14:00:00+08:00"


def test_due_reads_a_naive_start_in_the_calendar_timezone_and_takes_fractions(
    runner: CliRunner, cli_db: str
) -> None:
    result = runner.invoke(app, ["calendar", "due", "2026-09-14T11:30", "1.25"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "2026-09-14T13:45:00+08:00"
    from_utc = runner.invoke(app, ["calendar", "due", "2026-09-14T03:30:00Z", "0.5"])
    assert from_utc.stdout.strip() == "2026-09-14T12:00:00+08:00"  # ends with the window


def test_a_company_holiday_moves_due_and_removing_it_moves_it_back(
    runner: CliRunner, cli_db: str
) -> None:
    due = ["calendar", "due", "2026-09-14T17:00+08:00", "2"]
    assert runner.invoke(app, due).stdout.strip() == "2026-09-15T10:00:00+08:00"

    added = runner.invoke(app, ["calendar", "holiday", "add", "2026-09-15"])
    assert added.exit_code == 0, added.output
    assert "holiday" in added.stdout and "company-wide" in added.stdout
    assert runner.invoke(app, due).stdout.strip() == "2026-09-16T10:00:00+08:00"

    again = runner.invoke(app, ["calendar", "holiday", "add", "2026-09-15"])
    assert again.exit_code == 0 and "nothing changed" in again.stdout

    removed = runner.invoke(app, ["calendar", "holiday", "remove", "2026-09-15"])
    assert removed.exit_code == 0 and "removed" in removed.stdout
    assert runner.invoke(app, due).stdout.strip() == "2026-09-15T10:00:00+08:00"


def test_a_branch_workday_applies_to_that_branch_only(runner: CliRunner, cli_company: str) -> None:
    saturday = "2026-09-19"
    assert (
        runner.invoke(app, ["calendar", "workday", "add", saturday, "--branch", "SH02"]).exit_code
        == 0
    )
    friday_evening = ["calendar", "due", "2026-09-18T17:00+08:00", "2"]
    sh02 = runner.invoke(app, [*friday_evening, "--branch", "SH02"])
    sh01 = runner.invoke(app, [*friday_evening, "--branch", "SH01"])
    assert sh02.stdout.strip() == "2026-09-19T10:00:00+08:00"
    assert sh01.stdout.strip() == "2026-09-20T10:00:00+08:00"  # the official make-up Sunday


def test_show_lists_holidays_make_up_days_and_marks_overrides(
    runner: CliRunner, cli_company: str
) -> None:
    runner.invoke(app, ["calendar", "holiday", "add", "2026-12-31", "--branch", "SH01"])
    result = runner.invoke(app, ["calendar", "show", "2026", "--branch", "SH01"])
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "make-up working days of 2026: known" in text
    assert "2026-10-01 Thu  holiday" in text and "国庆节" in text
    assert "2026-09-20 Sun  make-up working day" in text
    line = next(line for line in text.splitlines() if line.strip().startswith("2026-12-31"))
    assert "override: holiday (branch)" in line and "off" in line
    company = runner.invoke(app, ["calendar", "show", "2026"])
    assert "2026-12-31" not in company.stdout


def test_show_json_is_a_list_of_every_day(runner: CliRunner, cli_db: str) -> None:
    runner.invoke(app, ["calendar", "workday", "add", "2026-10-04"])
    result = runner.invoke(app, ["calendar", "show", "2026", "--json"])
    assert result.exit_code == 0, result.output
    days = json.loads(result.stdout)
    assert len(days) == 365
    by_date = {d["date"]: d for d in days}
    assert by_date["2026-10-01"]["kind"] == "holiday" and not by_date["2026-10-01"]["working"]
    assert by_date["2026-10-10"]["kind"] == "makeup_workday" and by_date["2026-10-10"]["working"]
    assert by_date["2026-10-04"] | {"name": None} == {
        "date": "2026-10-04",
        "weekday": "Sun",
        "kind": "weekend",
        "working": True,
        "name": None,
        "override": "workday",
        "override_scope": "company",
        "official_known": True,
    }


def test_show_says_when_the_official_make_up_days_are_unknown(
    runner: CliRunner, cli_db: str
) -> None:
    result = runner.invoke(app, ["calendar", "show", "2028"])
    assert result.exit_code == 0, result.output
    assert "make-up working days of 2028: unknown" in result.stdout
    as_json = json.loads(runner.invoke(app, ["calendar", "show", "2028", "--json"]).stdout)
    assert len(as_json) == 366 and not any(d["official_known"] for d in as_json)


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["calendar", "holiday", "add", "2026-02-30"], "not a date"),
        (["calendar", "workday", "remove", "tomorrow"], "not a date"),
        (["calendar", "holiday", "add", "2026-10-09", "--branch", "XX99"], "unknown branch"),
        (["calendar", "due", "yesterday", "6"], "not an ISO 8601"),
        (["calendar", "due", "2026-09-30T16:00", "six"], "not a number"),
        (["calendar", "due", "2026-09-30T16:00", "nan"], "zero or more"),
        (["calendar", "due", "2026-09-30T16:00", "2", "--branch", "XX99"], "unknown branch"),
        (["calendar", "show", "2026", "--branch", "XX99"], "unknown branch"),
        (["calendar", "show", "0"], "out of range"),
    ],
)
def test_bad_data_exits_1_with_the_reason_on_stderr(
    runner: CliRunner, cli_db: str, args: list[str], reason: str
) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    assert reason in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    "args",
    [
        ["calendar", "show"],
        ["calendar", "show", "twenty"],
        ["calendar", "due", "2026-09-30T16:00"],
        ["calendar", "holiday", "move", "2026-10-09"],
        ["calendar", "workday", "add"],
    ],
)
def test_wrong_usage_exits_2(runner: CliRunner, cli_db: str, args: list[str]) -> None:
    assert runner.invoke(app, args).exit_code == 2


def test_a_holiday_added_from_the_command_line_moves_a_running_arrival_deadline(
    runner: CliRunner, cli_company: str
) -> None:
    from tests.cli.test_jobs_cli import new_job

    created = new_job(runner, "--at", "2026-09-30T16:00+08:00", "--json")
    assert created.exit_code == 0, created.output
    before = runner.invoke(app, ["job", "show", _number(created.stdout), "--json"])
    assert '"arrival": "2026-10-08T15:00:00+08:00"' in before.stdout  # suburban: 7 h
    added = runner.invoke(app, ["calendar", "holiday", "add", "2026-10-08"])
    assert added.exit_code == 0, added.output
    after = runner.invoke(app, ["job", "show", _number(created.stdout), "--json"])
    assert '"arrival": "2026-10-09T15:00:00+08:00"' in after.stdout  # a day later


def _number(output: str) -> str:
    import re

    found = re.search(r"J\d{8}-\d{3}", output)
    assert found is not None, output
    return found.group(0)
