"""The Acknowledge button of a level 1 escalation (DESIGN.md §4).

Its route is for every registered person: who may acknowledge (a supervisor or a manager) is
told in the escalation's own words, not with the standard refusal."""

from __future__ import annotations

from fieldbot.domain.model import Role
from fieldbot.handlers.routes import Route, action
from fieldbot.handlers.turn import Turn
from fieldbot.i18n import N_
from fieldbot.services.deadlines.clocks import CLOCK_NAMES
from fieldbot.services.deadlines.ladder import ACK_ACTION, acknowledge_escalation
from fieldbot.services.workflow import staff_arg

MAY_ACKNOWLEDGE = frozenset({Role.SUPERVISOR, Role.MANAGER})

ACKNOWLEDGED = N_(
    "Acknowledged: {clock} of job {number}. The escalation stops; the deadline still counts."
)
ACKNOWLEDGED_OTHER = N_("Acknowledged: the {clock} deadline. The escalation stops here.")
ALREADY = N_("{name} already acknowledged this escalation.")
GONE = N_("This escalation is no longer open.")
NOT_ALLOWED = N_("Only a supervisor can acknowledge an escalation.")


def routes() -> list[Route]:
    return [action(ACK_ACTION, acknowledge_pressed, "registered")]


async def acknowledge_pressed(turn: Turn, payload: dict[str, object]) -> None:
    person = turn.person
    if person.kind != "staff" or person.id is None or not (person.roles & MAY_ACKNOWLEDGE):
        turn.refused("acknowledge without the role")
        await turn.reply(NOT_ALLOWED)
        return
    subject_type = str(payload["subject_type"])
    subject_id = int(str(payload["subject_id"]))
    clock = str(payload["clock"])
    result = await acknowledge_escalation(
        turn.uow,
        turn.deps.settings,
        staff_id=person.id,
        subject_type=subject_type,
        subject_id=subject_id,
        clock=clock,
        generation=int(str(payload["generation"])),
        now=turn.now,
    )
    name = {"t": CLOCK_NAMES.get(clock, clock)}
    if result.first:
        job = await turn.uow.jobs.get(subject_id) if subject_type == "job" else None
        if job is not None:
            await turn.reply(ACKNOWLEDGED, args={"clock": name, "number": job.number})
        else:
            await turn.reply(ACKNOWLEDGED_OTHER, args={"clock": name})
    elif result.by is not None:
        await turn.reply(ALREADY, args={"name": staff_arg(result.by.id)})
    else:
        await turn.reply(GONE)
