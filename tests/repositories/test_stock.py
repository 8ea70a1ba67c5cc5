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


async def test_a_drop_below_the_minimum_is_claimed_once_until_the_level_is_back(
    seeded: Store,
) -> None:
    async with seeded.unit_of_work() as uow:
        assert await uow.stock.upsert(StockLevel("central", "P001", 4, 3)) == "updated"
        assert uow.stock.drain_changed() == [("central", "P001")]
        assert await uow.stock.claim_low("central", "P001") is None  # 4 is not below 3
        await uow.stock.move("central", "van:T01", "P001", 2)
        await uow.stock.take("van:T01", "P001", 1)
        assert uow.stock.drain_changed() == [("central", "P001"), ("van:T01", "P001")]
        assert uow.stock.drain_changed() == []
        assert await uow.stock.claim_low("central", "P001") == StockLevel("central", "P001", 2, 3)
        assert await uow.stock.claim_low("central", "P001") is None  # told already
        await uow.stock.add("central", "P001", 1)  # back at the minimum: re-armed
        await uow.stock.take("central", "P001", 1)
        assert await uow.stock.claim_low("central", "P001") == StockLevel("central", "P001", 2, 3)
        assert await uow.stock.get(("central", "P001")) == StockLevel("central", "P001", 2, 3)
        # An import without a minimum keeps the stored one.
        assert await uow.stock.upsert(StockLevel("central", "P001", 2)) == "unchanged"
        assert await uow.stock.upsert(StockLevel("central", "P001", 2, 0)) == "updated"
        assert await uow.stock.get(("central", "P001")) == StockLevel("central", "P001", 2)
        await uow.commit()
