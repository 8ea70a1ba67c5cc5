"""The monthly performance report of SH01 on the constructed September of the KPI tests: the
workbook opened and checked cell by cell, the chart without a missing glyph in either
language, and the files written by the service the command line and the demo use."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import pytest
from openpyxl import load_workbook

from fieldbot.domain.kpis import parse_period
from fieldbot.i18n import Catalogs
from fieldbot.services.monthly_report import (
    BranchMonth,
    branch_month,
    monthly_chart,
    monthly_workbook,
    write_month,
)
from fieldbot.store import UnitOfWork
from tests.services.workflow.conftest import Flow
from tests.services.workflow.month import play_month

SEPTEMBER = parse_period("2026-09")


async def test_the_monthly_report_of_a_constructed_month(flow: Flow, tmp_path: Path) -> None:
    """One September built once (it takes a while): the workbook, the chart, the files."""
    await play_month(flow)
    now = flow.clock.now()

    async def go(uow: UnitOfWork) -> BranchMonth:
        return await branch_month(uow, flow.settings, "SH01", SEPTEMBER, now)

    month = await flow.read(go)
    catalogs = Catalogs.load()
    _the_workbook_cell_by_cell(month, catalogs)
    for language in ("zh_CN", "en"):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # "Glyph … missing from font(s)" fails the test
            png = monthly_chart(month, catalogs.translator(language))
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000

    async def write(uow: UnitOfWork) -> list[Path]:
        t = catalogs.translator("zh_CN")
        return await write_month(uow, flow.settings, "SH01", SEPTEMBER, now, t, tmp_path / "out")

    written = await flow.read(write)
    assert [p.name for p in written] == ["monthly-SH01-2026-09.xlsx", "monthly-SH01-2026-09.png"]
    zh = load_workbook(io.BytesIO(written[0].read_bytes()))
    assert zh.sheetnames == ["绩效", "评分", "关键指标"]
    assert zh["绩效"]["A5"].value == "合计" and zh["关键指标"]["D2"].value == "未达标"


def _the_workbook_cell_by_cell(month: BranchMonth, catalogs: Catalogs) -> None:
    book = load_workbook(io.BytesIO(monthly_workbook(month, catalogs.translator("en"))))
    assert book.sheetnames == ["Performance", "Ratings", "KPIs"]
    for ws in book.worksheets:
        assert ws.freeze_panes == "A2"
        assert all(cell.font.bold for cell in ws[1])

    performance = book["Performance"]
    rows = [list(row) for row in performance.iter_rows(values_only=True)]
    assert rows[0] == [
        "Code",
        "Name",
        "Type A jobs",
        "Type B jobs",
        "Type C jobs",
        "Jobs closed",
        "Hours",
        "Deadlines met",
        "Deadlines missed",
        "Surveys answered",
        "Complaints",
        "Repairs closed",
        "Repeat repairs",
    ]
    # T01: R3 and I1 in warranty (type C), an hour each, R3's resolution missed, R3's survey,
    # R3 repaired again after 41 days (passes); T02: R1 and I2 under C002's contract (type B),
    # R1's survey and complaint, R1 repeated by R2 after 10 days; T03 idle but listed.
    # Deadlines met: every technician clock that stopped in September (contact, arrival, on
    # time, resolution, sign-off of their jobs).
    assert rows[1:4] == [
        ["T01", "张磊", 0, 0, 2, 2, 2, 7, 1, 1, 0, 1, 0],
        ["T02", "Li Wei", 0, 2, 0, 2, 2, 8, 0, 1, 1, 1, 1],
        ["T03", "陈刚", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    ]
    by_code = {t.code: t.figures for t in month.technicians}
    assert (by_code["T01"].deadlines_met, by_code["T01"].deadlines_missed) == (7, 1)
    letters = "CDEFGHIJKLM"
    assert rows[4] == ["Total", None] + [f"=SUM({c}2:{c}4)" for c in letters]
    assert performance["A5"].font.bold
    assert performance["C2"].number_format == "0" and performance["G2"].number_format == "0.00"
    assert performance["M4"].number_format == "0" and performance["B2"].number_format == "General"

    ratings = book["Ratings"]
    assert [list(r) for r in ratings.iter_rows(values_only=True)] == [
        [
            "Code",
            "Name",
            "Surveys answered",
            "Attitude",
            "Skill",
            "Arrival time",
            "Keeping promises",
        ],
        ["T01", "张磊", 1, 2, 2, 4, 4],  # R3: 2/2/4/4
        ["T02", "Li Wei", 1, 4, 4, 3, 2],  # R1: 4/4/3/2
        ["T03", "陈刚", 0, None, None, None, None],
    ]
    assert ratings.max_row == 4  # averages are not summed
    assert ratings["D2"].number_format == "0.00"

    kpis = book["KPIs"]
    found = [list(r) for r in kpis.iter_rows(values_only=True)]
    assert found[0] == ["KPI", "Value", "Target", "Met or missed", "Passed", "Counted"]
    missed, met = "target missed", "target met"
    assert [(r[0], r[2], r[3], r[4], r[5]) for r in found[1:]] == [
        ("Resolution rate", 0.95, missed, 5, 6),
        ("Satisfaction", 0.85, missed, 5, 8),
        ("Survey coverage", 1, missed, 2, 6),
        ("Consultations answered", 1, met, 2, 2),
        ("Complaints replied to", 1, met, 1, 1),
        ("Installations passing", 1, missed, 1, 2),
        ("Repairs passing", 1, missed, 1, 2),
        ("Customer files complete", 1, missed, 3, 4),
        ("Visits made", 1, missed, 4, 6),
        ("Visits on time", 1, met, 4, 4),
    ]
    values = [r[1] for r in found[1:]]
    assert values == pytest.approx([5 / 6, 5 / 8, 2 / 6, 1, 1, 1 / 2, 1 / 2, 3 / 4, 4 / 6, 1])
    assert kpis["B2"].number_format == "0.0%" and kpis["C2"].number_format == "0.0%"
    assert kpis["E2"].number_format == "0" and kpis.max_row == 11
