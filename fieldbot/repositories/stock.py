"""Stock levels per (location, part code); quantities never go below zero.

This is the one place stock quantities change (the import's ``upsert``, ``take``, ``add`` and
``move``). Every change re-arms the low-stock warning of its level once the quantity is back at
or above its minimum (``low_told`` cleared), and is remembered for the unit of work
(:meth:`StockRepository.drain_changed`) so that
:func:`fieldbot.services.stock_levels.warn_low_stock` tells the storekeepers, in the same
transaction, of every level that fell below its minimum.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, case, false, insert, select, true, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from fieldbot import tables as t
from fieldbot.crypto import Cipher
from fieldbot.domain.model import StockLevel
from fieldbot.repositories.base import (
    InsufficientStock,
    Repository,
    StoreError,
    UpsertResult,
    dialect_insert,
)


def _rearmed(quantity: ColumnElement[Any]) -> ColumnElement[bool]:
    """``low_told`` once the level holds ``quantity``: cleared at or above the minimum."""
    return case((quantity >= t.stock.c.min_quantity, false()), else_=t.stock.c.low_told)


class StockRepository(Repository):
    """Stock per (location, part code); quantities never go below zero."""

    def __init__(self, connection: AsyncConnection, cipher: Cipher) -> None:
        super().__init__(connection, cipher)
        self._changed: list[tuple[str, str]] = []  # (location, part code), in this unit of work

    def drain_changed(self) -> list[tuple[str, str]]:
        """The levels changed since the last call, each once, in the order of their change."""
        changed, self._changed = list(dict.fromkeys(self._changed)), []
        return changed

    def _query(self) -> Select[Any]:
        return select(t.stock, t.parts.c.code.label("part_code")).select_from(
            t.stock.join(t.parts, t.stock.c.part_id == t.parts.c.id)
        )

    @staticmethod
    def _record(row: RowMapping) -> StockLevel:
        return StockLevel(
            location=row["location"],
            part=row["part_code"],
            quantity=int(row["quantity"]),
            min_quantity=int(row["min_quantity"]) or None,
        )

    async def upsert(self, record: StockLevel) -> UpsertResult:
        """Set the quantity of a part at a location (the import's meaning of a stock row), and
        its minimum when the record gives one (None leaves the stored minimum alone)."""
        if record.quantity < 0:
            raise StoreError(f"stock of {record.part} at {record.location} cannot be negative")
        if record.min_quantity is not None and record.min_quantity < 0:
            raise StoreError(f"minimum of {record.part} at {record.location} cannot be negative")
        part_id = await self._part_id(record.part)
        existing = await self._first(
            select(t.stock).where(
                t.stock.c.location == record.location, t.stock.c.part_id == part_id
            )
        )
        minimum = record.min_quantity
        if existing is None:
            await self._conn.execute(
                insert(t.stock).values(
                    location=record.location,
                    part_id=part_id,
                    quantity=record.quantity,
                    min_quantity=minimum or 0,
                )
            )
            self._changed.append((record.location, record.part))
            return "added"
        if minimum is None:
            minimum = int(existing["min_quantity"])
        if existing["quantity"] == record.quantity and existing["min_quantity"] == minimum:
            return "unchanged"
        await self._conn.execute(
            update(t.stock)
            .where(t.stock.c.id == existing["id"])
            .values(
                quantity=record.quantity,
                min_quantity=minimum,
                low_told=bool(existing["low_told"]) and record.quantity < minimum,
            )
        )
        self._changed.append((record.location, record.part))
        return "updated"

    async def get(self, key: tuple[str, str]) -> StockLevel | None:
        location, part = key
        row = await self._first(
            self._query().where(t.stock.c.location == location, t.parts.c.code == part)
        )
        return None if row is None else self._record(row)

    async def all(self) -> list[StockLevel]:
        rows = await self._all(self._query().order_by(t.stock.c.location, t.parts.c.code))
        return [self._record(row) for row in rows]

    async def keys(self) -> set[tuple[str, str]]:
        rows = await self._all(self._query())
        return {(row["location"], row["part_code"]) for row in rows}

    async def at_location(self, location: str) -> list[StockLevel]:
        rows = await self._all(
            self._query().where(t.stock.c.location == location).order_by(t.parts.c.code)
        )
        return [self._record(row) for row in rows]

    async def quantity(self, location: str, part: str) -> int:
        level = await self.get((location, part))
        return 0 if level is None else level.quantity

    async def take(self, location: str, part: str, quantity: int) -> int:
        """Take ``quantity`` atomically; returns what is left. Raises
        :class:`InsufficientStock` (taking nothing) when there is not enough."""
        if quantity <= 0:
            raise StoreError("take a positive quantity")
        part_id = await self._part_id(part)
        result = await self._conn.execute(
            update(t.stock)
            .where(
                t.stock.c.location == location,
                t.stock.c.part_id == part_id,
                t.stock.c.quantity >= quantity,
            )
            .values(
                quantity=t.stock.c.quantity - quantity,
                low_told=_rearmed(t.stock.c.quantity - quantity),
            )
            .returning(t.stock.c.quantity)
        )
        left = result.scalar_one_or_none()
        if left is None:
            have = await self.quantity(location, part)
            raise InsufficientStock(f"{location} has {have} of {part}, {quantity} needed")
        self._changed.append((location, part))
        return int(left)

    async def add(self, location: str, part: str, quantity: int) -> int:
        """Add ``quantity`` (creating the level if needed); returns the new quantity."""
        if quantity <= 0:
            raise StoreError("add a positive quantity")
        part_id = await self._part_id(part)
        stmt = (
            dialect_insert(self._conn, t.stock)
            .values(location=location, part_id=part_id, quantity=quantity)
            .on_conflict_do_update(
                index_elements=["location", "part_id"],
                set_={
                    "quantity": t.stock.c.quantity + quantity,
                    "low_told": _rearmed(t.stock.c.quantity + quantity),
                },
            )
            .returning(t.stock.c.quantity)
        )
        added = int((await self._conn.execute(stmt)).scalar_one())
        self._changed.append((location, part))
        return added

    async def move(self, source: str, target: str, part: str, quantity: int) -> None:
        """Move stock between locations in this unit of work (all or nothing)."""
        await self.take(source, part, quantity)
        await self.add(target, part, quantity)

    async def claim_low(self, location: str, part: str) -> StockLevel | None:
        """Mark the level as told when it is below its minimum and nobody was told since it
        last was at or above it; returns the level then (to tell), None otherwise. A
        conditional update: of two units of work only one claims the same drop."""
        part_id = await self._part_id(part)
        claimed = await self._first(
            update(t.stock)
            .where(
                t.stock.c.location == location,
                t.stock.c.part_id == part_id,
                t.stock.c.low_told.is_(False),
                t.stock.c.quantity < t.stock.c.min_quantity,
            )
            .values(low_told=true())
            .returning(t.stock.c.quantity, t.stock.c.min_quantity)
        )
        if claimed is None:
            return None
        return StockLevel(location, part, int(claimed["quantity"]), int(claimed["min_quantity"]))
