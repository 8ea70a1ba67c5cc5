"""The daily reports in the chat (DESIGN.md §5): the technician's Confirm and Correct (the
type D admin minutes and a reason, in one message), the manager's Approve and Return (a
comment), and /reports: the branch reports filed and waiting, for the manager, supervisors,
the deputy GM and the service department."""

from __future__ import annotations

from typing import Any

from telegram import Message

from fieldbot.domain.permissions import Permission
from fieldbot.domain.text import split_words
from fieldbot.handlers.cards import lines_card
from fieldbot.handlers.refusals import free_text
from fieldbot.handlers.routes import Route, action, command, form
from fieldbot.handlers.turn import Turn
from fieldbot.i18n import N_
from fieldbot.repositories.conversations import Form
from fieldbot.services import daily_reports as reports
from fieldbot.services.workflow import day_arg, staff_arg

FORM_CORRECT = "report_correct"
FORM_RETURN = "report_return"
REPORT_STATES = {
    "pending": N_("waiting for approval"),
    "approved": N_("approved"),
    "returned": N_("returned"),
}
LIST_LIMIT = 20


def routes() -> list[Route]:
    daily = Permission.CONFIRM_DAILY_REPORT
    approve = Permission.APPROVE_BRANCH_REPORT
    return [
        action(reports.CONFIRM_ACTION, confirm_pressed, "staff", daily),
        action(reports.CORRECT_ACTION, correct_pressed, "staff", daily),
        form(FORM_CORRECT, correct_form, "staff", daily),
        action(reports.APPROVE_ACTION, approve_pressed, "staff", approve),
        action(reports.RETURN_ACTION, return_pressed, "staff", approve),
        form(FORM_RETURN, return_form, "staff", approve),
        command("reports", reports_command, "staff", Permission.VIEW_REPORTS),
    ]


def _report_id(payload: dict[str, object]) -> int:
    return int(str(payload["report_id"]))


async def confirm_pressed(turn: Turn, payload: dict[str, object]) -> None:
    saved = await reports.confirm_report(
        turn.uow, report_id=_report_id(payload), actor=turn.code, now=turn.now
    )
    await turn.clear_keyboard()
    await turn.reply(
        N_("Your daily report of {day} is confirmed."), args={"day": day_arg(saved.day)}
    )


async def correct_pressed(turn: Turn, payload: dict[str, object]) -> None:
    data = {"report_id": _report_id(payload)}
    await turn.uow.forms.start(turn.user_id, FORM_CORRECT, "minutes", data, turn.now)
    await turn.reply(
        N_(
            "Send your admin minutes (type D) of the day and the reason in one message, "
            "e.g. 45 branch meeting. /cancel to stop."
        )
    )


async def correct_form(turn: Turn, found: Form, message: Message) -> None:
    words, rest = split_words(message.text or "", 1)
    if not words or not words[0].isdigit() or rest is None:
        await turn.reply(
            N_("Write the minutes as a number, then the reason, e.g. 45 branch meeting.")
        )
        return
    saved = await reports.correct_report(
        turn.uow,
        report_id=int(found.data["report_id"]),
        actor=turn.code,
        admin_minutes=int(words[0]),
        reason=free_text(turn, rest),
        now=turn.now,
    )
    await turn.uow.forms.clear(turn.user_id)
    await turn.reply(
        N_("Your daily report of {day} is corrected: {minutes} admin minutes."),
        args={"day": day_arg(saved.day), "minutes": saved.admin_minutes},
    )


async def approve_pressed(turn: Turn, payload: dict[str, object]) -> None:
    saved = await reports.approve_report(
        turn.uow, report_id=_report_id(payload), actor=turn.code, now=turn.now
    )
    await turn.clear_keyboard()
    await turn.reply(
        N_("The branch daily report of {day} is approved and filed."),
        args={"day": day_arg(saved.day)},
    )


async def return_pressed(turn: Turn, payload: dict[str, object]) -> None:
    data = {"report_id": _report_id(payload)}
    await turn.uow.forms.start(turn.user_id, FORM_RETURN, "comment", data, turn.now)
    await turn.reply(N_("Write your comment for the supervisor in one message. /cancel to stop."))


async def return_form(turn: Turn, found: Form, message: Message) -> None:
    if not (message.text or "").strip():
        await turn.reply(N_("Please write the comment as text."))
        return
    saved = await reports.return_report(
        turn.uow,
        report_id=int(found.data["report_id"]),
        actor=turn.code,
        comment=free_text(turn, message.text),
        now=turn.now,
    )
    await turn.uow.forms.clear(turn.user_id)
    await turn.reply(
        N_("The branch daily report of {day} went back to the supervisor."),
        args={"day": day_arg(saved.day)},
    )


async def reports_command(turn: Turn, _args: str) -> None:
    """The branch daily reports, the newest first: filed (approved, by whom) or not yet."""
    found = await reports.branch_reports(turn.uow)
    if not found:
        await turn.reply(N_("No branch daily report has been made yet."))
        return
    lines: list[dict[str, Any]] = [{"t": N_("Branch daily reports, the newest first:")}]
    for filed in found[:LIST_LIMIT]:
        row = filed.report
        by = staff_arg(row.decided_by) if row.decided_by is not None else "-"
        lines.append(
            {
                "t": N_("{day} · {branch} · {jobs} jobs · {state} · {by}"),
                "args": {
                    "day": day_arg(row.day),
                    "branch": filed.branch,
                    "jobs": filed.figures.jobs,
                    "state": {"t": REPORT_STATES.get(row.state, row.state)},
                    "by": by,
                },
            }
        )
    await turn.show(lines_card(lines))
