"""The call log (/calls): the latest jobs of the supervisor's branch, or only the open ones."""

from __future__ import annotations

from fieldbot.domain.permissions import Permission
from fieldbot.domain.states import OPEN_STATES
from fieldbot.handlers.routes import Route, command
from fieldbot.handlers.supervisor.cards import call_log, technician_names
from fieldbot.handlers.supervisor.common import branch_code
from fieldbot.handlers.turn import Turn
from fieldbot.i18n import N_
from fieldbot.services.calendars import require_branch
from fieldbot.services.jobs import list_jobs


def routes() -> list[Route]:
    return [
        command("calls", calls_command, "staff", Permission.VIEW_CALL_LOG),
    ]


CALLS_SHOWN = 20


async def calls_command(turn: Turn, args: str) -> None:
    """The call log of the supervisor's branch (every branch for staff without one):
    ``/calls`` the latest jobs, ``/calls open`` the open ones."""
    branch = await branch_code(turn)
    only_open = args.strip().lower() in {"open", "打开", "未结"}
    found = await list_jobs(turn.uow, branch=branch, states=OPEN_STATES if only_open else None)
    shown = found[-CALLS_SHOWN:]
    if not shown:
        await turn.reply(N_("The call log is empty."))
        return
    tz = turn.deps.settings.timezone
    if branch is not None:
        tz = (await require_branch(turn.uow, branch)).timezone or tz
    names = await technician_names(turn, [s.job for s in shown])
    await turn.show(call_log(shown, len(found), names, tz))
