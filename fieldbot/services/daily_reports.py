"""The daily reports (DESIGN.md §5, seed 000 art.15-17): at the end of a branch's working day
each technician gets their report (jobs and hours by service type, parts, cash collected and
held) to confirm or correct (type D admin minutes added, with a reason, kept as an event);
the supervisors get the branch report as a chat summary, an XLSX workbook and a PNG chart;
the managers get it too, to approve (filed for the service department) or return with a
comment (the supervisors are told). The scheduler decides when a branch's day has ended and
calls :func:`make_daily_reports` once a day.

Use cases work inside the caller's unit of work and do not commit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from fieldbot.domain.errors import DomainError, NotAllowed
from fieldbot.domain.model import Role
from fieldbot.domain.permissions import Permission
from fieldbot.domain.reports import (
    MAX_ADMIN_MINUTES,
    SERVICE_TYPES,
    BranchDay,
    TechnicianDay,
    branch_from_json,
    branch_to_json,
    technician_from_json,
    technician_to_json,
)
from fieldbot.i18n import N_, Translator
from fieldbot.rendering import LINES
from fieldbot.repositories.outbox import OutboxRepository
from fieldbot.repositories.people import StaffRow
from fieldbot.repositories.reports import ReportRow
from fieldbot.services.daily_figures import branch_day
from fieldbot.services.daily_report_files import branch_chart, branch_workbook, file_stem, hours
from fieldbot.services.kpis import kpi_line
from fieldbot.services.recipients import managers_of, supervisors_of
from fieldbot.services.workflow import (
    InvalidInput,
    label_params,
    load_staff,
    money_arg,
    notify_staff,
    require_permission,
    require_reason,
    staff_arg,
    staff_tag,
)
from fieldbot.settings import Settings
from fieldbot.store import UnitOfWork

TranslatorFor = Callable[[str], Translator]

CONFIRM = N_("Confirm")
CORRECT = N_("Correct")
APPROVE = N_("Approve")
RETURN = N_("Return")
CONFIRM_ACTION = "rep.confirm"
CORRECT_ACTION = "rep.correct"
APPROVE_ACTION = "rep.approve"
RETURN_ACTION = "rep.return"

TECH_HEADER = N_("Your daily report for {day}: {jobs} jobs, {hours} h in all.")
TYPE_LINE = N_("Type {type}: {jobs} jobs, {hours} h")
ADMIN_LINE = N_("Type D (admin): {hours} h")
PARTS_LINE = N_("Parts used: {parts}")
NO_PARTS = N_("Parts used: none")
CASH_LINE = N_("Cash collected {collected}; cash held {held}.")
TECH_ASK = N_("Confirm it, or correct it: add your admin minutes (type D) with a reason.")
BRANCH_HEADER = N_("Branch daily report {branch}, {day}: {jobs} jobs, {hours} h.")
BRANCH_JOBS = N_(
    "Jobs registered {registered}, closed {closed}, open {open}, overdue {overdue}, carried "
    "over {carried_over}."
)
BRANCH_FEEDBACK = N_(
    "Escalations {escalations}; complaints {complaints}; surveys answered {answered}, "
    "outstanding {outstanding}."
)
BRANCH_MONEY = N_("Receivables {receivables} ({receivables_amount}); cash to reconcile {cash}.")
BRANCH_TECH = N_("{name}: {jobs} jobs, {hours} h, cash held {held}")
BRANCH_KPIS = N_("KPIs of the day: {met} of {total} met (those that counted something):")
MANAGER_ASK = N_("Approve the report, or return it to the supervisor with a comment.")
WORKBOOK_CAPTION = N_("Branch daily report {branch} {day} (workbook)")
CHART_CAPTION = N_("Branch daily report {branch} {day} (chart)")
CONFIRMED_NOTICE = N_("{name} confirmed the daily report of {day}.")
CORRECTED_NOTICE = N_(
    "{name} corrected the daily report of {day}: {minutes} admin minutes; reason: {reason}"
)
APPROVED_NOTICE = N_("The branch daily report of {day} was approved by {name} and filed.")
RETURNED_NOTICE = N_("The branch daily report of {day} was returned by {name}: {comment}")


class ReportNotFound(DomainError):
    code = "unknown_report"


class ReportDecided(DomainError):
    code = "report_decided"


@dataclass(frozen=True, slots=True)
class Made:
    technician_reports: list[int]
    branch_report: int | None


# --- the end of the day ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Prepared:
    """A branch's day ready to be filed: its figures, the languages its supervisors and
    managers read, and the files in each of them (``language -> (xlsx, png)``)."""

    branch: str
    day: date
    figures: BranchDay
    languages: tuple[str, ...]
    files: dict[str, tuple[bytes, bytes]] = field(default_factory=dict)


async def _readers(uow: UnitOfWork, branch_id: int) -> tuple[list[StaffRow], list[StaffRow]]:
    """Who gets the branch report: its supervisors, and the managers who approve it."""
    supervisors = await supervisors_of(uow, branch_id)
    managers = [m for m in await managers_of(uow, branch_id) if m not in supervisors]
    return supervisors, managers


async def prepare_reports(
    uow: UnitOfWork, settings: Settings, branch: str, day: date, now: datetime
) -> Prepared:
    """Read the day's figures (a read-only unit of work is enough)."""
    branch_id = await uow.branches.require_id(branch)
    figures = await branch_day(uow, settings, branch, day, now)
    supervisors, managers = await _readers(uow, branch_id)
    languages = sorted({row.staff.language.value for row in [*supervisors, *managers]})
    return Prepared(branch, day, figures, tuple(languages))


