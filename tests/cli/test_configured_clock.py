"""Every command takes business time from the configured clock (``FIELDBOT_CLOCK=sandbox`` too).

A sandbox runs on its own event loop in a thread, as it would in another process, with its
simulated clock set far from the wall clock: a command that read the wall clock would be seen.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from fieldbot.cli import app
from fieldbot.sandbox.server import SandboxServer

SIMULATED = datetime(2031, 3, 5, 2, 15, tzinfo=UTC)  # a Wednesday, 10:15 in Shanghai


@pytest.fixture
def sandbox_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[SandboxServer]:
    """A sandbox serving its simulated clock; FIELDBOT_CLOCK=sandbox points at it."""
    server = SandboxServer(now=SIMULATED)
    loop = asyncio.new_event_loop()
    started = threading.Event()
    stop = asyncio.Event()
    base_url: list[str] = []

    async def main() -> None:
        base_url.append(await server.start())
        started.set()
        await stop.wait()
        await server.stop()

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    assert started.wait(timeout=30), "the sandbox did not start"
    monkeypatch.setenv("FIELDBOT_CLOCK", "sandbox")
    monkeypatch.setenv("FIELDBOT_BOT_API_URL", base_url[0])
    try:
        yield server
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=30)
        loop.close()


def test_job_new_records_job_registered_at_the_sandbox_time_not_wall_time(
    runner: CliRunner, cli_company: str, sandbox_clock: SandboxServer
) -> None:
    result = runner.invoke(
        app,
        [
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
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    created = json.loads(result.stdout)
    assert created["number"] == "J20310305-001"  # the call's date is the simulated one
    assert created["called_at"] == "2031-03-05T10:15:00+08:00"
    shown = runner.invoke(app, ["job", "show", created["number"], "--json"])
    events = json.loads(shown.stdout)["events"]
    registered = next(e for e in events if e["kind"] == "job.registered")
    assert registered["at"] == "2031-03-05T10:15:00+08:00"


def test_calendar_overrides_and_imports_are_recorded_at_the_sandbox_time(
    runner: CliRunner, cli_company: str, sandbox_clock: SandboxServer, tmp_path: Path
) -> None:
    added = runner.invoke(app, ["calendar", "holiday", "add", "2031-03-06"])
    assert added.exit_code == 0, added.output
    parts = tmp_path / "parts.csv"
    parts.write_text("code,name,unit_price,warranty_eligible\nP-CLOCK,Clock spring,12,yes\n")
    imported = runner.invoke(app, ["import", "parts", str(parts)])
    assert imported.exit_code == 0, imported.output

    at = event_times(cli_company)
    assert at["calendar.override_set"] == [SIMULATED]
    assert at["import"][-1] == SIMULATED  # the sample company itself was imported before


def event_times(url: str) -> dict[str, list[datetime]]:
    """Each event kind's instants, read straight from the SQLite file."""
    database = make_url(url).database
    assert database is not None
    found: dict[str, list[datetime]] = {}
    with closing(sqlite3.connect(database)) as connection:
        for kind, at in connection.execute("SELECT kind, at FROM events ORDER BY seq"):
            instant = datetime.fromisoformat(str(at))
            if instant.tzinfo is None:
                instant = instant.replace(tzinfo=UTC)
            found.setdefault(kind, []).append(instant.astimezone(UTC))
    return found


def test_an_unreachable_sandbox_clock_is_one_line_naming_the_variable(
    runner: CliRunner, cli_company: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FIELDBOT_CLOCK", "sandbox")
    monkeypatch.setenv("FIELDBOT_BOT_API_URL", "http://127.0.0.1:9")  # discard: nobody listens
    result = runner.invoke(app, ["calendar", "holiday", "add", "2031-03-06"])
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("FIELDBOT_CLOCK: sandbox, but cannot read")
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.output
