"""``fieldbot customer export|erase`` and ``fieldbot audit access`` through the real command
line on the sample company (SQLite): who saw the phone, everything held, and after the erasure
no byte of the phone or the name in the database file or its WAL, with the chain intact."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fieldbot.cli import app, common
from fieldbot.clock import SystemClock
from fieldbot.crypto import Cipher
from fieldbot.services import dispatch
from fieldbot.settings import load_settings
from fieldbot.store import Store

NAME = "Bund Corner Café"  # C003
DIGITS = "13601710003"


def _raw(db_url: str) -> dict[str, bytes]:
    path = Path(db_url.split("///", 1)[1])
    files = [path.with_name(path.name + suffix) for suffix in ("", "-wal")]
    return {f.name: f.read_bytes() for f in files if f.exists()}


def _cancel(db_url: str, number: str) -> None:
    config = load_settings(read_env_file=False)

    async def go() -> None:
        store = Store.open(db_url, Cipher.from_master_key(config.key_bytes()))
        try:
            async with store.unit_of_work() as uow:
                await dispatch.cancel(
                    uow, config, SystemClock(), job=number, actor="S01", reason="withdrawn"
                )
                await uow.commit()
        finally:
            await store.close()

    asyncio.run(go())


def test_export_audit_access_and_erase(runner: CliRunner, cli_company: str, tmp_path: Path) -> None:
    created = runner.invoke(
        app,
        [
            "job", "new", "--customer", "C003", "--equipment", "CF21-0033", "--kind", "repair",
            "--priority", "general", "--fault", "leaks", "--json",
        ],
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    number = json.loads(created.stdout)["number"]

    shown = runner.invoke(app, ["job", "show", number, "--by", "alice"])
    assert shown.exit_code == 0, shown.output
    assert "phone         +8613601710003" in shown.stdout
    as_json = runner.invoke(app, ["job", "show", number, "--json", "--by", "alice"])
    assert json.loads(as_json.stdout)["customer_phone"] == "+8613601710003"

    exported = runner.invoke(app, ["customer", "export", "C003", "--by", "bob"])
    assert exported.exit_code == 0, exported.output
    data = json.loads(exported.stdout)
    assert (data["customer"]["name"], data["customer"]["phone"]) == (NAME, "+8613601710003")
    assert [j["number"] for j in data["jobs"]] == [number]
    out = tmp_path / "c003.json"
    assert runner.invoke(app, ["customer", "export", "C003", "--out", str(out)]).exit_code == 0
    assert json.loads(out.read_text(encoding="utf-8"))["customer"]["code"] == "C003"

    access = runner.invoke(app, ["audit", "access", "C003", "--json"])
    assert access.exit_code == 0, access.output
    rows = json.loads(access.stdout)
    assert [(r["who"], r["shown"], r["job"]) for r in rows][:3] == [
        ("cli:alice", "job_show", number),
        ("cli:alice", "job_show", number),
        ("cli:bob", "export", None),
    ]
    assert len(rows) == 4 and rows[0]["at"].endswith("+08:00")
    table = runner.invoke(app, ["audit", "access", "C003"])
    assert table.exit_code == 0 and "job_show" in table.stdout
    nobody = runner.invoke(app, ["audit", "access", "C004"])
    assert "nobody was shown" in nobody.stdout

    for args in (
        ["customer", "export", "C999"],
        ["customer", "erase", "C999", "--yes"],
        ["audit", "access", "C999"],
    ):
        unknown = runner.invoke(app, args)
        assert unknown.exit_code == 1 and "unknown customer" in unknown.stderr
    still_open = runner.invoke(app, ["customer", "erase", "C003", "--yes"])
    assert still_open.exit_code == 1 and number in still_open.stderr

    _cancel(cli_company, number)
    erased = runner.invoke(app, ["customer", "erase", "C003", "--by", "dpo"])  # not a tty
    assert erased.exit_code == 0, erased.output
    assert "C003: personal data erased by dpo; 1 job(s) kept" in erased.stdout
    for name, raw in _raw(cli_company).items():
        assert DIGITS.encode() not in raw, name
        assert NAME.encode() not in raw, name
    assert _raw(cli_company).get("fieldbot.db-wal", b"") == b""  # checkpointed, truncated
    verified = runner.invoke(app, ["audit", "verify"])
    assert verified.exit_code == 0 and "event log intact" in verified.stdout
    again = runner.invoke(app, ["customer", "erase", "C003", "--yes"])
    assert again.exit_code == 0 and "already erased" in again.stdout
    after = json.loads(runner.invoke(app, ["customer", "export", "C003"]).stdout)
    assert after["customer"]["phone"] == "" and after["jobs"][0]["state"] == "cancelled"
    shown_after = runner.invoke(app, ["job", "show", number])
    assert "phone         -" in shown_after.stdout


def test_erase_asks_on_a_terminal(
    runner: CliRunner, cli_company: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(common, "stdin_is_terminal", lambda: True)
    refused = runner.invoke(app, ["customer", "erase", "C004"], input="n\n")
    assert refused.exit_code == 1 and "nothing erased" in refused.stderr
    shown = json.loads(runner.invoke(app, ["customer", "export", "C004"]).stdout)
    assert shown["customer"]["erased_at"] is None