def render_files(prepared: Prepared, translator_for: TranslatorFor) -> Prepared:
    """The workbook and the chart in each reader's language: CPU work, no database (the
    scheduler runs it in a thread, outside any transaction)."""
    files = {}
    for language in prepared.languages:
        t = translator_for(language)
        files[language] = (branch_workbook(prepared.figures, t), branch_chart(prepared.figures, t))
    return replace(prepared, files=files)


async def make_daily_reports(
    uow: UnitOfWork,
    settings: Settings,
    translator_for: TranslatorFor,
    branch: str,
    day: date,
    now: datetime,
) -> Made:
    """:func:`prepare_reports`, :func:`render_files` and :func:`file_reports` in one unit of
    work (the command line and tests; the scheduler renders outside its transaction)."""
    prepared = render_files(await prepare_reports(uow, settings, branch, day, now), translator_for)
    return await file_reports(uow, prepared, now)


async def file_reports(uow: UnitOfWork, prepared: Prepared, now: datetime) -> Made:
    """The day's reports of the branch: each technician's, pushed to them with Confirm and
    Correct; the branch report to its supervisors (summary, workbook, chart) and managers
    (with Approve and Return). A report made before is left as it is."""
    figures, day = prepared.figures, prepared.day
    branch_id = await uow.branches.require_id(prepared.branch)
    made: list[int] = []
    staff = {row.id: row for row in await uow.staff.rows(branch=prepared.branch)}
    for tech in figures.technicians:
        report = await uow.reports.create(
            kind="technician",
            day=day,
            branch_id=branch_id,
            staff_id=tech.staff_id,
            figures=technician_to_json(tech),
            now=now,
        )
        if report is None:
            continue
        made.append(report.id)
        row = staff.get(tech.staff_id) or await uow.staff.row_by_id(tech.staff_id)
        if row is not None:
            buttons = [(CONFIRM, CONFIRM_ACTION), (CORRECT, CORRECT_ACTION)]
            await _send_lines(
                uow, row, [*technician_lines(tech), (TECH_ASK, {})], report, buttons, now
            )
    report = await uow.reports.create(
        kind="branch",
        day=day,
        branch_id=branch_id,
        staff_id=None,
        figures=branch_to_json(figures),
        now=now,
    )
    if report is None:
        return Made(made, None)
    supervisors, managers = await _readers(uow, branch_id)
    stored: dict[str, tuple[int, int]] = {}
    stem = file_stem(figures)
    for language, (xlsx, png) in prepared.files.items():
        stored[language] = (
            await uow.reports.add_file(report.id, f"{stem}.xlsx", "document", xlsx, now),
            await uow.reports.add_file(report.id, f"{stem}.png", "photo", png, now),
        )
    for row in [*supervisors, *managers]:
        lines = branch_lines(figures)
        actions: list[tuple[str, str]] = []
        if row in managers:
            lines.append((MANAGER_ASK, {}))
            actions = [(APPROVE, APPROVE_ACTION), (RETURN, RETURN_ACTION)]
        await _send_lines(uow, row, lines, report, actions, now)
        found = stored.get(row.staff.language.value)
        if found is None or row.chat_id is None:
            continue  # a reader who appeared since the files were made gets the summary
        caption = {"branch": figures.branch_name, "day": {"day": day.isoformat()}}
        for template, file_id in zip((WORKBOOK_CAPTION, CHART_CAPTION), found, strict=True):
            await uow.outbox.enqueue(
                chat_id=row.chat_id,
                recipient_kind="staff",
                recipient_id=row.id,
                template=template,
                params={"args": caption, "file": file_id},
                now=now,
                priority=OutboxRepository.PRIORITY_BULK,
                dedupe_key=f"report:{report.id}:{row.id}:{file_id}",
            )
    return Made(made, report.id)


