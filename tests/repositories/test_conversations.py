"""Conversation state kept in rows: forms and buttons."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from fieldbot.store import ConcurrencyConflict, Store

from .conftest import NOW

DAY = timedelta(days=1)


async def test_a_form_keeps_its_step_and_data_across_messages(store: Store) -> None:
    async with store.unit_of_work() as uow:
        form = await uow.forms.start(1001, "finish", "hours", {"job_id": 3}, NOW)
        await uow.commit()
    async with store.unit_of_work() as uow:
        loaded = await uow.forms.get(1001)
        assert loaded == form
        saved = await uow.forms.save(
            replace(form, step="parts", data={"job_id": 3, "hours": 1.5}), NOW + DAY
        )
        await uow.commit()
    assert saved.version == 2
    async with store.unit_of_work() as uow:
        current = await uow.forms.get(1001)
        assert current is not None and current.data == {"job_id": 3, "hours": 1.5}
        with pytest.raises(ConcurrencyConflict):
            await uow.forms.save(replace(form, step="stale"), NOW)
        await uow.forms.clear(1001)
        assert await uow.forms.get(1001) is None


async def test_a_button_works_once_and_only_for_its_user(store: Store) -> None:
    async with store.unit_of_work() as uow:
        token = await uow.buttons.create(2001, "ack", {"step_id": 9}, NOW, NOW + DAY)
        await uow.commit()
    assert len(token.encode()) <= 64
    async with store.unit_of_work() as uow:
        assert await uow.buttons.use(token, user_id=2002, now=NOW) is None  # someone else
        pressed = await uow.buttons.use(token, user_id=2001, now=NOW)
        assert pressed is not None and (pressed.action, pressed.payload) == ("ack", {"step_id": 9})
        assert await uow.buttons.use(token, user_id=2001, now=NOW) is None  # used
        await uow.commit()


async def test_an_expired_button_does_nothing_and_is_purged(store: Store) -> None:
    async with store.unit_of_work() as uow:
        token = await uow.buttons.create(2001, "ack", {}, NOW, NOW + DAY)
        keep = await uow.buttons.create(2001, "menu", {}, NOW)
        assert await uow.buttons.use(token, user_id=2001, now=NOW + 2 * DAY) is None
        assert await uow.buttons.purge_expired(NOW + 2 * DAY) == 1
        assert await uow.buttons.get(token) is None
        assert await uow.buttons.get(keep) is not None
