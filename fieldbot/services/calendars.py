"""Working-hours calendars from the database, and the overrides that change them.

A branch's calendar uses its own timezone and working hours when it has them, else the
settings'; its overrides are the company-wide ones with the branch's own winning on the same
day (DESIGN.md §4). Without a branch the calendar is the company's: settings and company-wide
overrides only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from fieldbot.domain.calendar import (
    CalendarDay,
    WorkCalendar,
    WorkingWindows,
    china_holidays,
    merge_overrides,
)
from fieldbot.domain.errors import DomainError
from fieldbot.domain.model import Branch
from fieldbot.repositories.calendar import CalendarOverride
from fieldbot.settings import Settings
from fieldbot.store import UnitOfWork

COMPANY = "company"
_FIRST_DAY = date(1, 1, 1)
_LAST_DAY = date(9999, 12, 31)


class UnknownBranch(DomainError):
    code = "unknown_branch"


async def require_branch(uow: UnitOfWork, code: str) -> Branch:
    branch = await uow.branches.get(code)
    if branch is None:
        raise UnknownBranch(f"unknown branch {code!r}", branch=code)
    return branch


def _overrides(found: Iterable[CalendarOverride]) -> dict[date, bool]:
    company = {o.day: o.is_working for o in found if o.branch is None}
    branch = {o.day: o.is_working for o in found if o.branch is not None}
    return merge_overrides(company, branch)


def builtin_calendar(settings: Settings) -> WorkCalendar:
    """The company's calendar without a database: the settings' timezone and working hours
    and China's official holidays, no overrides (``fieldbot calendar due`` with no database)."""
    return WorkCalendar(settings.timezone, WorkingWindows.parse(settings.working_hours))


async def calendar_of(uow: UnitOfWork, settings: Settings, branch: Branch | None) -> WorkCalendar:
    """The calendar of a branch record already read (None: the company's)."""
    found = await uow.calendar.between(
        _FIRST_DAY, _LAST_DAY, branch=None if branch is None else branch.code
    )
    timezone = (branch.timezone if branch else None) or settings.timezone
    hours = (branch.working_hours if branch else None) or settings.working_hours
    return WorkCalendar(timezone, WorkingWindows.parse(hours), _overrides(found))


async def calendar_for(
    uow: UnitOfWork, settings: Settings, branch_code: str | None
) -> WorkCalendar:
    """The working calendar of ``branch_code`` (None: company-wide); unknown → UnknownBranch."""
    branch = None if branch_code is None else await require_branch(uow, branch_code)
    return await calendar_of(uow, settings, branch)


async def working_due(
    uow: UnitOfWork,
    settings: Settings,
    branch_code: str | None,
    start: datetime,
    hours: float,
) -> datetime:
    """The instant (UTC) at which ``hours`` working hours after ``start`` have passed."""
    if hours < 0:
        raise DomainError("a number of working hours cannot be negative", hours=hours)
    calendar = await calendar_for(uow, settings, branch_code)
    return calendar.add_working(start, timedelta(hours=hours))


@dataclass(frozen=True, slots=True)
class YearDay:
    """A day of ``fieldbot calendar show``: what the calendar says and where it comes from."""

    day: CalendarDay
    override_scope: str | None  # "branch", "company" or None


@dataclass(frozen=True, slots=True)
class YearView:
    year: int
    branch: str | None
    timezone: str
    working_hours: str
    official_known: bool  # the holidays package lists the year's make-up working days
    days: tuple[YearDay, ...]

    @property
    def working_days(self) -> int:
        return sum(1 for d in self.days if d.day.working)

    @property
    def overrides(self) -> tuple[YearDay, ...]:
        return tuple(d for d in self.days if d.override_scope is not None)


async def describe_year(
    uow: UnitOfWork, settings: Settings, year: int, branch_code: str | None
) -> YearView:
    """Every day of ``year`` on the calendar of ``branch_code`` (None: the company's)."""
    if not 1 <= year <= 9998:
        raise DomainError(f"year {year} is out of range", year=year)
    calendar = await calendar_for(uow, settings, branch_code)
    found = await uow.calendar.between(date(year, 1, 1), date(year, 12, 31), branch=branch_code)
    scope = {o.day: COMPANY for o in found if o.branch is None}
    scope.update({o.day: "branch" for o in found if o.branch is not None})
    return YearView(
        year=year,
        branch=branch_code,
        timezone=calendar.timezone,
        working_hours=str(calendar.windows),
        official_known=bool(china_holidays(year).makeup_workdays),
        days=tuple(YearDay(d, scope.get(d.day)) for d in calendar.describe_year(year)),
    )
