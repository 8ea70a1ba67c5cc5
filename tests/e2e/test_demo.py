"""`make demo` plays the whole day (quick: fewer bulk calls, every scene) in both narration
languages, leaves its files, and every scene leaves its trace in the phones' transcripts."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from fieldbot.cli.demo import run_demo

pytestmark = pytest.mark.e2e

# phone -> what the scene left in its chat
TRACES = {
    "S01": [
        "上一个工作日未派工",  # the morning carry-over
        "请选择技术员",  # dispatch with suggestions
        "被 张磊 拒绝",  # the decline reached the supervisor
        "客户在聊天中报修",  # a customer's own request
        "需要您审批",  # a fee above the approval limit
        "请检验",  # the take-back's repair card to inspect
        "严重投诉",  # a serious complaint classified
        "升级：",  # the missed deadline reached level 1 ...
        "升级到此为止",  # ... and was acknowledged
        "更正了",  # T02 corrected the daily report
        "服务主任日报表 ",  # the branch daily report: summary, workbook, chart
        "（工作簿）",
        "（图表）",
        "已由 刘建国 批准并归档",  # approved by the manager
    ],
    "T01": ["您已拒绝工单", "> [已收现金]", "已关闭", "的工作日报表已确认"],  # the daily report
    "T02": [
        "arrival verified",
        "arrival unverified",  # outside the geofence
        "Your van lacks 1 × P011",  # a shortfall
        "the fees were approved",
        "invoice for ¥1,325.00 recorded",
        "signed off with the photo",  # sign-off by the paper voucher's photo
        "corrected: 45 admin minutes",  # the daily report corrected
    ],
    "K01": ["已送达"],  # the storekeeper delivered the part
    "C002": ["resolved remotely", "is in our workshop", "Part P020"],  # consultation; take-back
    "C003": ["Accept quote", "You confirmed job", "Your answers on job", "registered as"],
    "C006": ["请确认", "已确认"],  # signed off through the QR code
    "F01": ["已记录：工单"],  # a survey taken by phone
    "G01": ["严重投诉 TS-"],  # level 3 at once
    "M01": ["> [批准]", "的服务主任日报表已批准并归档"],  # the manager approved the report
}
NARRATION = {
    "en": "the working day starts: the carry-over is first in the queue",
    "zh_CN": "工作日开始：顺延的工单排在队列最前",
}


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_the_demo_day_runs_to_the_end(tmp_path: Path, lang: str) -> None:
    out = tmp_path / "demo-output"
    screen = io.StringIO()
    await run_demo(str(out), lang, quick=True, console=Console(file=screen, width=100))
    missing = []
    for code, traces in TRACES.items():
        chat = (out / "phones" / f"{code}.txt").read_text(encoding="utf-8")
        missing += [(code, trace) for trace in traces if trace not in chat]
    assert missing == []
    narration = (out / "narration.txt").read_text(encoding="utf-8")
    assert NARRATION[lang] in narration
    assert "Li Wei (T02) ◀ You accepted job" in narration  # what a phone saw, in its language
    for name in ("fieldbot.db", ".env", "demo.log", "phones/S01.txt", "phones/M01.txt"):
        assert (out / name).is_file(), name
    reports = sorted(p.name for p in out.iterdir() if p.suffix in {".xlsx", ".png"})
    assert reports == [  # written by the services of `fieldbot report daily|monthly`
        "daily-SH01-2026-09-14.png",
        "daily-SH01-2026-09-14.xlsx",
        "monthly-SH01-2026-09.png",
        "monthly-SH01-2026-09.xlsx",
    ]
    for name in reports:
        assert (out / name).stat().st_size > 5_000, name
    assert "FIELDBOT_ENCRYPTION_KEY=" in (out / ".env").read_text(encoding="utf-8")
    shown = screen.getvalue()
    assert str(out) in shown  # where the files are
    assert all(name in shown for name in reports)  # ... the reports included
    assert " INFO " not in shown and "alembic" not in shown  # logs go to demo.log
