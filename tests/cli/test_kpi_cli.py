"""``fieldbot kpi`` through the real command line on the sample company (SQLite): the JSON of
DESIGN.md §8 exactly, the table, the period and scope options and the exit codes."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from zoneinfo import ZoneInfo

from typer.testing import CliRunner

from fieldbot.cli import app
from fieldbot.clock import SystemClock
from fieldbot.crypto import Cipher
from fieldbot.domain.kpis import KPI_NAMES
from fieldbot.services.complaints import file_by_staff, record_contact
from fieldbot.settings import load_settings
from fieldbot.store import Store

KEYS = {"name", "value_percent", "target_percent", "met", "numerator", "denominator"}


def _complaint_replied(url: str) -> None:
    """A complaint filed now and replied to at once by the supervisor's call."""
    config = load_settings(read_env_file=False)
    clock = SystemClock()

    async def go() -> None:
        store = Store.open(url, Cipher.from_master_key(config.key_bytes()))
        try:
            async with store.unit_of_work() as uow:
                filed = await file_by_staff(
                    uow, config, clock, actor="S01", description="late", customer="C001"
                )
                await record_contact(
                    uow,
                    config,
                    clock,
                    complaint=filed.id,
                    actor="S01",
                    kind="call",
                    at=clock.now(),
                    outcome="apologised",
                )
                await uow.commit()
        finally:
            await store.close()

    asyncio.run(go())


def test_kpi_json_is_the_contract_of_design_8(runner: CliRunner, cli_company: str) -> None:
    _complaint_replied(cli_company)
    result = runner.invoke(app, ["kpi", "--json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert set(found) == {"period", "scope", "kpis"}
    assert found["period"] == datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")
    assert found["scope"] == "company"
    assert [k["name"] for k in found["kpis"]] == [n.value for n in KPI_NAMES]
    assert all(set(k) == KEYS for k in found["kpis"])
    by = {k["name"]: k for k in found["kpis"]}
    assert by["complaints_replied"] == {
        "name": "complaints_replied",
        "value_percent": 100.0,
        "target_percent": 100,
        "met": True,
        "numerator": 1,
        "denominator": 1,
    }
    assert by["resolution_rate"] == {
        "name": "resolution_rate",
        "value_percent": None,  # nothing stopped: no value, and nothing was missed
        "target_percent": 95,
        "met": True,
        "numerator": 0,
        "denominator": 0,
    }
    assert by["satisfaction"]["target_percent"] == 85

    month = json.loads(
        runner.invoke(app, ["kpi", "--month", "2026-09", "--branch", "sh01", "--json"]).output
    )
    assert (month["period"], month["scope"]) == ("2026-09", "branch:SH01")
    day = json.loads(
        runner.invoke(app, ["kpi", "--date", "2026-09-14", "--technician", "T01", "--json"]).output
    )
    assert (day["period"], day["scope"]) == ("2026-09-14", "technician:T01")

    table = runner.invoke(app, ["kpi", "--month", "2026-09"])
    assert table.exit_code == 0
    lines = table.output.strip().splitlines()
    assert lines[0].startswith("KPIs 2026-09 company")
    assert len(lines) == 1 + len(KPI_NAMES)
    assert lines[1].split()[0] == "resolution_rate" and "target  95 %" in lines[1]


def test_kpi_refuses_unknown_scopes_and_wrong_usage(runner: CliRunner, cli_company: str) -> None:
    for args in (["--branch", "XX"], ["--technician", "S01"], ["--technician", "NOBODY"]):
        refused = runner.invoke(app, ["kpi", *args])
        assert refused.exit_code == 1, (args, refused.output)
    for args in (
        ["--month", "2026-9"],
        ["--month", "2026-13"],
        ["--date", "2026-09"],
        ["--month", "2026-09", "--date", "2026-09-14"],
        ["--branch", "SH01", "--technician", "T01"],
    ):
        assert runner.invoke(app, ["kpi", *args]).exit_code == 2, args
