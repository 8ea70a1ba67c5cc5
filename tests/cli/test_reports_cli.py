"""``fieldbot report daily|monthly`` write the workbook and chart of each branch; ``report list``
shows the branch reports with their approval (SQLite)."""

from __future__ import annotations

import asyncio
import io
import json
from datetime import UTC, date, datetime
from pathlib import Path

from openpyxl import load_workbook
from typer.testing import CliRunner

from fieldbot.cli import app
from fieldbot.crypto import Cipher
from fieldbot.i18n import Catalogs
from fieldbot.services import daily_reports
from fieldbot.settings import load_settings
from fieldbot.store import Store

DAY = date(2026, 9, 14)


def _made_and_approved(url: str) -> None:
    async def go() -> None:
        config = load_settings(read_env_file=False)
        store = Store.open(url, Cipher.from_master_key(config.key_bytes()))
        now = datetime(2026, 9, 14, 10, 0, tzinfo=UTC)
        try:
            async with store.unit_of_work() as uow:
                made = await daily_reports.make_daily_reports(
                    uow, config, Catalogs.load().translator, "SH01", DAY, now
                )
                assert made.branch_report is not None
                await daily_reports.approve_report(
                    uow, report_id=made.branch_report, actor="M01", now=now
                )
                await uow.commit()
        finally:
            await store.close()

    asyncio.run(go())


def test_report_daily_writes_the_files_and_report_list_the_approval(
    runner: CliRunner, cli_company: str, tmp_path: Path
) -> None:
    empty = runner.invoke(app, ["report", "list", "--json"])
    assert empty.exit_code == 0, empty.output
    assert json.loads(empty.stdout) == []
    out = tmp_path / "out"
    done = runner.invoke(app, ["report", "daily", "--date", "2026-09-14", "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert sorted(p.name for p in out.iterdir()) == [
        "daily-SH01-2026-09-14.png",
        "daily-SH01-2026-09-14.xlsx",
        "daily-SH02-2026-09-14.png",
        "daily-SH02-2026-09-14.xlsx",
    ]
    book = load_workbook(io.BytesIO((out / "daily-SH01-2026-09-14.xlsx").read_bytes()))
    assert [row[0].value for row in book.worksheets[0].iter_rows(min_row=2)] == [
        "T01",
        "T02",
        "T03",
        "合计",
    ]
    bad = runner.invoke(app, ["report", "daily", "--date", "14.09.2026"])
    assert bad.exit_code == 1 and "YYYY-MM-DD" in bad.stderr
    unknown = runner.invoke(app, ["report", "daily", "--date", "2026-09-14", "--branch", "XX"])
    assert unknown.exit_code == 1
    _made_and_approved(cli_company)
    listed = json.loads(runner.invoke(app, ["report", "list", "--json"]).stdout)
    assert [(r["date"], r["branch"], r["state"], r["decided_by"]) for r in listed] == [
        ("2026-09-14", "SH01", "approved", "M01")
    ]
    text = runner.invoke(app, ["report", "list"])
    assert "SH01" in text.stdout and "approved" in text.stdout


def test_report_monthly_writes_the_files_of_each_branch(
    runner: CliRunner, cli_company: str, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    done = runner.invoke(app, ["report", "monthly", "--month", "2026-09", "--out", str(out)])
    assert done.exit_code == 0, done.output
    names = [
        "monthly-SH01-2026-09.png",
        "monthly-SH01-2026-09.xlsx",
        "monthly-SH02-2026-09.png",
        "monthly-SH02-2026-09.xlsx",
    ]
    assert sorted(p.name for p in out.iterdir()) == names
    assert sorted(Path(line).name for line in done.stdout.split()) == names
    book = load_workbook(io.BytesIO((out / "monthly-SH02-2026-09.xlsx").read_bytes()))
    assert book.sheetnames == ["绩效", "评分", "关键指标"]
    assert [row[0].value for row in book.worksheets[0].iter_rows(min_row=2)] == [
        "T04",
        "T05",
        "合计",
    ]
    assert (out / "monthly-SH02-2026-09.png").read_bytes()[:4] == b"\x89PNG"
    one = runner.invoke(
        app, ["report", "monthly", "--month", "2026-09", "--branch", "SH01", "--out", str(out)]
    )
    assert one.exit_code == 0 and one.stdout.count("monthly-SH01") == 2
    for bad in ("2026-09-14", "09/2026"):
        refused = runner.invoke(app, ["report", "monthly", "--month", bad])
        assert refused.exit_code == 1 and "YYYY-MM" in refused.stderr
    unknown = runner.invoke(app, ["report", "monthly", "--month", "2026-09", "--branch", "XX"])
    assert unknown.exit_code == 1 and "XX" in unknown.stderr
