"""``fieldbot staff list [--json]`` and ``fieldbot staff leave CODE`` through the real command
line on the sample company (SQLite; the services run on both databases)."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from zoneinfo import ZoneInfo

from typer.testing import CliRunner

from fieldbot.cli import app
from fieldbot.clock import SystemClock
from fieldbot.crypto import Cipher
from fieldbot.settings import load_settings
from fieldbot.store import Store


def _away_and_bound(url: str) -> str:
    """T02 away from today for two days, S01 bound to a chat; returns T02's last day."""

    async def go() -> str:
        config = load_settings(read_env_file=False)
        store = Store.open(url, Cipher.from_master_key(config.key_bytes()))
        now = SystemClock().now()
        today = now.astimezone(ZoneInfo("Asia/Shanghai")).date()
        try:
            async with store.unit_of_work() as uow:
                t02 = await uow.staff.require_id("T02")
                await uow.absences.add(
                    staff_id=t02,
                    starts_on=today,
                    ends_on=today + timedelta(days=2),
                    reason=None,
                    recorded_by=t02,
                    now=now,
                )
                await uow.staff.bind_telegram("S01", 2001, 2001)
                await uow.commit()
        finally:
            await store.close()
        return (today + timedelta(days=2)).isoformat()

    return asyncio.run(go())


def test_staff_list_json_shows_active_away_and_bound(cli_company: str, runner: CliRunner) -> None:
    until = _away_and_bound(cli_company)
    result = runner.invoke(app, ["staff", "list", "--json"])
    assert result.exit_code == 0, result.output
    staff = {entry["code"]: entry for entry in json.loads(result.stdout)}
    assert set(staff) >= {"S01", "T01", "T02", "M01", "A01"}
    assert staff["T02"] == {
        "code": "T02",
        "name": "Li Wei",
        "roles": ["technician"],
        "branch": "SH01",
        "active": True,
        "away_until": until,
        "bound": False,
    }
    assert staff["S01"]["bound"] is True and staff["S01"]["away_until"] is None
    assert staff["M01"]["branch"] is None

    table = runner.invoke(app, ["staff", "list"])
    assert table.exit_code == 0 and until in table.stdout


def test_staff_leave_without_a_terminal_asks_nothing_and_again_changes_nothing(
    cli_company: str, runner: CliRunner
) -> None:
    left = runner.invoke(app, ["staff", "leave", "T01"])
    assert left.exit_code == 0, left.output
    assert "van stock to SH01: P005×2" in left.stdout and "T01 has left" in left.stdout
    again = runner.invoke(app, ["staff", "leave", "T01", "--yes"])
    assert again.exit_code == 0 and "already left" in again.stdout
    listed = json.loads(runner.invoke(app, ["staff", "list", "--json"]).stdout)
    assert next(e for e in listed if e["code"] == "T01")["active"] is False
    unknown = runner.invoke(app, ["staff", "leave", "T99"])
    assert unknown.exit_code == 1 and "T99" in unknown.stderr
