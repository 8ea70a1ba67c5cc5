"""The benchmark's quick mode runs end to end with tiny counts (figures are not judged)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.__main__ import main
from bench.load import percentile, split


def test_quick_bench_measures_both_bots_and_prints_the_ratios(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "bench.json"
    argv = ["--quick", "--messages", "4", "--phones", "2", "--rounds", "2", "--json", str(out)]

    assert main(argv) == 0

    printed = capsys.readouterr().out
    assert "fieldbot / floor" in printed
    assert "sandbox limits relaxed" in printed
    figures = json.loads(out.read_text())
    for run in ("floor", "fieldbot"):
        assert figures[run]["name"] == run
        assert figures[run]["messages"] == 4
        assert figures[run]["phones"] == 2
        assert figures[run]["updates_per_s"] > 0
        assert 0 < figures[run]["p50_ms"] <= figures[run]["p99_ms"]
        assert figures[run]["rejected_429"] == 0  # relaxed limits refuse nothing
    ratio = figures["ratio"]
    assert ratio["throughput"] == pytest.approx(
        figures["fieldbot"]["updates_per_s"] / figures["floor"]["updates_per_s"]
    )
    assert ratio["p50"] == pytest.approx(figures["fieldbot"]["p50_ms"] / figures["floor"]["p50_ms"])


def test_percentiles_are_nearest_rank_and_messages_split_evenly() -> None:
    values = [0.005, 0.001, 0.004, 0.002, 0.003]
    assert percentile(values, 50) == 0.003
    assert percentile(values, 99) == 0.005
    assert percentile([0.7], 99) == 0.7
    assert split(7, 3) == [3, 2, 2]
    assert sum(split(30, 6)) == 30
