"""Stock levels per (location, part code); quantities never go below zero."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, insert, select, update
from sqlalchemy.engine import RowMapping

from fieldbot import tables as t
from fieldbot.domain.model import StockLevel
from fieldbot.repositories.base import (
    InsufficientStock,
    Repository,
    StoreError,
    UpsertResult,
    dialect_insert,
)


class StockRepository(Repository):
    """Stock per (location, part code); quantities never go below zero."""

    def _query(self) -> Select[Any]:
        return select(t.stock, t.parts.c.code.label("part_code")).select_from(
            t.stock.join(t.parts, t.stock.c.part_id == t.parts.c.id)
        )

    @staticmethod
    def _record(row: RowMapping) -> StockLevel:
        return StockLevel(
            location=row["location"], part=row["part_code"], quantity=int(row["quantity"])
        )

    async def upsert(self, record: StockLevel) -> UpsertResult:
        """Set the quantity of a part at a location (the import's meaning of a stock row)."""
        if record.quantity < 0:
            raise StoreError(f"stock of {record.part} at {record.location} cannot be negative")
        part_id = await self._part_id(record.part)
        existing = await self._first(
            select(t.stock).where(
                t.stock.c.location == record.location, t.stock.c.part_id == part_id
            )
        )
        if existing is None:
            await self._conn.execute(
                insert(t.stock).values(
                    location=record.location, part_id=part_id, quantity=record.quantity
                )
            )
            return "added"
        if existing["quantity"] == record.quantity:
            return "unchanged"
        await self._conn.execute(
            update(t.stock).where(t.stock.c.id == existing["id"]).values(quantity=record.quantity)
        )
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
            .values(quantity=t.stock.c.quantity - quantity)
            .returning(t.stock.c.quantity)
        )
        left = result.scalar_one_or_none()
        if left is None:
            have = await self.quantity(location, part)
            raise InsufficientStock(f"{location} has {have} of {part}, {quantity} needed")
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
                set_={"quantity": t.stock.c.quantity + quantity},
            )
            .returning(t.stock.c.quantity)
        )
        return int((await self._conn.execute(stmt)).scalar_one())

    async def move(self, source: str, target: str, part: str, quantity: int) -> None:
        """Move stock between locations in this unit of work (all or nothing)."""
        await self.take(source, part, quantity)
        await self.add(target, part, quantity)
