"""The daily reports against a hand-computed day (tests/services/reports/day.py), on SQLite
and PostgreSQL: the figures of DESIGN.md §5, the end-of-day step (once), the workbook cell
by cell, the chart without a missing glyph in either language, the technician's confirmation
and correction, the manager's approval and return."""

from __future__ import annotations

import io
import warnings
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from fieldbot.domain.errors import NotAllowed
from fieldbot.domain.reports import branch_from_json, technician_from_json
from fieldbot.i18n import Catalogs
from fieldbot.rendering import LINES
from fieldbot.repositories.outbox import OutboxMessage
from fieldbot.scheduler import sweep
from fieldbot.services import daily_reports
from fieldbot.services.daily_figures import branch_day
from fieldbot.services.daily_report_files import branch_chart, branch_workbook
from fieldbot.services.daily_reports import ReportDecided
from tests.services.workflow.conftest import STAFF_USERS, Flow

from .day import COLLECTED, DAY, END, EXPECTED, HELD, play_day


async def test_branch_figures_match_the_hand_computed_day(flow: Flow) -> None:
    await play_day(flow)
    async with flow.store.unit_of_work(readonly=True) as uow:
        day = await branch_day(uow, flow.settings, "SH01", DAY, END)
    for name, value in EXPECTED.items():
        assert getattr(day, name) == value, name
    techs = {t.code: t for t in day.technicians}
    assert sorted(techs) == ["T01", "T02", "T03"]
    t01, t02 = techs["T01"], techs["T02"]
    assert [(x.service_type, x.jobs, x.minutes) for x in t01.by_type] == [
        ("A", 0, 0),
        ("B", 0, 0),
        ("C", 1, 90),
        ("D", 0, 0),
    ]
    assert [(x.service_type, x.jobs, x.minutes) for x in t02.by_type] == [
        ("A", 1, 60),
        ("B", 0, 0),
        ("C", 0, 0),
        ("D", 0, 0),
    ]
    assert [(p.code, p.quantity) for p in t01.parts] == [("P008", 1)] and t02.parts == ()
    assert {c: t.cash_collected_fen for c, t in techs.items()} == COLLECTED
    assert {c: t.cash_held_fen for c, t in techs.items()} == HELD
    assert day.cash_to_reconcile_fen == 1000 and day.cash_collected_fen == 3000
    assert day.jobs == 2 and day.minutes == 150
    # deadlines of jobs 1 and 2 stopped today, all met: assign, contact, arrival, resolution
    # and sign-off of each
    assert (t01.deadlines_met, t01.deadlines_missed) == (5, 0)
    assert (t02.deadlines_met, t02.deadlines_missed) == (5, 0)
    assert (day.deadlines_met, day.deadlines_missed) == (10, 0)


async def test_the_end_of_day_step_makes_and_sends_the_reports_once(flow: Flow) -> None:
    await play_day(flow)
    catalogs = Catalogs.load()
    first = await sweep(flow.store, flow.settings, flow.clock, catalogs)
    assert "SH01 2026-09-14" in first.daily_reports
    again = await sweep(flow.store, flow.settings, flow.clock, catalogs)
    assert again.daily_reports == []

    def reports(found: list[OutboxMessage]) -> list[OutboxMessage]:
        return [m for m in found if (m.dedupe_key or "").startswith("report:")]

    t01 = [m for m in reports(await flow.outbox(STAFF_USERS["T01"])) if m.template == LINES]
    report = t01[-1]
    assert report.params["lines"][0]["args"]["jobs"] == 1
    assert [b["label"] for b in report.params["buttons"][0]] == ["Confirm", "Correct"]
    cash_line = report.params["lines"][-2]["args"]
    assert cash_line == {"collected": {"money": 3000}, "held": {"money": 1000}}
    sup = reports(await flow.outbox(STAFF_USERS["S01"]))
    files = [m for m in sup if "file" in m.params]
    assert len(files) == 2  # the workbook and the chart
    manager = await flow.outbox(STAFF_USERS["M01"])
    summary = [m for m in reports(manager) if m.template == LINES][-1]
    assert [b["label"] for b in summary.params["buttons"][0]] == ["Approve", "Return"]
    async with flow.store.unit_of_work(readonly=True) as uow:
        branch_id = await uow.branches.require_id("SH01")
        (branch,) = await uow.reports.of_day(DAY, branch_id, "branch")
        names = [f.name for f in await uow.reports.files(branch.id)]
        found = await uow.reports.file(files[0].params["file"])
    assert set(names) == {"daily-SH01-2026-09-14.xlsx", "daily-SH01-2026-09-14.png"}
    assert found is not None and found.content[:2] in (b"PK", b"\x89P")
    assert branch_from_json(branch.figures).registered == 3
    # the day's KPIs: in the summary (those that counted something) and kept with the figures
    lines = [m for m in sup if m.template == LINES][-1].params["lines"]
    at = [line["t"] for line in lines].index(daily_reports.BRANCH_KPIS)
    assert lines[at]["args"] == {"met": 8, "total": 10}  # survey coverage and visits missed
    assert [(line["args"]["name"]["t"], line["args"]["mark"]) for line in lines[at + 1 :]] == [
        ("Resolution rate", "✓"),
        ("Satisfaction", "✓"),
        ("Survey coverage", "✗"),
        ("Customer files complete", "✓"),
        ("Visits made", "✗"),
        ("Visits on time", "✓"),
    ]
    kept = {
        k.name.value: (k.numerator, k.denominator) for k in branch_from_json(branch.figures).kpis
    }
    assert kept["visits_made"] == (2, 3) and kept["resolution_rate"] == (2, 2) and len(kept) == 10


