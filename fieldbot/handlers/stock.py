"""Stock levels in the chat: ``/stock [LOCATION] [PAGE]`` for the storekeeper and supervisors
(a supervisor's default is their branch store, anyone else's the central warehouse; LOCATION is
``central``, a branch code, ``van:T01`` or ``T01``) and ``/van [PAGE]`` for the technician (their
own van). Each line: part, name, quantity and minimum, those below their minimum marked first.
"""

from __future__ import annotations

from typing import Any

from fieldbot.domain.model import Role
from fieldbot.domain.permissions import Permission
from fieldbot.domain.stock import CENTRAL, van
from fieldbot.handlers.cards import Card, lines_card
from fieldbot.handlers.routes import Route, command
from fieldbot.handlers.supervisor.common import branch_code
from fieldbot.handlers.turn import Turn
from fieldbot.i18n import N_
from fieldbot.labels import location_arg
from fieldbot.services import calls, stock_levels
from fieldbot.services.calls import NoSuchPage
from fieldbot.services.stock_levels import StockLine, StockPage


def routes() -> list[Route]:
    return [
        command("stock", stock_command, "staff", Permission.VIEW_STOCK),
        command("van", van_command, "staff", Permission.WORK_JOBS),
    ]


NO_SUCH_PAGE = N_(
    "There is no such page: /stock central 2 shows the second page of the central warehouse. "
    "Nothing was changed."
)


def _line(line: StockLine) -> dict[str, Any]:
    args: dict[str, Any] = {"part": line.part, "name": line.name, "quantity": line.quantity}
    if line.minimum is None:
        return {"t": N_("{part} {name} · {quantity}"), "args": args}
    args["minimum"] = line.minimum
    if line.below:
        return {"t": N_("⚠ {part} {name} · {quantity} (minimum {minimum}) — below"), "args": args}
    return {"t": N_("{part} {name} · {quantity} (minimum {minimum})"), "args": args}


def stock_card(found: StockPage, next_command: str) -> Card:
    """A page of a location's stock, with the way to the next page."""
    lines: list[dict[str, Any]] = [
        {
            "t": N_(
                "Stock at {location}: {total} parts, {below} below their minimum — "
                "page {page} of {pages}."
            ),
            "args": {
                "location": location_arg(found.location),
                "total": found.total,
                "below": found.below,
                "page": found.page,
                "pages": found.pages,
            },
        }
    ]
    lines.extend(_line(line) for line in found.lines)
    if found.next_page is not None:
        lines.append(
            {
                "t": N_("Next page: {command}"),
                "args": {"command": f"{next_command} {found.next_page}"},
            }
        )
    return lines_card(lines)


def _command_of(location: str) -> str:
    return f"/stock {location}"


async def _show(turn: Turn, location: str, page_text: str, next_command: str) -> None:
    try:
        found = await stock_levels.stock_page(turn.uow, location, calls.page_number(page_text))
    except NoSuchPage:
        turn.refused("no such page", page=page_text[:20])
        await turn.reply(NO_SUCH_PAGE)
        return
    if not found.total:
        await turn.reply(
            N_("{location} holds no parts."), args={"location": location_arg(location)}
        )
        return
    await turn.show(stock_card(found, next_command))


async def _default_location(turn: Turn) -> str:
    if Role.SUPERVISOR in turn.person.roles:
        branch = await branch_code(turn)
        if branch is not None:
            return branch
    return CENTRAL


async def stock_command(turn: Turn, args: str) -> None:
    """/stock [LOCATION] [PAGE]: the stock of a store or a van."""
    words = args.split()
    page_text = words.pop() if words and words[-1].isdigit() else ""
    if words:
        location = await stock_levels.resolve_location(turn.uow, " ".join(words))
    else:
        location = await _default_location(turn)
    await _show(turn, location, page_text, _command_of(location))


async def van_command(turn: Turn, args: str) -> None:
    """/van [PAGE]: what the technician's own van holds."""
    await _show(turn, van(turn.code), args.strip(), "/van")
