"""`make demo` runs the simulated day to its end and leaves its files."""

from __future__ import annotations

from pathlib import Path

import pytest

from fieldbot.cli.demo import run_demo

pytestmark = pytest.mark.e2e


async def test_the_demo_day_runs_to_the_end(tmp_path: Path) -> None:
    out = tmp_path / "demo-output"
    await run_demo(str(out))
    transcript = (out / "transcript.txt").read_text(encoding="utf-8")
    assert "is closed" in transcript  # the café's job went from call to cash
    assert "[已知悉]" in transcript  # the missed deadline reached level 1 ...
    assert "已确认" in transcript  # ... and was acknowledged
    assert "客户在聊天中报修" in transcript  # a customer reported a fault themselves
    assert "Your answers on job" in transcript  # a survey answered in the chat
    assert "已记录：工单" in transcript  # a survey taken by phone
    assert "严重投诉 TS-" in transcript  # a serious complaint reached the deputy GM
    assert (out / "fieldbot.db").is_file()
