"""The accountant's /cash (DESIGN.md §5 "cash held"): each technician's cash held, with a
button to confirm the amount handed over (typed in one message); a difference from what was
held goes to the supervisors (:func:`fieldbot.services.cash.confirm_handover`)."""

from __future__ import annotations

from typing import Any

from telegram import Message

from fieldbot.domain.money import parse_money
from fieldbot.domain.permissions import Permission
from fieldbot.handlers.cards import lines_card
from fieldbot.handlers.routes import Route, action, command, form
from fieldbot.handlers.supervisor.common import branch_code
from fieldbot.handlers.turn import ButtonSpec, Turn
from fieldbot.i18n import N_
from fieldbot.repositories.conversations import Form
from fieldbot.services import cash
from fieldbot.services.calendars import require_branch
from fieldbot.services.workflow import money_arg, staff_arg

FORM_HANDOVER = "cash_handover"


def routes() -> list[Route]:
    confirm = Permission.CONFIRM_CASH
    return [
        command("cash", cash_command, "staff", confirm),
        action("cash.handover", handover_pressed, "staff", confirm),
        form(FORM_HANDOVER, handover_form, "staff", confirm),
    ]


async def cash_command(turn: Turn, _args: str) -> None:
    """Every technician's cash held (of the accountant's branch, or of all)."""
    branch = await branch_code(turn)
    branch_id = None
    if branch is not None:
        await require_branch(turn.uow, branch)
        branch_id = await turn.uow.branches.require_id(branch)
    held = await cash.holdings(turn.uow, branch_id)
    lines: list[dict[str, Any]] = [
        {
            "t": N_("Cash held by the technicians: {total} in all."),
            "args": {"total": money_arg(sum(h.held_fen for h in held))},
        }
    ]
    buttons: list[list[ButtonSpec]] = []
    for entry in held:
        code = entry.staff.staff.code
        lines.append(
            {
                "t": N_("{code} {name}: {held}"),
                "args": {
                    "code": code,
                    "name": staff_arg(entry.staff.id),
                    "held": money_arg(entry.held_fen),
                },
            }
        )
        label = {"t": N_("Handed over: {code}"), "args": {"code": code}}
        buttons.append([(label, "cash.handover", {"code": code})])
    await turn.show(lines_card(lines, buttons))


async def handover_pressed(turn: Turn, payload: dict[str, object]) -> None:
    code = str(payload["code"])
    await turn.uow.forms.start(turn.user_id, FORM_HANDOVER, "amount", {"code": code}, turn.now)
    await turn.reply(
        N_(
            "How much did {code} hand over? Send the amount, e.g. 350 or 1,234.50. /cancel to stop."
        ),
        args={"code": code},
    )


async def handover_form(turn: Turn, found: Form, message: Message) -> None:
    amount = parse_money(message.text or "", max_fen=turn.deps.settings.max_amount_fen)
    done = await cash.confirm_handover(
        turn.uow,
        technician=str(found.data["code"]),
        actor=turn.code,
        confirmed_fen=amount.fen,
        now=turn.now,
    )
    await turn.uow.forms.clear(turn.user_id)
    template = N_("Confirmed: {confirmed} handed over by {name}; still held {left}.")
    if done.difference_fen:
        template = N_(
            "Confirmed: {confirmed} handed over by {name}, which differs from the {held} held; "
            "the supervisor is told. Still held {left}."
        )
    await turn.reply(
        template,
        args={
            "confirmed": money_arg(done.handover.confirmed_fen),
            "held": money_arg(done.handover.held_fen),
            "name": staff_arg(done.handover.staff_id),
            "left": money_arg(done.held_after_fen),
        },
    )