async def _send_lines(
    uow: UnitOfWork,
    row: StaffRow,
    lines: Sequence[tuple[str, dict[str, Any]]],
    report: ReportRow,
    buttons: Sequence[tuple[str, str]],
    now: datetime,
) -> None:
    if row.chat_id is None:
        return
    params: dict[str, Any] = {"lines": [{"t": t, "args": a} for t, a in lines]}
    if buttons and row.telegram_user_id is not None:
        payload = {"report_id": report.id}
        params["buttons"] = [
            [
                {
                    **label_params(label),
                    "token": await uow.buttons.create(row.telegram_user_id, action, payload, now),
                }
                for label, action in buttons
            ]
        ]
    await uow.outbox.enqueue(
        chat_id=row.chat_id,
        recipient_kind="staff",
        recipient_id=row.id,
        template=LINES,
        params=params,
        now=now,
        priority=OutboxRepository.PRIORITY_BULK,
        dedupe_key=f"report:{report.id}:{row.id}",
    )


def _hours(minutes: int) -> str:
    return f"{hours(minutes):.2f}"


def technician_lines(tech: TechnicianDay) -> list[tuple[str, dict[str, Any]]]:
    lines: list[tuple[str, dict[str, Any]]] = [
        (
            TECH_HEADER,
            {
                "day": {"day": tech.day.isoformat()},
                "jobs": tech.jobs,
                "hours": _hours(tech.minutes),
            },
        )
    ]
    for kind in SERVICE_TYPES[:3]:
        line = tech.line(kind)
        lines.append((TYPE_LINE, {"type": kind, "jobs": line.jobs, "hours": _hours(line.minutes)}))
    lines.append((ADMIN_LINE, {"hours": _hours(tech.admin_minutes)}))
    if tech.parts:
        parts = ", ".join(f"{p.code} {p.name} ×{p.quantity}" for p in tech.parts)
        lines.append((PARTS_LINE, {"parts": parts}))
    else:
        lines.append((NO_PARTS, {}))
    lines.append(
        (
            CASH_LINE,
            {
                "collected": money_arg(tech.cash_collected_fen),
                "held": money_arg(tech.cash_held_fen),
            },
        )
    )
    return lines


