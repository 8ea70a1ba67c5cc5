"""Calendars built from the database: branch settings, merged overrides, override use cases."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from fieldbot.clock import ManualClock
from fieldbot.domain.errors import DomainError
from fieldbot.domain.model import Branch
from fieldbot.services.calendar_overrides import (
    OVERRIDE_REMOVED,
    OVERRIDE_SET,
    remove_override,
    set_override,
)
from fieldbot.services.calendars import UnknownBranch, calendar_for, describe_year, working_due
from fieldbot.settings import Settings
from fieldbot.store import Store

SHANGHAI = ZoneInfo("Asia/Shanghai")
SATURDAY = date(2026, 9, 19)
MONDAY = date(2026, 9, 21)


async def add_branches(store: Store) -> None:
    async with store.unit_of_work() as uow:
        await uow.branches.upsert(Branch("SH01", "city", 31.2304, 121.4737))
        await uow.branches.upsert(
            Branch(
                "HK01",
                "harbour",
                22.28,
                114.16,
                timezone="Asia/Hong_Kong",
                working_hours="08:00-17:00",
            )
        )
        await uow.commit()


async def test_a_branch_without_its_own_hours_uses_the_settings(
    store: Store, settings: Settings
) -> None:
    await add_branches(store)
    async with store.unit_of_work(readonly=True) as uow:
        calendar = await calendar_for(uow, settings, "SH01")
        company = await calendar_for(uow, settings, None)
    assert calendar.timezone == company.timezone == "Asia/Shanghai"
    assert str(calendar.windows) == str(company.windows) == "09:00-12:00,13:00-18:00"


async def test_a_branch_with_its_own_timezone_and_hours_keeps_them(
    store: Store, settings: Settings
) -> None:
    await add_branches(store)
    async with store.unit_of_work(readonly=True) as uow:
        calendar = await calendar_for(uow, settings, "HK01")
    assert calendar.timezone == "Asia/Hong_Kong"
    assert str(calendar.windows) == "08:00-17:00"


async def test_branch_overrides_win_over_company_wide_ones(
    store: Store, settings: Settings, clock: ManualClock
) -> None:
    await add_branches(store)
    async with store.unit_of_work() as uow:
        for branch in (None, "SH01"):
            await set_override(
                uow,
                clock,
                day=SATURDAY,
                is_working=branch is None,
                branch_code=branch,
                actor="t",
                settings=settings,
            )
        await set_override(
            uow,
            clock,
            day=MONDAY,
            is_working=False,
            branch_code=None,
            actor="admin",
            settings=settings,
        )
        await uow.commit()
    async with store.unit_of_work(readonly=True) as uow:
        company = await calendar_for(uow, settings, None)
        sh01 = await calendar_for(uow, settings, "SH01")
        hk01 = await calendar_for(uow, settings, "HK01")
    assert company.is_working_day(SATURDAY) and hk01.is_working_day(SATURDAY)
    assert not sh01.is_working_day(SATURDAY)
    assert not any(c.is_working_day(MONDAY) for c in (company, sh01, hk01))


async def test_an_unknown_branch_is_refused(store: Store, settings: Settings) -> None:
    async with store.unit_of_work(readonly=True) as uow:
        with pytest.raises(UnknownBranch, match="XX99"):
            await calendar_for(uow, settings, "XX99")


async def test_setting_an_override_twice_changes_nothing_the_second_time(
    store: Store, settings: Settings, clock: ManualClock
) -> None:
    await add_branches(store)
    async with store.unit_of_work() as uow:
        first = await set_override(
            uow,
            clock,
            day=SATURDAY,
            is_working=True,
            branch_code="SH01",
            actor="admin",
            settings=settings,
        )
        second = await set_override(
            uow,
            clock,
            day=SATURDAY,
            is_working=True,
            branch_code="SH01",
            actor="admin",
            settings=settings,
        )
        events = await uow.events.for_subject("calendar", "SH01")
        await uow.commit()
    assert (first, second) == (True, False)
    assert [(e.kind, e.actor, e.payload) for e in events] == [
        (OVERRIDE_SET, "admin", {"day": "2026-09-19", "is_working": True, "branch": "SH01"})
    ]


async def test_removing_only_removes_an_override_of_the_kind_named(
    store: Store, settings: Settings, clock: ManualClock
) -> None:
    async with store.unit_of_work() as uow:
        await set_override(
            uow, clock, day=MONDAY, is_working=False, branch_code=None, actor="a", settings=settings
        )
        as_workday = await remove_override(
            uow, clock, day=MONDAY, is_working=True, branch_code=None, actor="a", settings=settings
        )
        as_holiday = await remove_override(
            uow, clock, day=MONDAY, is_working=False, branch_code=None, actor="a", settings=settings
        )
        again = await remove_override(
            uow, clock, day=MONDAY, is_working=False, branch_code=None, actor="a", settings=settings
        )
        left = await uow.calendar.get(MONDAY)
        kinds = [e.kind for e in await uow.events.for_subject("calendar", "company")]
    assert (as_workday, as_holiday, again) == (False, True, False)
    assert left is None
    assert kinds == [OVERRIDE_SET, OVERRIDE_REMOVED]


async def test_overrides_for_an_unknown_branch_are_refused(
    store: Store, settings: Settings, clock: ManualClock
) -> None:
    async with store.unit_of_work() as uow:
        with pytest.raises(UnknownBranch):
            await set_override(
                uow,
                clock,
                day=MONDAY,
                is_working=False,
                branch_code="XX99",
                actor="a",
                settings=settings,
            )


async def test_working_due_crosses_national_day(store: Store, settings: Settings) -> None:
    start = datetime(2026, 9, 30, 16, 0, tzinfo=SHANGHAI)
    async with store.unit_of_work(readonly=True) as uow:
        due = await working_due(uow, settings, None, start, 6)
        with pytest.raises(DomainError, match="negative"):
            await working_due(uow, settings, None, start, -1)
    assert due == datetime(2026, 10, 8, 14, 0, tzinfo=SHANGHAI)


async def test_a_company_holiday_pushes_working_due_to_the_next_day(
    store: Store, settings: Settings, clock: ManualClock
) -> None:
    start = datetime(2026, 9, 11, 17, 0, tzinfo=SHANGHAI)  # Friday
    monday = date(2026, 9, 14)
    async with store.unit_of_work() as uow:
        await set_override(
            uow, clock, day=monday, is_working=False, branch_code=None, actor="a", settings=settings
        )
        due = await working_due(uow, settings, None, start, 2)
    assert due.astimezone(SHANGHAI) == datetime(2026, 9, 15, 10, 0, tzinfo=SHANGHAI)


async def test_describe_year_marks_overrides_with_their_scope(
    store: Store, settings: Settings, clock: ManualClock
) -> None:
    await add_branches(store)
    async with store.unit_of_work() as uow:
        await set_override(
            uow, clock, day=MONDAY, is_working=False, branch_code=None, actor="a", settings=settings
        )
        await set_override(
            uow,
            clock,
            day=SATURDAY,
            is_working=True,
            branch_code="SH01",
            actor="a",
            settings=settings,
        )
        view = await describe_year(uow, settings, 2026, "SH01")
        company = await describe_year(uow, settings, 2026, None)
    assert view.official_known and len(view.days) == 365
    assert [(d.day.day, d.override_scope) for d in view.overrides] == [
        (SATURDAY, "branch"),
        (MONDAY, "company"),
    ]
    assert [d.day.day for d in company.overrides] == [MONDAY]
    # both lose the Monday; the branch also works the Saturday
    assert view.working_days == company.working_days + 1
    national_day = next(d for d in view.days if d.day.day == date(2026, 10, 1))
    assert not national_day.day.working and national_day.day.name


async def test_a_year_without_an_official_schedule_is_reported_unknown(
    store: Store, settings: Settings
) -> None:
    async with store.unit_of_work(readonly=True) as uow:
        view = await describe_year(uow, settings, 2028, None)
    assert not view.official_known
    assert view.days[0].day.day == date(2028, 1, 1)
    assert len(view.days) == 366  # a leap year, every day listed
