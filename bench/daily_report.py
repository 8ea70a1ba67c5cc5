"""The end-of-day reports of one branch with many technicians (issue 15, item 5: 2,000
technicians' XLSX + PNG + chat summaries in under 10 s), against a floor taken in the same run.

A fresh database (a temporary SQLite file, or a new database on the PostgreSQL server of
``--db``) is migrated and seeded with a branch of ``technicians`` technicians and their day
(:mod:`bench.report_day`). Then the reports are produced as the scheduler's step does it
(:func:`fieldbot.scheduler._sweep_daily_reports`): :func:`prepare_reports` in a read-only unit
of work, :func:`render_files`, then :func:`file_reports` with the step fired and committed.
The figures of the produced report are checked against what was seeded.

The floor: bare openpyxl writing the same cells (values and number formats) into a workbook,
and bare matplotlib drawing the same bars with the same font into a PNG, no fieldbot code;
taken before and after fieldbot's run, the mean of the two.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

import fieldbot
from bench.report_day import (
    BRANCH,
    DAY,
    LANGUAGE,
    UNTIL,
    FiguresChanged,
    check,
    check_workbook,
    seed,
)
from fieldbot import tables as t
from fieldbot.crypto import Cipher
from fieldbot.dbadmin import upgrade
from fieldbot.domain.reports import SERVICE_TYPES, BranchDay, branch_from_json
from fieldbot.domain.sla import day_number
from fieldbot.i18n import Catalogs
from fieldbot.sandbox.harness import fresh_database, sandbox_settings
from fieldbot.services.daily_reports import file_reports, prepare_reports, render_files
from fieldbot.settings import Settings
from fieldbot.store import Store

GOAL_SECONDS = 10.0
FULL_TECHNICIANS = 2000
QUICK_TECHNICIANS = 50
FONT = Path(fieldbot.__file__).parent / "documents" / "fonts" / "FieldbotCJK.ttf"


@dataclass(frozen=True, slots=True)
class Result:
    technicians: int
    database: str
    seed_seconds: float
    figures_seconds: float  # prepare_reports
    render_seconds: float  # render_files: XLSX + PNG
    file_seconds: float  # file_reports: reports, files, chat summaries, committed
    floor_seconds: float
    workbook_bytes: int
    chart_bytes: int
    messages: int  # chat summaries and files queued in the outbox
    checked: dict[str, int]  # the totals that matched what was seeded

    @property
    def seconds(self) -> float:
        return self.figures_seconds + self.render_seconds + self.file_seconds

    @property
    def ratio(self) -> float:
        return self.seconds / self.floor_seconds

    @property
    def goal_met(self) -> bool:
        return self.seconds < GOAL_SECONDS

    def as_json(self) -> dict[str, Any]:
        return {
            "technicians": self.technicians,
            "database": self.database,
            "seed_seconds": self.seed_seconds,
            "figures_seconds": self.figures_seconds,
            "render_seconds": self.render_seconds,
            "file_seconds": self.file_seconds,
            "seconds": self.seconds,
            "floor_seconds": self.floor_seconds,
            "ratio": self.ratio,
            "goal_seconds": GOAL_SECONDS,
            "goal_met": self.goal_met,
            "workbook_bytes": self.workbook_bytes,
            "chart_bytes": self.chart_bytes,
            "messages": self.messages,
            "checked": self.checked,
        }


# --- the floor -------------------------------------------------------------------------------


def floor_files(figures: BranchDay) -> float:
    """Seconds for bare openpyxl and bare matplotlib to make the same cells and bars."""
    started = time.perf_counter()
    _bare_workbook(figures)
    _bare_chart(figures)
    return time.perf_counter() - started


def _bare_workbook(day: BranchDay) -> bytes:
    from openpyxl import Workbook

    def hours(minutes: int) -> Decimal:
        return (Decimal(minutes) / 60).quantize(Decimal("0.01"))

    book = Workbook()
    book.remove(book.active)
    kinds = SERVICE_TYPES[:3]
    technicians = [
        [x.code, x.name]
        + [x.line(k).jobs for k in kinds]
        + [hours(x.line(k).minutes) for k in kinds]
        + [hours(x.admin_minutes), hours(x.minutes)]
        for x in day.technicians
    ]
    parts = [[x.code, p.code, p.name, p.quantity] for x in day.technicians for p in x.parts]
    cash = [
        [x.code, x.name, Decimal(x.cash_collected_fen) / 100, Decimal(x.cash_held_fen) / 100]
        for x in day.technicians
    ]
    branch = [[f"figure {n}", n] for n in range(14)]
    for title, width, rows in (
        ("Technicians", 10, technicians),
        ("Parts", 4, parts),
        ("Cash", 4, cash),
        ("Branch", 2, branch),
    ):
        ws = book.create_sheet(title)
        ws.append([f"header {n}" for n in range(width)])
        for row in rows:
            ws.append(row)
        ws.append(["Total"] + [f"=SUM(C2:C{len(rows) + 1})"] * (width - 1))
        for (cell,) in ws.iter_rows(min_row=2, min_col=width, max_col=width):
            cell.number_format = "0.00"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _bare_chart(day: BranchDay) -> bytes:
    from matplotlib import font_manager
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    font_manager.fontManager.addfont(str(FONT))
    family = font_manager.FontProperties(fname=str(FONT)).get_name()
    names = [x.name for x in day.technicians]
    positions = list(range(len(names)))
    with _rc({"font.family": "sans-serif", "font.sans-serif": [family]}):
        figure = Figure(figsize=(10.0, 7.6), dpi=80)
        FigureCanvasAgg(figure)
        figure.suptitle("title", fontsize=14)
        top, bottom = figure.subplots(2, 1, squeeze=False)[:, 0]
        bottoms = [0.0] * len(names)
        for kind in SERVICE_TYPES[:3]:
            values = [float(x.line(kind).jobs) for x in day.technicians]
            top.bar(positions, values, 0.8, bottom=bottoms, label=kind)
            bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
        top.set_xticks(positions, names)
        top.legend()
        for offset, values in (
            (-0.2, [float(x.deadlines_met) for x in day.technicians]),
            (0.2, [float(x.deadlines_missed) for x in day.technicians]),
        ):
            bottom.bar([p + offset for p in positions], values, 0.4)
        bottom.set_xticks(positions, names)
        bottom.legend(["met", "missed"])
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _rc(values: dict[str, Any]) -> Any:
    from matplotlib import rc_context

    return rc_context(values)  # type: ignore[arg-type]


# --- the run ---------------------------------------------------------------------------------


async def run(
    technicians: int, db_url: str | None, progress: Callable[[str], None] = lambda _: None
) -> Result:
    settings: Settings = sandbox_settings({})
    cipher = Cipher.from_master_key(settings.key_bytes())
    catalogs = Catalogs.load()
    async with fresh_database(db_url) as url:
        await upgrade(url)
        progress(f"seeding {technicians} technicians' day ...")
        started = time.perf_counter()
        expected = await seed(url, cipher, technicians)
        seed_seconds = time.perf_counter() - started
        store = Store.open(url, cipher)
        try:
            progress("the reports, as the scheduler makes them ...")
            # not measured: the imports, matplotlib's font cache, the database's caches
            async with store.unit_of_work(readonly=True) as uow:
                warm = await prepare_reports(uow, settings, BRANCH, DAY, UNTIL)
            small = replace(
                warm, figures=replace(warm.figures, technicians=warm.figures.technicians[:1])
            )
            render_files(small, catalogs.translator)
            floor_files(small.figures)
            floor_before = floor_files(warm.figures)
            t0 = time.perf_counter()
            async with store.unit_of_work(readonly=True) as uow:
                prepared = await prepare_reports(uow, settings, BRANCH, DAY, UNTIL)
            t1 = time.perf_counter()
            prepared = render_files(prepared, catalogs.translator)
            t2 = time.perf_counter()
            async with store.unit_of_work() as uow:
                branch_id = await uow.branches.require_id(BRANCH)
                fired = await uow.steps.fire(
                    "branch", branch_id, "daily_report", day_number(DAY), "evening", UNTIL
                )
                made = await file_reports(uow, prepared, UNTIL)
                await uow.commit()
            t3 = time.perf_counter()
            floor_after = floor_files(prepared.figures)
            if not fired or made.branch_report is None:
                raise FiguresChanged("the branch report was not made")
            checked = check(prepared.figures, expected, technicians)
            (xlsx, png) = prepared.files[LANGUAGE]
            check_workbook(xlsx, expected)
            async with store.unit_of_work(readonly=True) as uow:
                stored = await uow.reports.get(made.branch_report)
                messages = await _count(uow, t.outbox)
            if (
                stored is None
                or check(branch_from_json(stored.figures), expected, technicians) != checked
            ):
                raise FiguresChanged("the stored branch report differs from what was made")
            if len(made.technician_reports) != technicians:
                raise FiguresChanged(f"{len(made.technician_reports)} technician reports made")
        finally:
            await store.close()
    return Result(
        technicians=technicians,
        database=url.split(":", 1)[0].split("+", 1)[0],
        seed_seconds=seed_seconds,
        figures_seconds=t1 - t0,
        render_seconds=t2 - t1,
        file_seconds=t3 - t2,
        floor_seconds=(floor_before + floor_after) / 2,
        workbook_bytes=len(xlsx),
        chart_bytes=len(png),
        messages=messages,
        checked=checked,
    )


async def _count(uow: Any, table: Any) -> int:
    from sqlalchemy import func, select

    return int((await uow.connection.execute(select(func.count()).select_from(table))).scalar_one())


# --- the command line: ``python -m bench reports`` -------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench reports",
        description="the end-of-day reports of one branch against bare openpyxl + matplotlib",
    )
    parser.add_argument(
        "--quick", action="store_true", help=f"{QUICK_TECHNICIANS} technicians (CI)"
    )
    parser.add_argument(
        "--technicians",
        type=int,
        help=f"technicians of the branch (default {FULL_TECHNICIANS}; quick {QUICK_TECHNICIANS})",
    )
    parser.add_argument(
        "--db",
        help="a PostgreSQL server URL (a fresh database on it); default a temporary SQLite file",
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    if args.technicians is None:
        args.technicians = QUICK_TECHNICIANS if args.quick else FULL_TECHNICIANS
    if args.technicians < 1:
        parser.error("--technicians must be at least 1")
    return args


def table(result: Result) -> Table:
    title = f"daily reports of {result.technicians} technicians against the floor"
    caption = (
        "fieldbot: prepare_reports, render_files and file_reports as the scheduler's step calls "
        "them (figures, XLSX + PNG in one language, a chat summary with buttons for every "
        "technician and the readers, committed); floor: bare openpyxl writing the same cells and "
        "bare matplotlib drawing the same bars with the same font (mean of a run before and "
        f"after). Database {result.database}; seeding took {result.seed_seconds:.2f} s (not "
        f"counted). The report's figures equal the seeded day: {_checked(result.checked)}.\n"
        f"Python {platform.python_version()}."
    )
    out = Table(title=title, caption=caption, caption_justify="left")
    for column in ("run", "figures s", "files s", "filing s", "seconds", "goal"):
        out.add_column(column, justify="left" if column == "run" else "right")
    verdict = "met" if result.goal_met else "NOT met"
    out.add_row(
        "fieldbot",
        f"{result.figures_seconds:.2f}",
        f"{result.render_seconds:.2f}",
        f"{result.file_seconds:.2f}",
        f"{result.seconds:.2f}",
        f"< {GOAL_SECONDS:g} s: {verdict}",
    )
    out.add_row("floor", "", f"{result.floor_seconds:.2f}", "", f"{result.floor_seconds:.2f}", "")
    out.add_section()
    out.add_row("fieldbot / floor", "", "", "", f"{result.ratio:.2f}x", "")
    return out


def _checked(checked: dict[str, int]) -> str:
    keys = ("jobs", "minutes", "parts", "cash_collected_fen", "cash_to_reconcile_fen")
    return ", ".join(f"{k} {checked[k]}" for k in keys)


def main(args: argparse.Namespace, console: Console) -> int:
    console.print(f"daily reports: one branch, {args.technicians} technicians ...")
    result = asyncio.run(run(args.technicians, args.db, console.print))
    console.print(table(result))
    if args.json is not None:
        args.json.write_text(json.dumps(result.as_json(), indent=2))
    return 0