def branch_lines(day: BranchDay) -> list[tuple[str, dict[str, Any]]]:
    lines: list[tuple[str, dict[str, Any]]] = [
        (
            BRANCH_HEADER,
            {
                "branch": day.branch_name,
                "day": {"day": day.day.isoformat()},
                "jobs": day.jobs,
                "hours": _hours(day.minutes),
            },
        ),
        (
            BRANCH_JOBS,
            {
                "registered": day.registered,
                "closed": day.closed,
                "open": day.open,
                "overdue": day.overdue,
                "carried_over": day.carried_over,
            },
        ),
        (
            BRANCH_FEEDBACK,
            {
                "escalations": day.escalations,
                "complaints": day.complaints,
                "answered": day.surveys_answered,
                "outstanding": day.surveys_outstanding,
            },
        ),
        (
            BRANCH_MONEY,
            {
                "receivables": day.receivables,
                "receivables_amount": money_arg(day.receivables_fen),
                "cash": money_arg(day.cash_to_reconcile_fen),
            },
        ),
    ]
    for tech in day.technicians:
        lines.append(
            (
                BRANCH_TECH,
                {
                    "name": staff_arg(tech.staff_id),
                    "jobs": tech.jobs,
                    "hours": _hours(tech.minutes),
                    "held": money_arg(tech.cash_held_fen),
                },
            )
        )
    if day.kpis:
        met = sum(1 for k in day.kpis if k.met)
        lines.append((BRANCH_KPIS, {"met": met, "total": len(day.kpis)}))
        for kpi in day.kpis:
            if kpi.denominator:
                line = kpi_line(kpi)
                lines.append((line["t"], line["args"]))
    return lines


# --- the technician confirms or corrects -----------------------------------------------------


async def _report(uow: UnitOfWork, report_id: int, kind: str) -> ReportRow:
    report = await uow.reports.get(report_id)
    if report is None or report.kind != kind:
        raise ReportNotFound(f"no {kind} report {report_id}", report=report_id)
    return report


async def _own_report(uow: UnitOfWork, report_id: int, actor: str) -> tuple[ReportRow, StaffRow]:
    tech = await load_staff(uow, actor)
    report = await _report(uow, report_id, "technician")
    if report.staff_id != tech.id:
        raise NotAllowed(f"report {report_id} is not {actor}'s", staff=actor)
    return report, tech


async def confirm_report(
    uow: UnitOfWork, *, report_id: int, actor: str, now: datetime
) -> ReportRow:
    """The technician confirms their report as it is (once; a correction replaces it)."""
    report, tech = await _own_report(uow, report_id, actor)
    if report.state != "pending":
        raise ReportDecided(f"report {report_id} is {report.state}", state=report.state)
    saved = await uow.reports.save(replace(report, state="confirmed", decided_at=now), now)
    await uow.events.append(
        staff_tag(tech), "report.confirmed", "report", report.id, {"day": str(report.day)}, now
    )
    await _tell_supervisors(
        uow, report, CONFIRMED_NOTICE, {"name": staff_arg(tech.id)}, f"confirmed:{report.id}", now
    )
    return saved


async def correct_report(
    uow: UnitOfWork, *, report_id: int, actor: str, admin_minutes: int, reason: str, now: datetime
) -> ReportRow:
    """The technician corrects their report: the type D (admin) minutes of the day, with a
    reason (kept, and an event). Possible until the branch report is decided."""
    report, tech = await _own_report(uow, report_id, actor)
    text = require_reason(reason, "correct_report")
    if not 0 <= admin_minutes <= MAX_ADMIN_MINUTES:
        raise InvalidInput("admin minutes out of range", field="minutes")
    branch = await _branch_report_of(uow, report)
    if branch is not None and branch.state == "approved":
        raise ReportDecided(f"the branch report of {report.day} is approved", state="approved")
    figures = technician_from_json(report.figures).with_admin_minutes(admin_minutes)
    saved = await uow.reports.save(
        replace(
            report,
            state="corrected",
            admin_minutes=admin_minutes,
            reason=text,
            figures=technician_to_json(figures),
            decided_at=now,
        ),
        now,
    )
    await uow.events.append(
        staff_tag(tech),
        "report.corrected",
        "report",
        report.id,
        {
            "day": str(report.day),
            "admin_minutes": admin_minutes,
            "before": report.admin_minutes,
            "reason": text,
        },
        now,
    )
    if branch is not None:
        whole = branch_from_json(branch.figures).with_technician(figures)
        await uow.reports.save(replace(branch, figures=branch_to_json(whole)), now)
    args = {"name": staff_arg(tech.id), "minutes": admin_minutes, "reason": text}
    await _tell_supervisors(
        uow, report, CORRECTED_NOTICE, args, f"corrected:{saved.version}:{report.id}", now
    )
    return saved


