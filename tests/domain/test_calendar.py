"""The working-hours calendar (DESIGN.md §4): holidays, make-up days, windows, timezones."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from fieldbot.domain.calendar import (
    DayKind,
    WorkCalendar,
    WorkingWindows,
    YearHolidays,
    add_calendar,
    merge_overrides,
)
from fieldbot.domain.errors import InvalidWorkingHours

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
URUMQI = ZoneInfo("Asia/Urumqi")
DEFAULT = WorkingWindows.parse("09:00-12:00,13:00-18:00")
H = timedelta(hours=1)


def sh(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


def shanghai(overrides: dict[date, bool] | None = None) -> WorkCalendar:
    return WorkCalendar("Asia/Shanghai", DEFAULT, overrides or {})


CAL = shanghai()


# Days


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 9, 20), True),  # Sunday, make-up working day for National Day
        (date(2026, 10, 10), True),  # Saturday, make-up working day
        (date(2026, 9, 19), False),  # an ordinary Saturday
        (date(2026, 9, 25), False),  # Mid-Autumn Festival, a Friday
        (date(2026, 9, 30), True),
        (date(2026, 10, 8), True),
        (date(2026, 9, 14), True),  # an ordinary Monday
    ]
    + [(date(2026, 10, d), False) for d in range(1, 8)],  # National Day week
)
def test_working_days_follow_holidays_and_make_up_days(day: date, working: bool) -> None:
    assert CAL.is_working_day(day) is working


def test_day_kinds_of_2026() -> None:
    assert CAL.day_kind(date(2026, 9, 20)) is DayKind.MAKEUP_WORKDAY
    assert CAL.day_kind(date(2026, 10, 1)) is DayKind.HOLIDAY
    assert CAL.day_kind(date(2026, 9, 19)) is DayKind.WEEKEND
    assert CAL.day_kind(date(2026, 9, 14)) is DayKind.WORKDAY


# Adding working time


def test_a_call_before_national_day_lands_after_the_holiday_week() -> None:
    # 16:00-18:00 on the 30th (2 h), then nothing until Thursday 8 October: 09:00-12:00 (3 h)
    # and one more hour after lunch.
    due = CAL.add_working(sh(2026, 9, 30, 16, 0), 6 * H)
    assert due == sh(2026, 10, 8, 14, 0)
    assert CAL.working_between(sh(2026, 9, 30, 16, 0), due) == 6 * H


def test_the_make_up_sunday_counts_as_working_time() -> None:
    assert CAL.add_working(sh(2026, 9, 19, 10, 0), 6 * H) == sh(2026, 9, 20, 16, 0)


def test_a_call_at_17_30_on_a_friday_continues_on_monday() -> None:
    assert CAL.add_working(sh(2026, 9, 11, 17, 30), 6 * H) == sh(2026, 9, 14, 15, 30)


def test_a_call_at_17_30_on_the_friday_before_a_make_up_sunday_continues_on_sunday() -> None:
    assert CAL.add_working(sh(2026, 9, 18, 17, 30), 6 * H) == sh(2026, 9, 20, 15, 30)


def test_the_lunch_break_is_not_working_time() -> None:
    assert CAL.add_working(sh(2026, 9, 14, 11, 0), 2 * H) == sh(2026, 9, 14, 14, 0)
    assert CAL.working_between(sh(2026, 9, 14, 11, 0), sh(2026, 9, 14, 14, 0)) == 2 * H
    assert not CAL.is_working_moment(sh(2026, 9, 14, 12, 30))
    assert CAL.next_working_moment(sh(2026, 9, 14, 12, 30)) == sh(2026, 9, 14, 13, 0)


def test_an_exact_end_at_noon_stays_at_noon() -> None:
    assert CAL.add_working(sh(2026, 9, 14, 9, 0), 3 * H) == sh(2026, 9, 14, 12, 0)
    assert CAL.add_working(sh(2026, 9, 14, 13, 0), 5 * H) == sh(2026, 9, 14, 18, 0)


def test_windows_are_half_open() -> None:
    assert CAL.is_working_moment(sh(2026, 9, 14, 9, 0))
    assert not CAL.is_working_moment(sh(2026, 9, 14, 12, 0))
    assert CAL.is_working_moment(sh(2026, 9, 14, 11, 59, 59))
    assert not CAL.is_working_moment(sh(2026, 9, 14, 8, 59, 59))
    assert not CAL.is_working_moment(sh(2026, 9, 19, 10, 0))  # Saturday


def test_time_is_exact_to_the_second() -> None:
    start = sh(2026, 9, 14, 11, 59, 59)
    assert CAL.add_working(start, timedelta(seconds=1)) == sh(2026, 9, 14, 12, 0, 0)
    assert CAL.add_working(start, timedelta(seconds=2)) == sh(2026, 9, 14, 13, 0, 1)
    assert CAL.working_between(start, sh(2026, 9, 14, 13, 0, 1)) == timedelta(seconds=2)


def test_a_start_outside_hours_counts_from_the_next_working_moment() -> None:
    assert CAL.add_working(sh(2026, 9, 14, 7, 0), H) == sh(2026, 9, 14, 10, 0)
    assert CAL.add_working(sh(2026, 9, 14, 19, 0), H) == sh(2026, 9, 15, 10, 0)
    assert CAL.add_working(sh(2026, 10, 1, 10, 0), H) == sh(2026, 10, 8, 10, 0)
    assert CAL.next_working_moment(sh(2026, 9, 30, 18, 0)) == sh(2026, 10, 8, 9, 0)


def test_zero_working_time_gives_the_next_working_moment() -> None:
    assert CAL.add_working(sh(2026, 9, 14, 10, 0), timedelta(0)) == sh(2026, 9, 14, 10, 0)
    assert CAL.add_working(sh(2026, 9, 14, 12, 0), timedelta(0)) == sh(2026, 9, 14, 13, 0)


def test_working_between_counts_nothing_backwards_or_off_hours() -> None:
    a, b = sh(2026, 9, 14, 10, 0), sh(2026, 9, 14, 11, 0)
    assert CAL.working_between(b, a) == timedelta(0)
    assert CAL.working_between(a, a) == timedelta(0)
    assert CAL.working_between(sh(2026, 10, 1, 0, 0), sh(2026, 10, 8, 0, 0)) == timedelta(0)
    assert CAL.working_between(sh(2026, 9, 14, 0, 0), sh(2026, 9, 15, 0, 0)) == 8 * H


def test_results_are_aware_utc_and_naive_input_is_refused() -> None:
    due = CAL.add_working(sh(2026, 9, 14, 9, 0), H)
    assert due.tzinfo is UTC
    assert due == datetime(2026, 9, 14, 2, 0, tzinfo=UTC)
    with pytest.raises(ValueError):
        CAL.add_working(datetime(2026, 9, 14, 9, 0), H)  # noqa: DTZ001
    with pytest.raises(ValueError):
        CAL.add_working(sh(2026, 9, 14, 9, 0), -H)


def test_calendar_hours_are_plain_time() -> None:
    start = sh(2026, 9, 30, 17, 0)
    assert add_calendar(start, 24) == sh(2026, 10, 1, 17, 0)
    assert CAL.add_calendar(start, timedelta(hours=2)) == sh(2026, 9, 30, 19, 0)
    assert add_calendar(start, 0.5).tzinfo is UTC


# Other timezones and windows


def test_a_branch_in_berlin_counts_its_own_wall_clock_windows() -> None:
    berlin = WorkCalendar("Europe/Berlin", WorkingWindows.parse("08:00-16:00"))
    start = datetime(2026, 9, 11, 15, 0, tzinfo=BERLIN)  # Friday, CEST
    assert berlin.add_working(start, 3 * H) == datetime(2026, 9, 14, 10, 0, tzinfo=BERLIN)
    # 15:00 in Berlin is 21:00 in Shanghai: outside Shanghai's hours, inside Berlin's.
    assert berlin.is_working_moment(start)
    assert not CAL.is_working_moment(start)


def test_a_branch_in_urumqi_with_its_own_windows() -> None:
    urumqi = WorkCalendar("Asia/Urumqi", WorkingWindows.parse("10:00-14:00,15:30-19:30"))
    start = sh(2026, 9, 14, 9, 0)  # 07:00 in Urumqi
    due = urumqi.add_working(start, 5 * H)
    assert due == datetime(2026, 9, 14, 16, 30, tzinfo=URUMQI)
    assert urumqi.working_between(start, due) == 5 * H


def test_a_window_across_a_daylight_saving_change_counts_the_time_that_really_passed() -> None:
    night = WorkingWindows.parse("00:00-04:00")
    spring, autumn = date(2026, 3, 29), date(2026, 10, 25)  # both Sundays
    berlin = WorkCalendar("Europe/Berlin", night, {spring: True, autumn: True})

    def worked(day: date) -> timedelta:
        midnight = datetime.combine(day, time(0), tzinfo=BERLIN)
        return berlin.working_between(midnight, midnight + timedelta(hours=12))

    assert worked(spring) == 3 * H
    assert worked(autumn) == 5 * H
    assert worked(date(2026, 3, 30)) == 4 * H


def test_a_window_may_end_at_midnight() -> None:
    late = WorkCalendar("Asia/Shanghai", WorkingWindows.parse("20:00-24:00"))
    assert late.add_working(sh(2026, 9, 14, 23, 0), H) == sh(2026, 9, 15, 0, 0)
    assert late.add_working(sh(2026, 9, 14, 23, 0), 2 * H) == sh(2026, 9, 15, 21, 0)


# Overrides


def test_a_holiday_override_removes_a_working_day() -> None:
    cal = shanghai({date(2026, 9, 14): False})
    assert not cal.is_working_day(date(2026, 9, 14))
    assert cal.add_working(sh(2026, 9, 11, 17, 30), 6 * H) == sh(2026, 9, 15, 15, 30)


def test_a_workday_override_adds_a_saturday() -> None:
    cal = shanghai({date(2026, 9, 12): True})
    assert cal.add_working(sh(2026, 9, 11, 17, 30), 6 * H) == sh(2026, 9, 12, 15, 30)


def test_an_override_wins_over_make_up_days_and_public_holidays() -> None:
    cal = shanghai({date(2026, 9, 20): False, date(2026, 10, 2): True})
    assert not cal.is_working_day(date(2026, 9, 20))
    assert cal.is_working_day(date(2026, 10, 2))
    assert cal.add_working(sh(2026, 9, 18, 17, 30), 6 * H) == sh(2026, 9, 21, 15, 30)


def test_branch_overrides_win_over_company_overrides() -> None:
    d1, d2, d3 = date(2026, 9, 14), date(2026, 9, 12), date(2026, 9, 13)
    merged = merge_overrides({d1: False, d2: True}, {d1: True, d3: True})
    assert merged == {d1: True, d2: True, d3: True}
    assert merge_overrides({d1: False}) == {d1: False}
    assert shanghai(merged).is_working_day(d1)


# Years


def test_a_year_with_official_make_up_days_is_known() -> None:
    assert CAL.year_known(2026)


def test_a_year_the_package_only_guesses_is_unknown_unless_overridden() -> None:
    # holidays 0.109 lists no weekend working days for 2027 onwards.
    assert not CAL.year_known(2028)
    assert not CAL.year_known(2027)
    assert shanghai({date(2028, 2, 5): True}).year_known(2028)


def test_describe_year_lists_every_day_with_kind_and_override() -> None:
    cal = shanghai({date(2026, 9, 14): False})
    days = {d.day: d for d in cal.describe_year(2026)}
    assert len(days) == 365
    assert days[date(2026, 9, 20)].kind is DayKind.MAKEUP_WORKDAY
    assert days[date(2026, 9, 20)].working
    national_day = days[date(2026, 10, 1)]
    assert national_day.kind is DayKind.HOLIDAY and not national_day.working
    assert national_day.name == "国庆节"
    assert days[date(2026, 10, 4)].kind is DayKind.WEEKEND
    overridden = days[date(2026, 9, 14)]
    assert overridden.kind is DayKind.WORKDAY
    assert overridden.override is False and not overridden.working
    assert days[date(2026, 9, 15)].override is None


def test_a_calendar_without_any_working_day_refuses_instead_of_looping() -> None:
    def every_day_a_holiday(year: int) -> YearHolidays:
        start = date(year, 1, 1)
        return YearHolidays(
            year, {start + timedelta(days=i): "closed" for i in range(366)}, frozenset()
        )

    closed = WorkCalendar("Asia/Shanghai", DEFAULT, holiday_source=every_day_a_holiday)
    with pytest.raises(InvalidWorkingHours):
        closed.add_working(sh(2026, 9, 14, 9, 0), H)


# Windows


@pytest.mark.parametrize(
    "text",
    [
        "",
        "9-12",
        "12:00-09:00",
        "09:00-09:00",
        "09:00-12:00,11:00-13:00",
        "13:00-18:00,09:00-12:00",
        "25:00-26:00",
        "09:60-10:00",
        "24:00-24:00",
        "09:00-24:30",
        "09:00-12:00;13:00-18:00",
    ],
)
def test_bad_working_windows_are_refused(text: str) -> None:
    with pytest.raises(InvalidWorkingHours):
        WorkingWindows.parse(text)


def test_working_windows_parse_and_print() -> None:
    assert str(WorkingWindows.parse(" 09:00-12:00 , 13:00-18:00 ")) == "09:00-12:00,13:00-18:00"
    assert WorkingWindows.parse("09:00-12:00,12:00-13:00").per_day == 4 * H
    assert WorkingWindows.parse("00:00-24:00").per_day == 24 * H
    assert DEFAULT.per_day == 8 * H


# Properties against a brute-force walker, minute by minute


BERLIN_NIGHTS = WorkCalendar(
    "Europe/Berlin",
    WorkingWindows.parse("00:00-04:00,08:00-16:00"),
    {date(2026, 3, 29): True, date(2026, 10, 25): True},
)
URUMQI_CAL = WorkCalendar("Asia/Urumqi", WorkingWindows.parse("10:00-14:00,15:30-19:30"))
CALENDARS = [CAL, BERLIN_NIGHTS, URUMQI_CAL]
MINUTE = timedelta(minutes=1)
YEAR_START = datetime(2026, 1, 1, tzinfo=UTC)


def _working_minute(cal: WorkCalendar) -> Callable[[datetime], bool | None]:
    """True/False for the minute starting at ``t``; None when its whole local day is off."""

    def check(t: datetime) -> bool | None:
        local = t.astimezone(cal.tz)
        if not cal.is_working_day(local.date()):
            return None
        second = local.hour * 3600 + local.minute * 60
        return any(w.start <= second < w.end for w in cal.windows.windows)

    return check


def _next_local_midnight(cal: WorkCalendar, t: datetime) -> datetime:
    day = t.astimezone(cal.tz).date() + timedelta(days=1)
    return datetime.combine(day, time(0), tzinfo=cal.tz).astimezone(UTC)


def walk_add(cal: WorkCalendar, start: datetime, minutes: int) -> datetime:
    check, t, count = _working_minute(cal), start, 0
    while True:
        working = check(t)
        if working is None:
            t = _next_local_midnight(cal, t)
            continue
        if working:
            if minutes == 0:
                return t
            count += 1
            if count == minutes:
                return t + MINUTE
        t += MINUTE


def walk_between(cal: WorkCalendar, a: datetime, b: datetime) -> timedelta:
    check, t, count = _working_minute(cal), a, 0
    while t < b:
        working = check(t)
        if working is None:
            t = _next_local_midnight(cal, t)
            continue
        count += bool(working)
        t += MINUTE
    return count * MINUTE


minute_instants = st.integers(min_value=0, max_value=365 * 24 * 60).map(
    lambda m: YEAR_START + m * MINUTE
)
calendars = st.sampled_from(CALENDARS)


@settings(max_examples=150, deadline=None)
@given(calendars, minute_instants, st.integers(min_value=0, max_value=12 * 60))
@example(BERLIN_NIGHTS, datetime(2026, 3, 28, 22, 0, tzinfo=UTC), 4 * 60)  # spring forward
@example(BERLIN_NIGHTS, datetime(2026, 10, 24, 21, 30, tzinfo=UTC), 6 * 60)  # fall back
@example(CAL, datetime(2026, 9, 30, 8, 0, tzinfo=UTC), 6 * 60)  # National Day
def test_add_working_agrees_with_the_minute_walker(
    cal: WorkCalendar, start: datetime, minutes: int
) -> None:
    assert cal.add_working(start, minutes * MINUTE) == walk_add(cal, start, minutes)


@settings(max_examples=150, deadline=None)
@given(calendars, minute_instants, st.integers(min_value=0, max_value=3 * 24 * 60))
@example(BERLIN_NIGHTS, datetime(2026, 3, 28, 20, 0, tzinfo=UTC), 24 * 60)
@example(BERLIN_NIGHTS, datetime(2026, 10, 24, 20, 0, tzinfo=UTC), 24 * 60)
def test_working_between_agrees_with_the_minute_walker(
    cal: WorkCalendar, start: datetime, span: int
) -> None:
    end = start + span * MINUTE
    assert cal.working_between(start, end) == walk_between(cal, start, end)


exact_instants = st.integers(min_value=0, max_value=365 * 24 * 3600 * 10**6).map(
    lambda us: YEAR_START + timedelta(microseconds=us)
)
exact_durations = st.integers(min_value=0, max_value=60 * 3600 * 10**6).map(
    lambda us: timedelta(microseconds=us)
)


@settings(max_examples=200, deadline=None)
@given(calendars, exact_instants, exact_durations)
def test_working_between_start_and_add_working_is_the_duration(
    cal: WorkCalendar, start: datetime, duration: timedelta
) -> None:
    due = cal.add_working(start, duration)
    assert due >= start
    assert cal.working_between(start, due) == duration


@settings(max_examples=200, deadline=None)
@given(calendars, exact_instants, exact_durations, exact_durations)
def test_adding_working_time_in_two_steps_is_adding_the_sum(
    cal: WorkCalendar, start: datetime, first: timedelta, second: timedelta
) -> None:
    if second == timedelta(0):
        second = timedelta(microseconds=1)
    assert cal.add_working(cal.add_working(start, first), second) == cal.add_working(
        start, first + second
    )


@settings(max_examples=200, deadline=None)
@given(calendars, exact_instants)
def test_the_next_working_moment_is_working_and_nothing_before_it_is(
    cal: WorkCalendar, t: datetime
) -> None:
    moment = cal.next_working_moment(t)
    assert moment >= t
    assert cal.is_working_moment(moment)
    assert cal.working_between(t, moment) == timedelta(0)


def test_the_end_of_a_window_is_inside_working_hours_for_reaching_someone() -> None:
    assert CAL.within_hours(sh(2026, 9, 14, 12, 0)) and CAL.within_hours(sh(2026, 9, 14, 18, 0))
    assert CAL.within_hours(sh(2026, 9, 14, 9, 0))
    assert not CAL.within_hours(sh(2026, 9, 14, 12, 0, 1))
    assert not CAL.within_hours(sh(2026, 9, 19, 12, 0))  # Saturday
    assert CAL.next_within_hours(sh(2026, 9, 14, 18, 0)) == sh(2026, 9, 14, 18, 0)
    assert CAL.next_within_hours(sh(2026, 9, 14, 18, 0, 1)) == sh(2026, 9, 15, 9, 0)
    assert CAL.next_within_hours(sh(2026, 9, 14, 12, 30)) == sh(2026, 9, 14, 13, 0)
    # counting working time, 12:00 still belongs to no window
    assert not CAL.is_working_moment(sh(2026, 9, 14, 12, 0))


def test_the_last_window_end_before_an_instant() -> None:
    assert CAL.last_window_end(sh(2026, 9, 15, 9, 0)) == sh(2026, 9, 14, 18, 0)
    assert CAL.last_window_end(sh(2026, 9, 14, 12, 30)) == sh(2026, 9, 14, 12, 0)
    assert CAL.last_window_end(sh(2026, 9, 14, 18, 0)) == sh(2026, 9, 14, 18, 0)
    assert CAL.last_window_end(sh(2026, 9, 13, 10, 0)) == sh(2026, 9, 11, 18, 0)  # a Sunday
    assert CAL.last_window_end(sh(2026, 10, 5, 10, 0)) == sh(2026, 9, 30, 18, 0)  # National Day
    assert CAL.last_window_end(sh(2026, 9, 21, 8, 0)) == sh(2026, 9, 20, 18, 0)  # make-up Sunday
