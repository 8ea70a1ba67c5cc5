"""Calendar overrides: company-wide and per branch."""

from __future__ import annotations

from datetime import date

import pytest

from fieldbot.repositories.calendar import CalendarOverride
from fieldbot.store import MissingReference, Store


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
