"""Stock levels: taken, added and moved, never negative."""

from __future__ import annotations

import pytest

from fieldbot.domain.model import StockLevel
from fieldbot.store import InsufficientStock, Store, StoreError


async def test_stock_is_taken_and_added_but_never_goes_negative(seeded: Store) -> None:
    async with seeded.unit_of_work() as uow:
        assert await uow.stock.take("van:T01", "P002", 3) == 7
        with pytest.raises(InsufficientStock):
            await uow.stock.take("van:T01", "P002", 8)
        await uow.stock.move("central", "van:T01", "P001", 2)
        assert await uow.stock.add("SH01", "P002", 5) == 5
        await uow.commit()
    async with seeded.unit_of_work(readonly=True) as uow:
        assert await uow.stock.at_location("van:T01") == [
            StockLevel("van:T01", "P001", 2),
            StockLevel("van:T01", "P002", 7),
        ]
        assert await uow.stock.quantity("central", "P001") == 2
        assert await uow.stock.quantity("SH02", "P001") == 0


async def test_negative_stock_levels_are_refused(seeded: Store) -> None:
    async with seeded.unit_of_work() as uow:
        with pytest.raises(StoreError):
            await uow.stock.upsert(StockLevel("central", "P001", -1))
