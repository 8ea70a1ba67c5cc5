"""The working-hours calendar of DESIGN.md §4, exact to the microsecond.

A day is a working day when an override says so; else when it is a make-up working day (调休)
that the ``holidays`` package lists for China; else not when it is a public holiday; else
Monday to Friday. On a working day the working windows (local wall time of the calendar's
timezone) are working time, each window half-open: ``09:00-12:00`` contains 09:00 and not 12:00.

All instants in and out are timezone-aware; results are in UTC. Arithmetic is done in UTC so a
daylight-saving change inside a window counts the time that really passed.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

import holidays

from fieldbot.domain.errors import InvalidWorkingHours

_WINDOW = re.compile(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})")
_DAY_SECONDS = 24 * 3600
# A calendar with no working time for this long is misconfigured; refuse instead of looping.
MAX_IDLE_DAYS = 3 * 366


@dataclass(frozen=True, slots=True)
class Window:
    """Working time from ``start`` to ``end`` seconds after local midnight (end ≤ 24:00)."""

    start: int
    end: int

    def __str__(self) -> str:
        return f"{_hhmm(self.start)}-{_hhmm(self.end)}"


def _hhmm(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def _seconds(hours: str, minutes: str, text: str) -> int:
    h, m = int(hours), int(minutes)
    if m > 59 or h > 24 or (h == 24 and m != 0):
        raise InvalidWorkingHours(f"not a time of day in {text!r}", value=text)
    return h * 3600 + m * 60


@dataclass(frozen=True, slots=True)
class WorkingWindows:
    """The working windows of a working day, ordered and not overlapping."""

    windows: tuple[Window, ...]

    def __post_init__(self) -> None:
        if not self.windows:
            raise InvalidWorkingHours("no working window given", value="")
        previous_end = 0
        for window in self.windows:
            if not 0 <= window.start < window.end <= _DAY_SECONDS:
                raise InvalidWorkingHours(f"window {window} is empty or reversed", value=str(self))
            if window.start < previous_end:
                raise InvalidWorkingHours(
                    f"window {window} overlaps or precedes the one before it", value=str(self)
                )
            previous_end = window.end

    @classmethod
    def parse(cls, text: str) -> WorkingWindows:
        """``"09:00-12:00,13:00-18:00"``; ``24:00`` is allowed as an end."""
        windows = []
        for part in text.split(","):
            match = _WINDOW.fullmatch(part.strip())
            if match is None:
                raise InvalidWorkingHours(f"not a window HH:MM-HH:MM: {part.strip()!r}", value=text)
            start = _seconds(match[1], match[2], text)
            end = _seconds(match[3], match[4], text)
            if start == _DAY_SECONDS:
                raise InvalidWorkingHours(f"a window cannot start at 24:00: {text!r}", value=text)
            windows.append(Window(start, end))
        return cls(tuple(windows))

    @property
    def per_day(self) -> timedelta:
        """Nominal working time of a working day (a daylight-saving day may differ)."""
        return timedelta(seconds=sum(w.end - w.start for w in self.windows))

    def __str__(self) -> str:
        return ",".join(str(w) for w in self.windows)


class DayKind(StrEnum):
    WORKDAY = "workday"
    WEEKEND = "weekend"
    HOLIDAY = "holiday"
    MAKEUP_WORKDAY = "makeup_workday"


@dataclass(frozen=True, slots=True)
class YearHolidays:
    """What the holiday source knows of one year."""

    year: int
    holidays: Mapping[date, str] = field(default_factory=dict)
    makeup_workdays: frozenset[date] = frozenset()


HolidaySource = Callable[[int], YearHolidays]


@functools.cache
def _china(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("CN", years=year, language="zh_CN")


@functools.cache
def china_holidays(year: int) -> YearHolidays:
    """China's public holidays and weekend working days of ``year``, from ``holidays``.

    The package records a make-up working day with the holiday it pays for, which may fall in
    the next year (a Sunday in late December for New Year), so both years are read. For years
    without an official schedule the package guesses holidays and lists no make-up days.
    """
    this_year, next_year = _china(year), _china(year + 1)
    makeup = {
        d for source in (this_year, next_year) for d in source.weekend_workdays if d.year == year
    }
    named = {d: str(name) for d, name in this_year.items() if d.year == year}
    return YearHolidays(year=year, holidays=named, makeup_workdays=frozenset(makeup))


@dataclass(frozen=True, slots=True)
class CalendarDay:
    day: date
    kind: DayKind  # what the holiday source and the weekday say, before overrides
    working: bool  # with overrides applied
    override: bool | None  # the override of this day (True: working), if any
    name: str | None = None  # the holiday's name (Chinese), if any


def merge_overrides(
    company: Mapping[date, bool], branch: Mapping[date, bool] | None = None
) -> dict[date, bool]:
    """Company-wide overrides, with the branch's own winning on the same day."""
    merged = dict(company)
    merged.update(branch or {})
    return merged


