"""``fieldbot complaints list`` through the real command line on the sample company (SQLite)."""

from __future__ import annotations

import asyncio
import json

from typer.testing import CliRunner

from fieldbot.cli import app
from fieldbot.clock import SystemClock
from fieldbot.crypto import Cipher
from fieldbot.services.complaints import file_by_staff
from fieldbot.settings import load_settings
from fieldbot.store import Store


def _file(url: str, **about: str) -> str:
    config = load_settings(read_env_file=False)

    async def go() -> str:
        store = Store.open(url, Cipher.from_master_key(config.key_bytes()))
        try:
            async with store.unit_of_work() as uow:
                filed = await file_by_staff(
                    uow, config, SystemClock(), actor="S01", description="late", **about
                )
                await uow.commit()
                return filed.number
        finally:
            await store.close()

    return asyncio.run(go())


def test_the_register_lists_state_class_and_clocks(runner: CliRunner, cli_company: str) -> None:
    empty = runner.invoke(app, ["complaints", "list"])
    assert empty.exit_code == 0 and "no complaints" in empty.output
    first = _file(cli_company, customer="C003")
    second = _file(cli_company, customer="C001")
    result = runner.invoke(app, ["complaints", "list"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert [line.split()[0] for line in lines] == [first, second]
    assert "C003" in lines[0] and "open" in lines[0] and "unclassified" in lines[0]
    assert "complaint_reply due" in lines[0] and "complaint_verify due" in lines[0]
    as_json = runner.invoke(app, ["complaints", "list", "--json", "--branch", "SH01"])
    rows = json.loads(as_json.output)
    assert rows[0]["number"] == first and rows[0]["source"] == "staff"
    assert [c["clock"] for c in rows[0]["clocks"]] == ["complaint_reply", "complaint_verify"]
    assert rows[0]["clocks"][0]["state"] == "running"
    unknown = runner.invoke(app, ["complaints", "list", "--branch", "XX"])
    assert unknown.exit_code == 1