async def test_the_workbook_cell_by_cell(flow: Flow) -> None:
    await play_day(flow)
    async with flow.store.unit_of_work(readonly=True) as uow:
        day = await branch_day(uow, flow.settings, "SH01", DAY, END)
    book = load_workbook(io.BytesIO(branch_workbook(day, Catalogs.load().translator("en"))))
    assert book.sheetnames == ["Technicians", "Parts used", "Cash", "Branch", "KPIs"]
    kpis = book["KPIs"]
    assert kpis.freeze_panes == "A2"
    # the branch's KPIs of the day: jobs 1 and 2 resolved in time, job 1's survey all 4 or 3,
    # one of the two closed jobs' surveys answered, the complaint not replied to yet (its
    # clock runs), no repair judged yet (30 days), C001 and C003's files complete, job 3's
    # arrival missed
    assert [list(r) for r in kpis.iter_rows(values_only=True)] == [
        ["KPI", "Value", "Target", "Met or missed", "Passed", "Counted"],
        ["Resolution rate", 1, 0.95, "target met", 2, 2],
        ["Satisfaction", 1, 0.85, "target met", 4, 4],
        ["Survey coverage", 0.5, 1, "target missed", 1, 2],
        ["Consultations answered", None, 1, "target met", 0, 0],
        ["Complaints replied to", None, 1, "target met", 0, 0],
        ["Installations passing", None, 1, "target met", 0, 0],
        ["Repairs passing", None, 1, "target met", 0, 0],
        ["Customer files complete", 1, 1, "target met", 2, 2],
        ["Visits made", pytest.approx(2 / 3), 1, "target missed", 2, 3],
        ["Visits on time", 1, 1, "target met", 2, 2],
    ]
    assert kpis["B2"].number_format == "0.0%" and kpis["E2"].number_format == "0"
    techs = book["Technicians"]
    assert techs.freeze_panes == "A2"
    assert [c.value for c in techs[1]] == [
        "Code",
        "Name",
        "Type A jobs",
        "Type B jobs",
        "Type C jobs",
        "Type A hours",
        "Type B hours",
        "Type C hours",
        "Type D (admin) hours",
        "Hours",
    ]
    assert techs["A2"].value == "T01" and techs["B2"].value == "张磊"
    assert [techs.cell(2, c).value for c in range(3, 11)] == [
        0, 0, 1, Decimal("0.00"), Decimal("0.00"), Decimal("1.50"), Decimal("0.00"),
        Decimal("1.50"),
    ]  # fmt: skip
    assert techs["C3"].value == 1 and techs["F3"].value == Decimal("1.00")
    assert techs["A5"].value == "Total" and techs["C5"].value == "=SUM(C2:C4)"
    assert techs["J5"].value == "=SUM(J2:J4)"
    assert techs["C2"].number_format == "0" and techs["J2"].number_format == "0.00"
    parts = book["Parts used"]
    assert [c.value for c in parts[2]] == ["T01", "P008", parts["C2"].value, 1]
    assert parts["D3"].value == "=SUM(D2:D2)"
    cash = book["Cash"]
    assert [cash.cell(2, c).value for c in (1, 3, 4)] == ["T01", 30, 10]
    assert cash["C2"].number_format == '"¥"#,##0.00' and cash["D5"].value == "=SUM(D2:D4)"
    branch = book["Branch"]
    values = {branch.cell(r, 1).value: branch.cell(r, 2).value for r in range(2, 16)}
    assert values["Jobs registered"] == 3 and values["Jobs overdue"] == 2
    assert values["Receivables amount"] == 100 and values["Cash to reconcile"] == 10
    assert branch["B14"].number_format == '"¥"#,##0.00'


