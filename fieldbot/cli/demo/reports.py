"""The end of the working day: each technician's daily report confirmed (T01) or corrected with
type D minutes and a reason (T02), the branch report (summary, workbook, chart) at the
supervisor's and approved by the manager; then the branch's daily and monthly XLSX and PNG
written into demo-output/ by the same services as ``fieldbot report daily|monthly``."""

from __future__ import annotations

import re
from pathlib import Path
from zoneinfo import ZoneInfo

from fieldbot.cli.demo.stage import Stage
from fieldbot.domain.kpis import month_of
from fieldbot.i18n import N_
from fieldbot.services.daily_report_files import write_day
from fieldbot.services.monthly_report import write_month

END_OF_DAY = (18, 0)
BRANCH = "SH01"
TECH_REPORT_ZH = re.compile("您 .*的工作日报表：")
BRANCH_REPORT_ZH = re.compile("服务主任日报表 .*：.*单")


async def _confirm(stage: Stage) -> None:
    tech = stage.phone("T01")
    report = await tech.wait_for(TECH_REPORT_ZH)
    await tech.tap("确认", message=report)
    await tech.wait_for("已确认")


async def _correct(stage: Stage) -> None:
    tech = stage.phone("T02")
    report = await tech.wait_for("Your daily report for")
    await tech.tap("Correct", message=report)
    await tech.wait_for("Send your admin minutes")
    await tech.send("45 paperwork for the take-back and the van stock count")
    await tech.wait_for("corrected: 45 admin minutes")
    await stage.phone("S01").wait_for("更正了")


async def _supervisor_receives(stage: Stage) -> None:
    sup = stage.phone("S01")
    await sup.wait_for(BRANCH_REPORT_ZH)
    await sup.wait_for("工作簿")
    await sup.wait_for("图表")


async def _approve(stage: Stage) -> None:
    manager = stage.phone("M01")
    summary = await manager.wait_for(BRANCH_REPORT_ZH)
    await manager.tap("批准", message=summary)
    await manager.wait_for("已批准并归档")
    await stage.phone("S01").wait_for("批准并归档")


async def _write_files(stage: Stage) -> list[Path]:
    """The branch's daily and monthly files, in the demo's language."""
    runtime = stage.runtime
    assert runtime.store is not None and runtime.deps is not None
    settings = runtime.deps.settings
    now = stage.now()
    async with runtime.store.unit_of_work(readonly=True) as uow:
        branch = await uow.branches.get(BRANCH)
        assert branch is not None
        tz = ZoneInfo(branch.timezone or settings.timezone)
        out = stage.directory
        files = await write_day(
            uow, settings, BRANCH, now.astimezone(tz).date(), now, stage.tr, out
        )
        files += await write_month(uow, settings, BRANCH, month_of(now, tz), now, stage.tr, out)
    return files


async def end_of_day_reports(stage: Stage) -> None:
    """18:00: the working day ends; the reports are confirmed, corrected and approved, and
    their files left in the output directory."""
    await stage.advance_to(*END_OF_DAY)
    stage.scene(N_("the working day ends: every technician gets their daily report"))
    stage.show()
    await stage.act(
        "S01",
        N_("receives the branch daily report: summary, workbook and chart"),
        _supervisor_receives(stage),
    )
    await stage.act("T01", N_("confirms the daily report"), _confirm(stage))
    await stage.act(
        "T02",
        N_("corrects the daily report: 45 minutes of type D admin work, with the reason"),
        _correct(stage),
    )
    await stage.act("M01", N_("approves the branch daily report: it is filed"), _approve(stage))
    for path in await _write_files(stage):
        stage.note(N_("report written: {path}"), path=str(path))
