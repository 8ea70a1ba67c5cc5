"""A job's card (/job NUMBER): what it is, who works on it, its deadlines, and the buttons for
what this person may do in its state. Only for a job of a branch the person covers.
"""

from __future__ import annotations

from fieldbot.domain.permissions import Permission
from fieldbot.domain.text import job_number
from fieldbot.handlers.routes import Route, action, command
from fieldbot.handlers.supervisor.cards import job_card
from fieldbot.handlers.supervisor.common import NO_SUCH_JOB, require_branch_of
from fieldbot.handlers.turn import Turn
from fieldbot.i18n import N_
from fieldbot.repositories.jobs import JobRecord
from fieldbot.services.workflow import JOB_CARD_ACTION


def routes() -> list[Route]:
    return [
        command("job", job_command, "staff", Permission.VIEW_CALL_LOG),
        action(JOB_CARD_ACTION, job_card_pressed, "staff", Permission.VIEW_CALL_LOG),
    ]


async def job_command(turn: Turn, args: str) -> None:
    number = job_number(args)
    if number is None:
        # Not repeated: what was typed may be a phone (DESIGN §6).
        await turn.reply(N_("Which job? Send /job and its number, e.g. /job J20260914-001."))
        return
    job = await turn.uow.jobs.by_number(number)
    if job is None:
        await turn.reply(NO_SUCH_JOB, args={"number": number})
        return
    await require_branch_of(turn, job)
    await show_job(turn, job)


async def job_card_pressed(turn: Turn, payload: dict[str, object]) -> None:
    """The Open job button of a notice (an escalation): the job's card, as /job shows it."""
    job = await turn.uow.jobs.get(int(str(payload["job_id"])))
    if job is None:
        await turn.reply(NO_SUCH_JOB, args={"number": "?"})
        return
    await require_branch_of(turn, job)
    await show_job(turn, job)


async def show_job(turn: Turn, job: JobRecord) -> None:
    """A job's card with the buttons for its state only."""
    await turn.show(await job_card(turn, job))