def _utc(t: datetime) -> datetime:
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError(f"naive datetime {t.isoformat()}: the calendar takes aware instants")
    return t.astimezone(UTC)


def add_calendar(start: datetime, duration: timedelta | float) -> datetime:
    """``start`` plus calendar time (a timedelta, or a number of hours), in UTC."""
    if not isinstance(duration, timedelta):
        duration = timedelta(hours=duration)
    return _utc(start) + duration


class WorkCalendar:
    """Working days and hours of one branch (or the company) in its timezone."""

    def __init__(
        self,
        timezone: str,
        windows: WorkingWindows,
        overrides: Mapping[date, bool] | None = None,
        *,
        holiday_source: HolidaySource = china_holidays,
    ) -> None:
        self.timezone = timezone
        self.tz = ZoneInfo(timezone)
        self.windows = windows
        self.overrides: Mapping[date, bool] = dict(overrides or {})
        self._source = holiday_source

    def __repr__(self) -> str:
        return (
            f"WorkCalendar({self.timezone!r}, {str(self.windows)!r}, "
            f"{len(self.overrides)} overrides)"
        )

    # Days

    def day_kind(self, day: date) -> DayKind:
        """The kind of ``day`` from the holiday source and the weekday, ignoring overrides."""
        year = self._source(day.year)
        if day in year.makeup_workdays:
            return DayKind.MAKEUP_WORKDAY
        if day in year.holidays:
            return DayKind.HOLIDAY
        return DayKind.WEEKEND if day.weekday() >= 5 else DayKind.WORKDAY

    def is_working_day(self, day: date) -> bool:
        override = self.overrides.get(day)
        if override is not None:
            return override
        return self.day_kind(day) in (DayKind.WORKDAY, DayKind.MAKEUP_WORKDAY)

    def year_known(self, year: int) -> bool:
        """Whether the year's make-up days are known: listed by the package, or overridden.

        The package silently guesses holidays of years without an official schedule; such a
        year lists no weekend working days.
        """
        if self._source(year).makeup_workdays:
            return True
        return any(d.year == year for d in self.overrides)

    def describe_year(self, year: int) -> tuple[CalendarDay, ...]:
        """Every day of ``year`` with its kind, whether it is worked, and its override."""
        names = self._source(year).holidays
        days = []
        day = date(year, 1, 1)
        while day.year == year:
            days.append(
                CalendarDay(
                    day=day,
                    kind=self.day_kind(day),
                    working=self.is_working_day(day),
                    override=self.overrides.get(day),
                    name=names.get(day),
                )
            )
            day += timedelta(days=1)
        return tuple(days)

    # Instants

    def _local_date(self, t: datetime) -> date:
        return t.astimezone(self.tz).date()

    def segments(self, day: date) -> list[tuple[datetime, datetime]]:
        """The working intervals ``[start, end)`` of local ``day``, in UTC; empty off days."""
        if not self.is_working_day(day):
            return []
        midnight = datetime.combine(day, time(0), tzinfo=self.tz)
        result = []
        for window in self.windows.windows:
            # Wall-clock arithmetic on purpose: "09:00 local" whatever the offset that day.
            start = (midnight + timedelta(seconds=window.start)).astimezone(UTC)
            end = (midnight + timedelta(seconds=window.end)).astimezone(UTC)
            if end > start:
                result.append((start, end))
        return result

    def _segments_from(self, t: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working intervals ending after ``t`` (UTC), in order, without end."""
        day = self._local_date(t)
        idle = 0
        while True:
            found = False
            for start, end in self.segments(day):
                if end > t:
                    found = True
                    yield start, end
            idle = 0 if found else idle + 1
            if idle > MAX_IDLE_DAYS:
                raise InvalidWorkingHours(
                    f"no working time within {MAX_IDLE_DAYS} days after {t.isoformat()}",
                    value=str(self.windows),
                )
            day += timedelta(days=1)

    def is_working_moment(self, t: datetime) -> bool:
        t = _utc(t)
        return any(start <= t < end for start, end in self.segments(self._local_date(t)))

    def next_working_moment(self, t: datetime) -> datetime:
        """``t`` itself when it is working time, else the start of the next window."""
        t = _utc(t)
        start, _ = next(self._segments_from(t))
        return max(start, t)

    # Reaching a person. Counting working time, a window is half-open (12:00 belongs to no
    # window); reaching someone, its end is still inside working hours (DESIGN.md §4): a step
    # due at 18:00 goes out at 18:00, not at 09:00 the next working day.

    def within_hours(self, t: datetime) -> bool:
        """Whether a person can be reached at ``t``: inside a window, its end included."""
        t = _utc(t)
        return any(start <= t <= end for start, end in self.segments(self._local_date(t)))

    def next_within_hours(self, t: datetime) -> datetime:
        """``t`` itself when a person can be reached then (a window's end included), else the
        start of the next window."""
        t = _utc(t)
        if self.within_hours(t):
            return t
        return self.next_working_moment(t)

    def last_window_end(self, t: datetime) -> datetime | None:
        """The end of the last window that ended at or before ``t``: the last moment anyone
        could be reached before ``t`` when ``t`` is outside working time or starts a window
        (None: no working time within :data:`MAX_IDLE_DAYS` before it)."""
        t = _utc(t)
        day = self._local_date(t)
        for _ in range(MAX_IDLE_DAYS + 1):
            ends = [end for _, end in self.segments(day) if end <= t]
            if ends:
                return max(ends)
            day -= timedelta(days=1)
        return None

    def add_working(self, start: datetime, duration: timedelta) -> datetime:
        """The instant at which ``duration`` of working time has passed since ``start``.

        A start outside working time counts from the next working moment; an end that falls
        exactly on a window's end stays there (09:00 plus 3 h is 12:00, not 13:00). A zero
        duration gives the next working moment.
        """
        if duration < timedelta(0):
            raise ValueError("a working duration cannot be negative")
        t = _utc(start)
        remaining = duration
        for seg_start, seg_end in self._segments_from(t):
            begin = max(seg_start, t)
            available = seg_end - begin
            if remaining <= available:
                return begin + remaining
            remaining -= available
        raise AssertionError("unreachable: _segments_from never ends")  # pragma: no cover

    def working_between(self, a: datetime, b: datetime) -> timedelta:
        """Working time in ``[a, b)``; zero when ``b`` is not after ``a``."""
        a, b = _utc(a), _utc(b)
        total = timedelta(0)
        if b <= a:
            return total
        day, last = self._local_date(a), self._local_date(b)
        while day <= last:
            for seg_start, seg_end in self.segments(day):
                overlap = min(seg_end, b) - max(seg_start, a)
                if overlap > timedelta(0):
                    total += overlap
            day += timedelta(days=1)
        return total

    def add_calendar(self, start: datetime, duration: timedelta | float) -> datetime:
        """Calendar time, for the clocks counted in plain hours (kept for symmetry)."""
        return add_calendar(start, duration)
