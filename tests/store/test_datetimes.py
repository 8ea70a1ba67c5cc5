"""Instants go in aware, are stored in UTC and come back aware UTC on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import StatementError

from fieldbot.store import Store
from fieldbot.tables import NaiveDatetimeError, buttons

SHANGHAI = ZoneInfo("Asia/Shanghai")


async def _round_trip(store: Store, instant: datetime) -> datetime:
    async with store.unit_of_work() as uow:
        await uow.connection.execute(
            insert(buttons).values(
                token="t", user_id=1, action="a", payload="{}", created_at=instant
            )
        )
        await uow.commit()
    async with store.unit_of_work(readonly=True) as uow:
        value = (await uow.connection.execute(select(buttons.c.created_at))).scalar_one()
    assert isinstance(value, datetime)
    return value


async def test_an_aware_instant_comes_back_as_the_same_instant_in_utc(store: Store) -> None:
    local = datetime(2026, 9, 14, 8, 30, 15, 123456, tzinfo=SHANGHAI)
    back = await _round_trip(store, local)
    assert back == local
    assert back.tzinfo is not None and back.utcoffset() == timedelta(0)
    assert back == datetime(2026, 9, 14, 0, 30, 15, 123456, tzinfo=UTC)


async def test_a_naive_datetime_is_refused(store: Store) -> None:
    async with store.unit_of_work() as uow:
        with pytest.raises(StatementError) as caught:
            await uow.connection.execute(
                insert(buttons).values(
                    token="t",
                    user_id=1,
                    action="a",
                    payload="{}",
                    created_at=datetime(2026, 9, 14, 8, 30),  # noqa: DTZ001 - the point
                )
            )
    assert isinstance(caught.value.orig, NaiveDatetimeError)


async def test_comparisons_use_utc_whatever_the_offset_given(store: Store) -> None:
    stored = datetime(2026, 9, 14, 0, 30, tzinfo=UTC)
    await _round_trip(store, stored)
    just_before_in_new_york = datetime(2026, 9, 13, 20, 29, tzinfo=timezone(timedelta(hours=-4)))
    async with store.unit_of_work(readonly=True) as uow:
        later = await uow.connection.execute(
            select(buttons.c.token).where(buttons.c.created_at > just_before_in_new_york)
        )
        assert later.scalars().all() == ["t"]
