"""The daily reports benchmark's quick mode runs end to end with a few technicians, and its
check catches a report whose figures differ from the seeded day (figures are not judged)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from bench import report_day
from bench.__main__ import main
from fieldbot.domain.reports import BranchDay, TechnicianDay, type_lines


def test_quick_report_bench_checks_the_figures_and_prints_the_ratio(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "reports.json"

    assert main(["reports", "--quick", "--technicians", "6", "--json", str(out)]) == 0

    printed = capsys.readouterr().out
    assert "fieldbot / floor" in printed
    assert "< 10 s" in printed
    figures = json.loads(out.read_text())
    assert figures["technicians"] == 6
    assert figures["database"] == "sqlite"
    assert figures["seconds"] == pytest.approx(
        figures["figures_seconds"] + figures["render_seconds"] + figures["file_seconds"]
    )
    assert figures["ratio"] == pytest.approx(figures["seconds"] / figures["floor_seconds"])
    assert figures["goal_seconds"] == 10.0
    assert figures["goal_met"] == (figures["seconds"] < 10.0)
    assert figures["workbook_bytes"] > 0 and figures["chart_bytes"] > 0
    # 6 technicians: 3 jobs each, T0001 a fourth (a repair card); one summary each, and the
    # supervisor's and manager's summary, workbook and chart
    checked = figures["checked"]
    assert checked["jobs"] == 19 and checked["registered"] == 19
    assert checked["receivables"] == 6 and checked["open"] == 7
    assert figures["messages"] == 6 + 2 * 3


def test_the_check_refuses_figures_that_differ_from_the_seeded_day() -> None:
    expected = report_day.Expected()
    expected.jobs["T0001"]["A"] = 1
    expected.minutes["T0001"]["A"] = 45
    expected.registered = 1
    tech = TechnicianDay(
        staff_id=1,
        code="T0001",
        name="x",
        day=report_day.DAY,
        by_type=type_lines({"A": {7}}, {"A": 45}, 0),
    )
    day = BranchDay("BR01", "x", report_day.DAY, technicians=(tech,), registered=1)
    assert report_day.check(day, expected, 1)["minutes"] == 45
    wrong = replace(day, technicians=(replace(tech, by_type=type_lines({"A": {7}}, {"A": 44}, 0)),))
    with pytest.raises(report_day.FiguresChanged, match="T0001 type A"):
        report_day.check(wrong, expected, 1)
    with pytest.raises(report_day.FiguresChanged, match="registered"):
        report_day.check(replace(day, registered=2), expected, 1)
