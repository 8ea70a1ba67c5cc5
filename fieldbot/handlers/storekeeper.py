"""The storekeeper's chat (DESIGN.md §3): /requests (the open part requests, each with its
Deliver button) and the delivery of a requested part to the technician's van, from the central
warehouse or, when it lacks the part, from a branch offered as buttons.
"""

from __future__ import annotations

from fieldbot.domain.permissions import Permission
from fieldbot.handlers.routes import Route, action, command
from fieldbot.handlers.turn import ButtonSpec, Turn
from fieldbot.i18n import N_
from fieldbot.labels import location_arg
from fieldbot.services import spare_parts
from fieldbot.services.workflow import load_job, part_request_key


def routes() -> list[Route]:
    return [
        command("requests", requests_command, "staff", Permission.FULFIL_PART_REQUEST),
        action("part.deliver", deliver_pressed, "staff", Permission.FULFIL_PART_REQUEST),
    ]


async def deliver_pressed(turn: Turn, payload: dict[str, object]) -> None:
    """The storekeeper moves the requested part to the van: from the central warehouse, or
    from a branch when the warehouse lacks it (offered as buttons)."""
    code = turn.code
    s, clock = turn.deps.settings, turn.deps.clock
    request_id = int(str(payload["request_id"]))
    source = str(payload.get("source") or "central")
    try:
        delivery = await spare_parts.deliver_part(
            turn.uow, s, clock, request_id=request_id, actor=code, source=source
        )
    except spare_parts.StockShortfall:
        await _other_sources(turn, request_id, source)
        return
    await turn.clear_keyboard()
    request = delivery.request
    await turn.reply(
        N_("Delivered: {quantity} × {part} from {source} to {target}. The technician is told."),
        args={
            "quantity": request.quantity,
            "part": request.part,
            "source": location_arg(request.source or source),
            "target": location_arg(request.target),
        },
    )


async def _other_sources(turn: Turn, request_id: int, tried: str) -> None:
    request = await turn.uow.fieldwork.part_request(request_id)
    assert request is not None
    sources: list[ButtonSpec] = [
        (location_arg(location), "part.deliver", {"request_id": request_id, "source": location})
        for location in await spare_parts.sources_that_hold(turn.uow, request, tried)
    ]
    if not sources:
        await turn.reply(
            N_("No stock location holds {quantity} × {part}. The request stays open."),
            args={"quantity": request.quantity, "part": request.part},
        )
        return
    await turn.reply(
        N_("{source} does not hold {quantity} × {part}. Deliver it from:"),
        args={"source": location_arg(tried), "quantity": request.quantity, "part": request.part},
        buttons=[sources],
    )


async def requests_command(turn: Turn, _args: str) -> None:
    """/requests: the open part requests, each with its Deliver button."""
    open_requests = await turn.uow.fieldwork.part_requests(status="open")
    if not open_requests:
        await turn.reply(N_("There are no open part requests."))
        return
    for request in open_requests[:20]:
        job = await load_job(turn.uow, request.job_id)
        await turn.reply(
            N_("Part request for job {number}: {quantity} × {part} to {target}."),
            args={
                "number": job.number,
                "quantity": request.quantity,
                "part": request.part,
                "target": location_arg(request.target),
            },
            buttons=[[(spare_parts.DELIVER, "part.deliver", {"request_id": request.id})]],
            card=part_request_key(request.id),
        )