async def _branch_report_of(uow: UnitOfWork, report: ReportRow) -> ReportRow | None:
    found = await uow.reports.of_day(report.day, report.branch_id, "branch")
    return found[0] if found else None


async def _tell_supervisors(
    uow: UnitOfWork,
    report: ReportRow,
    template: str,
    args: dict[str, Any],
    key: str,
    now: datetime,
) -> None:
    full = {"day": {"day": report.day.isoformat()}, **args}
    for row in await supervisors_of(uow, report.branch_id):
        await notify_staff(uow, row, template, full, now, dedupe_key=f"report:{key}:{row.id}")


# --- the manager approves or returns ---------------------------------------------------------


async def _decide(
    uow: UnitOfWork, report_id: int, actor: str, now: datetime
) -> tuple[ReportRow, StaffRow]:
    manager = await load_staff(uow, actor)
    require_permission(manager, Permission.APPROVE_BRANCH_REPORT, "approve_report")
    report = await _report(uow, report_id, "branch")
    if Role.MANAGER in manager.staff.roles and manager.branch_id not in (None, report.branch_id):
        raise NotAllowed(f"report {report_id} is another branch's", staff=actor)
    if report.state != "pending":
        raise ReportDecided(f"report {report_id} is {report.state}", state=report.state)
    return report, manager


async def approve_report(
    uow: UnitOfWork, *, report_id: int, actor: str, now: datetime
) -> ReportRow:
    """The manager approves the branch report: it is filed with its figures as they stand."""
    report, manager = await _decide(uow, report_id, actor, now)
    saved = await uow.reports.save(
        replace(report, state="approved", decided_by=manager.id, decided_at=now), now
    )
    await uow.events.append(
        staff_tag(manager), "report.approved", "report", report.id, {"day": str(report.day)}, now
    )
    await _tell_supervisors(
        uow, report, APPROVED_NOTICE, {"name": staff_arg(manager.id)}, f"approved:{report.id}", now
    )
    return saved


async def return_report(
    uow: UnitOfWork, *, report_id: int, actor: str, comment: str, now: datetime
) -> ReportRow:
    """The manager returns the branch report with a comment; the supervisors are told."""
    report, manager = await _decide(uow, report_id, actor, now)
    text = require_reason(comment, "return_report")
    saved = await uow.reports.save(
        replace(report, state="returned", reason=text, decided_by=manager.id, decided_at=now), now
    )
    await uow.events.append(
        staff_tag(manager),
        "report.returned",
        "report",
        report.id,
        {"day": str(report.day), "comment": text},
        now,
    )
    args = {"name": staff_arg(manager.id), "comment": text}
    await _tell_supervisors(uow, report, RETURNED_NOTICE, args, f"returned:{report.id}", now)
    return saved


@dataclass(frozen=True, slots=True)
class Filed:
    report: ReportRow
    branch: str
    figures: BranchDay


async def branch_reports(uow: UnitOfWork, state: str | None = None) -> list[Filed]:
    """The branch reports (in one state: ``approved`` are those filed), the newest first."""
    codes = {}
    for code in await uow.branches.keys():
        found = await uow.branches.id_of(code)
        if found is not None:
            codes[found] = code
    return [
        Filed(row, codes.get(row.branch_id, "?"), branch_from_json(row.figures))
        for row in await uow.reports.listed("branch", state)
    ]
