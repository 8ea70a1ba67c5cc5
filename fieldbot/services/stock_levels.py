"""Stock levels (DESIGN.md §3 parts, §8 stock): the warning when a location falls below its
minimum, and the lists of ``/stock`` (a store or a van) and ``/van`` (the technician's own).

The warning: :class:`~fieldbot.repositories.stock.StockRepository` is the one place quantities
change; it remembers every level it changed in the unit of work and re-arms a level once it is
back at or above its minimum. :func:`warn_low_stock`, called by the use cases that change stock
(parts used on a job, a delivery, the import) before they commit, tells the storekeepers of each
changed level that is below its minimum and was not told since it last was not — so a level is
told once per drop, in the same transaction as the drop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fieldbot.domain.errors import DomainError
from fieldbot.domain.model import Role
from fieldbot.domain.stock import CENTRAL, VAN_PREFIX, below_minimum, van, van_owner
from fieldbot.i18n import N_
from fieldbot.labels import location_arg
from fieldbot.services.calls import page_slice
from fieldbot.services.recipients import storekeepers
from fieldbot.services.workflow import notify_staff
from fieldbot.store import UnitOfWork

PAGE_SIZE = 30  # lines of a /stock page: well within a Telegram message

LOW_STOCK = N_(
    "Low stock at {location}: {part} {name} — {quantity} left, below the minimum of {minimum}."
)


class UnknownLocation(DomainError):
    """Not the central warehouse, a branch code, or the van of a technician."""

    code = "unknown_location"


async def warn_low_stock(uow: UnitOfWork, now: datetime) -> tuple[int, ...]:
    """Tell the storekeepers about every level changed in this unit of work that is below its
    minimum, once until it is back at or above it; returns the outbox ids. Nobody bound to
    tell: the level stays untold, and its next change tells. The van of someone who left is
    not watched."""
    changed = uow.stock.drain_changed()
    if not changed:
        return ()
    keepers = await storekeepers(uow)
    if not keepers:
        return ()
    told: list[int] = []
    for location, part in changed:
        if not await _watched(uow, location):
            continue
        level = await uow.stock.claim_low(location, part)
        if level is None:
            continue
        catalogue = await uow.parts.get(part)
        args = {
            "location": location_arg(location),
            "part": part,
            "name": catalogue.name if catalogue is not None else "",
            "quantity": level.quantity,
            "minimum": level.min_quantity,
        }
        for keeper in keepers:
            sent = await notify_staff(uow, keeper, LOW_STOCK, args, now)
            if sent is not None:
                told.append(sent)
    return tuple(told)


async def _watched(uow: UnitOfWork, location: str) -> bool:
    owner = van_owner(location)
    if owner is None:
        return True
    row = await uow.staff.row(owner)
    return row is not None and row.staff.active


async def resolve_location(uow: UnitOfWork, text: str) -> str:
    """What a person typed as a stock location: ``central``, a branch code, ``van:T01`` or a
    technician's code ``T01`` (any case); :class:`UnknownLocation` otherwise."""
    word = text.strip()
    if word.casefold() in {CENTRAL, "总仓", "中心仓库"}:
        return CENTRAL
    code = word[len(VAN_PREFIX) :] if word.casefold().startswith(VAN_PREFIX) else word
    for branch in await uow.branches.keys():
        if branch.casefold() == word.casefold():
            return branch
    for row in await uow.staff.rows(role=Role.TECHNICIAN, active_only=False):
        if row.staff.code.casefold() == code.strip().casefold():
            return van(row.staff.code)
    raise UnknownLocation("not a stock location", location=word[:20])


@dataclass(frozen=True, slots=True)
class StockLine:
    part: str
    name: str
    quantity: int
    minimum: int | None
    below: bool


@dataclass(frozen=True, slots=True)
class StockPage:
    location: str
    lines: list[StockLine]
    page: int  # 1-based
    pages: int  # at least 1
    total: int  # parts held or watched at the location
    below: int  # of them below their minimum

    @property
    def next_page(self) -> int | None:
        return self.page + 1 if self.page < self.pages else None


async def stock_page(
    uow: UnitOfWork, location: str, page: int = 1, size: int = PAGE_SIZE
) -> StockPage:
    """The parts at ``location`` with quantity and minimum, those below their minimum first
    (then by part code), a page of ``size`` (:class:`~fieldbot.services.calls.NoSuchPage`
    past the last)."""
    names = {part.code: part.name for part in await uow.parts.all()}
    levels = await uow.stock.at_location(location)
    lines = [
        StockLine(
            level.part,
            names.get(level.part, ""),
            level.quantity,
            level.min_quantity,
            below_minimum(level),
        )
        for level in levels
    ]
    lines.sort(key=lambda line: (not line.below, line.part))
    shown, pages = page_slice(lines, page, size)
    below = sum(1 for line in lines if line.below)
    return StockPage(location, shown, page, pages, len(lines), below)
