"""Dispatch: the technicians suggested for a job (distance, skill, load, declined before), each
a button that dispatches the job to them, or reassigns it once dispatched.
"""

from __future__ import annotations

from typing import Any

from fieldbot.domain.errors import IllegalTransition
from fieldbot.domain.model import JobState
from fieldbot.domain.permissions import Permission
from fieldbot.domain.states import OPEN_STATES
from fieldbot.handlers.routes import Route, action
from fieldbot.handlers.supervisor.cards import suggestions
from fieldbot.handlers.supervisor.common import current, job_id_of, require
from fieldbot.handlers.turn import Turn
from fieldbot.i18n import N_
from fieldbot.repositories.jobs import JobRecord
from fieldbot.services import dispatch as dispatching
from fieldbot.services.workflow import staff_arg


def routes() -> list[Route]:
    return [
        action("sup.suggest", suggest_pressed, "staff", Permission.DISPATCH),
        # Reassigning needs reassign too: checked by the handler, it depends on the job's state.,
        action("sup.dispatch", dispatch_pressed, "staff", Permission.DISPATCH),
    ]


async def show_suggestions(turn: Turn, job: JobRecord, first: dict[str, Any] | None = None) -> None:
    """The top technicians for the job, each a button that dispatches (or reassigns)."""
    found = await dispatching.suggest_technicians(
        turn.uow, turn.deps.settings, job=job_id_of(job), now=turn.now
    )
    await turn.show(suggestions(job, found, first))


async def suggest_pressed(turn: Turn, payload: dict[str, object]) -> None:
    job = await current(turn, payload)
    if job.state not in OPEN_STATES:
        raise IllegalTransition(f"job {job.number} is {job.state}", state=job.state.value)
    await show_suggestions(turn, job)


async def dispatch_pressed(turn: Turn, payload: dict[str, object]) -> None:
    code = turn.code
    job = await current(turn, payload)
    technician = str(payload["technician"])
    settings, clock = turn.deps.settings, turn.deps.clock
    if job.state is JobState.REGISTERED:
        change = await dispatching.dispatch(
            turn.uow,
            settings,
            clock,
            job=job_id_of(job),
            technician=technician,
            actor=code,
            expected_version=job.version,
        )
        template = N_("Job {number} is dispatched to {technician}; waiting for them to accept.")
    else:
        require(turn, Permission.REASSIGN)
        change = await dispatching.reassign(
            turn.uow,
            settings,
            clock,
            job=job_id_of(job),
            technician=technician,
            actor=code,
            expected_version=job.version,
        )
        template = N_("Job {number} is reassigned to {technician}; waiting for them to accept.")
    tech = await turn.uow.staff.row(technician)
    await turn.reply(
        template,
        args={
            "number": change.job.number,
            "technician": staff_arg(tech.id) if tech else technician,
        },
    )
