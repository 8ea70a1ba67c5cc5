"""Workflow state kept in rows: invites, forms, buttons, calendar overrides."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from fieldbot.store import CalendarOverride, ConcurrencyConflict, MissingReference, Store

from .conftest import NOW, insert_job

DAY = timedelta(days=1)


async def test_an_invite_is_redeemed_once_and_not_after_it_expires(seeded: Store) -> None:
    async with seeded.unit_of_work() as uow:
        t01 = await uow.staff.require_id("T01")
        invite = await uow.invites.create(
            kind="staff", staff_id=t01, now=NOW, expires_at=NOW + 3 * DAY
        )
        late = await uow.invites.create(kind="staff", staff_id=t01, now=NOW, expires_at=NOW + DAY)
        await uow.commit()
    assert len(invite.payload) >= 20
    async with seeded.unit_of_work() as uow:
        used = await uow.invites.redeem(invite.payload, user_id=1001, now=NOW + DAY)
        assert used is not None and (used.staff_id, used.used_by_user_id) == (t01, 1001)
        assert await uow.invites.redeem(invite.payload, user_id=1002, now=NOW + DAY) is None
        assert await uow.invites.redeem(late.payload, user_id=1001, now=NOW + 2 * DAY) is None
        assert await uow.invites.redeem("no-such-payload", user_id=1001, now=NOW) is None
        await uow.commit()


async def test_a_jobs_signoff_links_expire_when_the_job_moves_on(seeded: Store) -> None:
    async with seeded.unit_of_work() as uow:
        job = await insert_job(uow, NOW)
        link = await uow.invites.create(
            kind="signoff",
            customer_id=job.customer_id,
            job_id=job.id,
            now=NOW,
            expires_at=NOW + 7 * DAY,
        )
        await uow.commit()
    assert job.id is not None
    async with seeded.unit_of_work() as uow:
        assert await uow.invites.expire_for_job(job.id, NOW + DAY) == 1
        assert await uow.invites.redeem(link.payload, user_id=5001, now=NOW + DAY) is None
        found = await uow.invites.get(link.payload)
        assert found is not None and found.kind == "signoff" and found.expires_at == NOW + DAY


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


async def test_calendar_overrides_company_wide_and_per_branch(seeded: Store) -> None:
    national_day = date(2026, 10, 1)
    makeup = date(2026, 9, 27)
    async with seeded.unit_of_work() as uow:
        await uow.calendar.set(national_day, False, note="国庆节")
        await uow.calendar.set(makeup, True)
        await uow.calendar.set(makeup, False, branch="SH02")
        await uow.calendar.set(makeup, True)  # replaces, never duplicates
        await uow.commit()
    async with seeded.unit_of_work() as uow:
        company = await uow.calendar.between(date(2026, 9, 1), date(2026, 10, 31))
        assert company == [
            CalendarOverride(makeup, True),
            CalendarOverride(national_day, False, note="国庆节"),
        ]
        sh02 = await uow.calendar.between(date(2026, 9, 1), date(2026, 10, 31), branch="SH02")
        assert [(o.day, o.branch, o.is_working) for o in sh02] == [
            (makeup, None, True),
            (makeup, "SH02", False),
            (national_day, None, False),
        ]
        assert await uow.calendar.get(makeup, branch="SH02") == CalendarOverride(
            makeup, False, "SH02"
        )
        assert await uow.calendar.remove(makeup)
        assert not await uow.calendar.remove(makeup)
        with pytest.raises(MissingReference):
            await uow.calendar.set(makeup, True, branch="SH99")