@pytest.mark.parametrize("language", ["zh_CN", "en"])
async def test_the_chart_has_no_missing_glyph(flow: Flow, language: str) -> None:
    await play_day(flow)
    async with flow.store.unit_of_work(readonly=True) as uow:
        day = await branch_day(uow, flow.settings, "SH01", DAY, END)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph … missing from font(s)" fails the test
        png = branch_chart(day, Catalogs.load().translator(language))
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000


async def _reports(flow: Flow) -> tuple[int, int]:
    await play_day(flow)
    await sweep(flow.store, flow.settings, flow.clock, Catalogs.load())
    async with flow.store.unit_of_work(readonly=True) as uow:
        branch_id = await uow.branches.require_id("SH01")
        t01 = await uow.staff.require_id("T01")
        (tech,) = [
            r for r in await uow.reports.of_day(DAY, branch_id, "technician") if r.staff_id == t01
        ]
        (branch,) = await uow.reports.of_day(DAY, branch_id, "branch")
    return tech.id, branch.id


async def test_the_technician_confirms_or_corrects_with_a_reason(flow: Flow) -> None:
    tech_id, branch_id = await _reports(flow)
    now = flow.clock.now()
    async with flow.store.unit_of_work() as uow:
        with pytest.raises(NotAllowed):
            await daily_reports.confirm_report(uow, report_id=tech_id, actor="T02", now=now)
    async with flow.store.unit_of_work() as uow:
        with pytest.raises(Exception, match="reason"):
            await daily_reports.correct_report(
                uow, report_id=tech_id, actor="T01", admin_minutes=30, reason=" ", now=now
            )
    async with flow.store.unit_of_work() as uow:
        confirmed = await daily_reports.confirm_report(uow, report_id=tech_id, actor="T01", now=now)
        await uow.commit()
    assert confirmed.state == "confirmed"
    async with flow.store.unit_of_work() as uow:
        with pytest.raises(ReportDecided):
            await daily_reports.confirm_report(uow, report_id=tech_id, actor="T01", now=now)
        corrected = await daily_reports.correct_report(
            uow,
            report_id=tech_id,
            actor="T01",
            admin_minutes=45,
            reason="branch meeting",
            now=now,
        )
        await uow.commit()
    assert corrected.state == "corrected" and corrected.reason == "branch meeting"
    figures = technician_from_json(corrected.figures)
    assert figures.admin_minutes == 45 and figures.minutes == 135
    async with flow.store.unit_of_work(readonly=True) as uow:
        branch = await uow.reports.get(branch_id)
        events = await uow.events.for_subject("report", tech_id)
    assert branch is not None
    whole = branch_from_json(branch.figures)
    assert whole.minutes == 150 + 45 and whole.type_total("D").minutes == 45
    assert [e.kind for e in events] == ["report.confirmed", "report.corrected"]
    assert events[-1].payload["reason"] == "branch meeting"
    told = (await flow.outbox(STAFF_USERS["S01"]))[-1]
    assert told.template == daily_reports.CORRECTED_NOTICE
    assert told.params["args"]["minutes"] == 45


async def test_the_manager_approves_or_returns_with_a_comment(flow: Flow) -> None:
    _, branch_id = await _reports(flow)
    now = flow.clock.now()
    async with flow.store.unit_of_work() as uow:
        with pytest.raises(NotAllowed):
            await daily_reports.approve_report(uow, report_id=branch_id, actor="S01", now=now)
    async with flow.store.unit_of_work() as uow:
        with pytest.raises(Exception, match="reason"):
            await daily_reports.return_report(
                uow, report_id=branch_id, actor="M01", comment="", now=now
            )
        returned = await daily_reports.return_report(
            uow, report_id=branch_id, actor="M01", comment="T03 hours missing", now=now
        )
        await uow.commit()
    assert returned.state == "returned" and returned.reason == "T03 hours missing"
    told = (await flow.outbox(STAFF_USERS["S01"]))[-1]
    assert told.template == daily_reports.RETURNED_NOTICE
    assert told.params["args"]["comment"] == "T03 hours missing"
    async with flow.store.unit_of_work() as uow:
        with pytest.raises(ReportDecided):
            await daily_reports.approve_report(uow, report_id=branch_id, actor="M01", now=now)
        # the day's report of SH02 is approved and filed
        sh02 = await uow.branches.require_id("SH02")
        (other,) = await uow.reports.of_day(DAY, sh02, "branch")
        approved = await daily_reports.approve_report(uow, report_id=other.id, actor="M01", now=now)
        await uow.commit()
    assert approved.state == "approved" and approved.decided_by is not None
    async with flow.store.unit_of_work(readonly=True) as uow:
        filed = await daily_reports.branch_reports(uow, "approved")
    assert [(f.branch, f.report.day) for f in filed] == [("SH02", DAY)]
