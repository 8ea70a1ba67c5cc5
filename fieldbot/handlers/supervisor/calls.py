"""The supervisor's queue (/calls, /calls 2) and the call log (/calls all, /calls all 2)."""

from __future__ import annotations

from fieldbot.domain.permissions import Permission
from fieldbot.handlers.routes import Route, command
from fieldbot.handlers.supervisor.cards import calls_page, technician_names
from fieldbot.handlers.supervisor.common import branch_code
from fieldbot.handlers.turn import Turn
from fieldbot.i18n import N_
from fieldbot.services import calls
from fieldbot.services.calendars import require_branch


def routes() -> list[Route]:
    return [
        command("calls", calls_command, "staff", Permission.VIEW_CALL_LOG),
    ]


LOG_WORDS = {"all", "log", "全部"}
QUEUE_WORDS = {"open", "打开", "未结"}  # the queue is the open jobs; kept as a synonym


async def calls_command(turn: Turn, args: str) -> None:
    """The queue of the supervisor's branch (every branch for staff without one): every open
    job, carried-over first, then by call time; ``all``: every job in the order of the call.
    A trailing number is the page."""
    words = args.strip().lower().split(maxsplit=1)
    whole_log = bool(words) and words[0] in LOG_WORDS
    if words and (whole_log or words[0] in QUEUE_WORDS):
        words = words[1:]
    page = calls.page_number(" ".join(words))
    branch = await branch_code(turn)
    lister = calls.call_log if whole_log else calls.queue
    found = await lister(turn.uow, branch, page)
    if not found.total:
        await turn.reply(N_("The call log is empty.") if whole_log else N_("Your queue is empty."))
        return
    tz = turn.deps.settings.timezone
    if branch is not None:
        tz = (await require_branch(turn.uow, branch)).timezone or tz
    names = await technician_names(turn, [s.job for s in found.jobs])
    await turn.show(calls_page(found, whole_log, names, tz))
