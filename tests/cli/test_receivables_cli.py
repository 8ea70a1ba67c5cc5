"""``fieldbot receivables list`` and the ``settlement`` of ``fieldbot job show --json``
through the real command line on the sample company (SQLite)."""

from __future__ import annotations

import asyncio
import json

from typer.testing import CliRunner

from fieldbot.cli import app
from fieldbot.clock import SystemClock
from fieldbot.crypto import Cipher
from fieldbot.settings import load_settings
from fieldbot.store import Store


def _store(url: str) -> Store:
    config = load_settings(read_env_file=False)
    return Store.open(url, Cipher.from_master_key(config.key_bytes()))


def _invoice(url: str, number: str, invoice: str) -> int:
    """An invoice settles the job (as the technician's Invoice does); returns its id."""

    async def go() -> int:
        store = _store(url)
        try:
            async with store.unit_of_work() as uow:
                job = await uow.jobs.by_number(number)
                assert job is not None and job.id is not None
                settled = await uow.fieldwork.settle(
                    job_id=job.id,
                    method="invoice",
                    amount_fen=123450,
                    invoice_number=invoice,
                    now=SystemClock().now(),
                )
                await uow.commit()
                return settled.id
        finally:
            await store.close()

    return asyncio.run(go())


def _paid(url: str, settlement_id: int) -> None:
    async def go() -> None:
        store = _store(url)
        try:
            async with store.unit_of_work() as uow:
                staff_id = await uow.staff.require_id("A01")
                assert await uow.fieldwork.record_paid(settlement_id, staff_id, SystemClock().now())
                await uow.commit()
        finally:
            await store.close()

    asyncio.run(go())


def _new_job(runner: CliRunner) -> str:
    result = runner.invoke(
        app,
        [
            "job",
            "new",
            "--customer",
            "C003",
            "--equipment",
            "CF21-0033",
            "--kind",
            "repair",
            "--priority",
            "general",
            "--fault",
            "leaks",
        ],
    )
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()[0]


def test_receivables_list_prints_the_unpaid_invoices_and_job_show_the_settlement(
    runner: CliRunner, cli_company: str
) -> None:
    empty = runner.invoke(app, ["receivables", "list", "--json"])
    assert empty.exit_code == 0, empty.output
    assert json.loads(empty.stdout) == []
    number = _new_job(runner)
    shown = json.loads(runner.invoke(app, ["job", "show", number, "--json"]).stdout)
    assert shown["settlement"] is None
    settlement_id = _invoice(cli_company, number, "INV-2026-0042")

    listed = runner.invoke(app, ["receivables", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    (row,) = json.loads(listed.stdout)
    assert set(row) == {
        "job",
        "branch",
        "customer",
        "amount_fen",
        "invoice_number",
        "issued_at",
        "due_at",
        "days_open",
        "overdue",
    }
    assert (row["job"], row["branch"], row["customer"]) == (number, "SH01", "C003")
    assert (row["amount_fen"], row["invoice_number"]) == (123450, "INV-2026-0042")
    assert row["days_open"] == 0 and row["overdue"] is False
    assert row["issued_at"].endswith("+08:00") and row["due_at"] > row["issued_at"]
    text = runner.invoke(app, ["receivables", "list"])
    assert number in text.stdout and "¥1,234.50" in text.stdout and "INV-2026-0042" in text.stdout
    other = runner.invoke(app, ["receivables", "list", "--branch", "SH02", "--json"])
    assert json.loads(other.stdout) == []
    unknown = runner.invoke(app, ["receivables", "list", "--branch", "XX99"])
    assert unknown.exit_code == 1

    shown = json.loads(runner.invoke(app, ["job", "show", number, "--json"]).stdout)
    assert shown["settlement"] == {
        "method": "invoice",
        "amount_fen": 123450,
        "invoice_number": "INV-2026-0042",
        "paid_at": None,
    }
    _paid(cli_company, settlement_id)
    shown = json.loads(runner.invoke(app, ["job", "show", number, "--json"]).stdout)
    assert shown["settlement"]["paid_at"] is not None
    assert json.loads(runner.invoke(app, ["receivables", "list", "--json"]).stdout) == []
    plain = runner.invoke(app, ["job", "show", number])
    assert "settlement    invoice 123450 fen invoice INV-2026-0042 paid" in plain.stdout
