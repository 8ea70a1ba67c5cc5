"""The pure deadline arithmetic of DESIGN.md §4: clocks on a calendar, the ladder, holds."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from fieldbot.domain.calendar import WorkCalendar, WorkingWindows
from fieldbot.domain.sla import (
    ClockCalendar,
    Ladder,
    Step,
    carry_over_cutoff,
    day_number,
    day_start,
    delivery_instant,
    due_instant,
    elapsed,
    is_met,
    level2_instant,
    measure,
    next_day_start,
    plan_ladder,
    previous_day_end,
    reminder_delivery,
    reminder_instant,
    warns_unknown_year,
    week_key,
)
from tests.domain.test_calendar import calendars, exact_instants

SH = ZoneInfo("Asia/Shanghai")
CAL = WorkCalendar("Asia/Shanghai", WorkingWindows.parse("09:00-12:00,13:00-18:00"))
WORKING = ClockCalendar.WORKING
PLAIN = ClockCalendar.CALENDAR
H = timedelta(hours=1)


def local(month: int, day: int, hour: int = 0, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SH)


def test_arrival_across_national_day_counts_only_working_hours() -> None:
    called = local(9, 30, 16)
    due = due_instant(WORKING, CAL, called, timedelta(0), 6 * H)
    assert due == local(10, 8, 14)
    assert measure(WORKING, CAL, called, due) == 6 * H


def test_arrival_on_the_make_up_sunday_counts_that_sunday() -> None:
    called = local(9, 19, 10)  # Saturday; Sunday 20 September 2026 is a working day
    assert due_instant(WORKING, CAL, called, timedelta(0), 6 * H) == local(9, 20, 16)


def test_plain_hours_clock_counts_nights_and_weekends() -> None:
    start = local(9, 18, 17)  # Friday evening
    assert due_instant(PLAIN, CAL, start, timedelta(0), 24 * H) == local(9, 19, 17)
    assert measure(PLAIN, CAL, start, local(9, 19, 17)) == 24 * H


def test_reminder_falls_at_eighty_percent_of_the_target() -> None:
    start = local(9, 14, 9)
    assert reminder_instant(WORKING, CAL, start, timedelta(0), 6 * H, 80) == local(
        9, 14, 14, 48
    )  # lunch does not count
    assert reminder_instant(PLAIN, CAL, start, timedelta(0), 2 * H, 80) == local(9, 14, 10, 36)


def test_time_before_a_pause_counts_towards_the_target() -> None:
    resumed = local(9, 15, 9)
    before = 4 * H
    assert elapsed(WORKING, CAL, resumed, before, local(9, 15, 10)) == 5 * H
    assert due_instant(WORKING, CAL, resumed, before, 6 * H) == local(9, 15, 11)
    # Already past the reminder when resumed: it is due at once.
    assert reminder_instant(WORKING, CAL, resumed, 5 * H, 6 * H, 80) == resumed


def test_met_means_at_most_the_target() -> None:
    assert is_met(6 * H, 6 * H)
    assert not is_met(6 * H + timedelta(seconds=1), 6 * H)


def test_a_step_outside_working_hours_is_held_until_the_next_working_moment() -> None:
    night = local(9, 14, 22)
    assert delivery_instant(night, False, CAL) == local(9, 15, 9)
    assert delivery_instant(local(9, 14, 10), False, CAL) == local(9, 14, 10)


def test_an_emergency_step_goes_out_at_once_day_or_night() -> None:
    night = local(9, 14, 22)
    assert delivery_instant(night, True, CAL) == night


def test_level2_counts_one_working_hour_from_the_delivery_of_level1() -> None:
    assert level2_instant(local(9, 15, 9), False, CAL, 1) == local(9, 15, 10)
    assert level2_instant(local(9, 14, 17, 30), False, CAL, 1) == local(9, 15, 9, 30)
    assert level2_instant(local(9, 14, 22), True, CAL, 1) == local(9, 14, 23)


def test_ladder_fires_reminder_then_overdue_and_level1_then_level2() -> None:
    ladder = Ladder(reminder_at=local(9, 14, 15), due_at=local(9, 14, 16))
    assert ladder.due_steps(local(9, 14, 14), set(), False) == []
    assert ladder.next_wake(set(), False) == local(9, 14, 15)
    assert ladder.due_steps(local(9, 14, 15), set(), False) == [Step.REMINDER]
    assert ladder.next_wake({Step.REMINDER}, False) == local(9, 14, 16)
    fired = {Step.REMINDER}
    assert ladder.due_steps(local(9, 14, 16), fired, False) == [Step.OVERDUE, Step.LEVEL1]
    fired |= {Step.OVERDUE, Step.LEVEL1}
    with_level2 = Ladder(ladder.reminder_at, ladder.due_at, level2_at=local(9, 14, 17))
    assert with_level2.next_wake(fired, False) == local(9, 14, 17)
    assert with_level2.due_steps(local(9, 14, 16, 30), fired, False) == []
    assert with_level2.due_steps(local(9, 14, 17), fired, False) == [Step.LEVEL2]
    assert with_level2.next_wake(fired | {Step.LEVEL2}, False) is None


def test_acknowledged_level1_stops_the_ladder() -> None:
    ladder = Ladder(local(9, 14, 15), local(9, 14, 16), level2_at=local(9, 14, 17))
    fired = {Step.REMINDER, Step.OVERDUE, Step.LEVEL1}
    assert ladder.due_steps(local(9, 14, 18), fired, True) == []
    assert ladder.next_wake(fired, True) is None


def test_a_reminder_whose_moment_came_after_the_deadline_is_skipped() -> None:
    ladder = Ladder(reminder_at=local(9, 14, 15), due_at=local(9, 14, 16))
    assert ladder.due_steps(local(9, 14, 20), set(), False) == [Step.OVERDUE, Step.LEVEL1]


def test_working_day_boundaries_for_the_morning_carry_over() -> None:
    assert day_start(CAL, date(2026, 9, 14)) == local(9, 14, 9)
    assert day_start(CAL, date(2026, 10, 1)) is None
    assert previous_day_end(CAL, date(2026, 9, 14)) == local(9, 11, 18)
    assert previous_day_end(CAL, date(2026, 10, 8)) == local(9, 30, 18)
    assert next_day_start(CAL, local(9, 14, 9)) == local(9, 15, 9)
    assert next_day_start(CAL, local(9, 14, 8)) == local(9, 14, 9)
    assert next_day_start(CAL, local(9, 19, 12)) == local(9, 20, 9)  # the make-up Sunday


def test_day_and_week_keys() -> None:
    assert day_number(date(2026, 9, 14)) == 20260914
    assert week_key(date(2026, 12, 7)) == "w202650"


def test_unknown_next_year_is_warned_from_december_only() -> None:
    assert warns_unknown_year(CAL, date(2026, 11, 30)) is None
    assert warns_unknown_year(CAL, date(2026, 12, 1)) == 2027
    known = WorkCalendar(
        "Asia/Shanghai", WorkingWindows.parse("09:00-18:00"), {date(2027, 2, 7): True}
    )
    assert warns_unknown_year(known, date(2026, 12, 1)) is None


def test_a_planned_ladder_holds_its_steps_to_working_time_unless_urgent() -> None:
    start = local(9, 14, 20)  # 24 plain hours: due Tuesday 20:00
    held = plan_ladder(PLAIN, CAL, start, timedelta(0), 24 * H, percent=80, urgent=False)
    assert held.due_at == local(9, 15, 20)
    assert held.reminder_at == local(9, 15, 15, 12)
    assert held.breach == local(9, 16, 9)
    at_once = plan_ladder(PLAIN, CAL, start, timedelta(0), 24 * H, percent=80, urgent=True)
    assert at_once.breach == at_once.due_at == local(9, 15, 20)
    fired = plan_ladder(
        PLAIN,
        CAL,
        start,
        timedelta(0),
        24 * H,
        percent=80,
        urgent=False,
        level1_fired_at=local(9, 16, 9),
        level2_hours=1,
    )
    assert fired.level2_at == local(9, 16, 10)


# --- issue 11: holes in the holds -------------------------------------------------------------


def test_a_reminder_held_to_its_deadline_goes_out_at_the_last_working_moment_before_it() -> None:
    # General call Monday 09:00, dispatch due in 24 plain hours: the 80 % point is Tuesday 04:12,
    # its next working moment Tuesday 09:00, the deadline itself: Monday 18:00 instead.
    ladder = plan_ladder(
        PLAIN, CAL, local(9, 14, 9), timedelta(0), 24 * H, percent=80, urgent=False
    )
    assert ladder.due_at == ladder.breach == local(9, 15, 9)
    assert ladder.reminder_at == local(9, 14, 18)
    assert ladder.next_wake(set(), False) == local(9, 14, 18)
    assert ladder.due_steps(local(9, 14, 18), set(), False) == [Step.REMINDER]
    assert ladder.due_steps(local(9, 15, 9), {Step.REMINDER}, False) == [Step.OVERDUE, Step.LEVEL1]


def test_a_reminder_before_a_weekend_or_holiday_breach_goes_out_before_the_days_off() -> None:
    friday = plan_ladder(
        PLAIN, CAL, local(9, 11, 15), timedelta(0), 24 * H, percent=80, urgent=False
    )
    assert friday.due_at == local(9, 12, 15)  # a Saturday: the reminder (10:12) would wait
    assert friday.reminder_at == local(9, 11, 18)  # for Monday; Friday 18:00 instead
    assert friday.breach == local(9, 14, 9)
    eve = plan_ladder(PLAIN, CAL, local(9, 30, 14), timedelta(0), 24 * H, percent=80, urgent=False)
    assert eve.due_at == local(10, 1, 14)  # National Day
    assert eve.reminder_at == local(9, 30, 18)
    assert eve.breach == local(10, 8, 9)
    # held, but still before its deadline: unchanged (Tuesday 09:00 for a deadline at 16:00)
    assert reminder_delivery(local(9, 14, 20), local(9, 15, 16), False, CAL, local(9, 14, 9)) == (
        local(9, 15, 9)
    )
    # an emergency's reminder is never moved
    assert reminder_delivery(local(9, 15, 4), local(9, 15, 9), True, CAL, local(9, 14, 9)) == (
        local(9, 15, 4)
    )


def test_a_clock_with_no_working_moment_before_its_deadline_sends_no_reminder() -> None:
    # Saturday 10:00 to Sunday 10:00 (12-13 September): nobody works in between.
    ladder = plan_ladder(
        PLAIN, CAL, local(9, 12, 10), timedelta(0), 24 * H, percent=80, urgent=False
    )
    assert (
        reminder_delivery(local(9, 13, 5, 12), local(9, 13, 10), False, CAL, local(9, 12, 10))
        is None
    )
    assert ladder.breach == local(9, 14, 9)
    assert ladder.next_wake(set(), False) == local(9, 14, 9)
    assert ladder.due_steps(local(9, 14, 9), set(), False) == [Step.OVERDUE, Step.LEVEL1]


def test_a_deadline_at_the_end_of_a_window_is_announced_at_that_end() -> None:
    # Monday 11:00 call, 6 working hours: due 18:00; overdue and level 1 go out at 18:00.
    ladder = plan_ladder(
        WORKING, CAL, local(9, 14, 11), timedelta(0), 6 * H, percent=80, urgent=False
    )
    assert ladder.due_at == ladder.breach == local(9, 14, 18)
    assert ladder.due_steps(local(9, 14, 18), {Step.REMINDER}, False) == [Step.OVERDUE, Step.LEVEL1]
    assert delivery_instant(local(9, 14, 12), False, CAL) == local(9, 14, 12)
    assert delivery_instant(local(9, 14, 18), False, CAL) == local(9, 14, 18)
    assert delivery_instant(local(9, 14, 18, 0) + timedelta(seconds=1), False, CAL) == local(
        9, 15, 9
    )
    # the same rule as level 2, which was already counted to 18:00
    assert level2_instant(local(9, 14, 17), False, CAL, 1) == local(9, 14, 18)


def test_a_night_call_of_an_earlier_day_is_carried_over_on_the_make_up_sunday() -> None:
    cutoff = carry_over_cutoff(CAL, date(2026, 9, 20))
    assert cutoff == local(9, 20, 0)
    assert local(9, 18, 20) < cutoff  # Friday night's emergency is carried over
    assert local(9, 19, 15) < cutoff  # so is Saturday's call
    assert not local(9, 20, 8) < cutoff  # a call of that Sunday morning is not


@settings(max_examples=300, deadline=None)
@given(
    calendars,
    exact_instants,
    st.integers(min_value=1, max_value=72 * 60),
    st.sampled_from([PLAIN, WORKING]),
    st.integers(min_value=1, max_value=99),
)
def test_a_held_reminder_is_in_hours_and_never_arrives_with_or_after_its_overdue(
    cal: WorkCalendar, start: datetime, minutes: int, kind: ClockCalendar, percent: int
) -> None:
    target = timedelta(minutes=minutes)
    ladder = plan_ladder(kind, cal, start, timedelta(0), target, percent=percent, urgent=False)
    assert cal.within_hours(ladder.breach) and ladder.breach >= ladder.due_at
    if ladder.reminder_at == ladder.breach:  # no reminder: nobody works before the deadline
        last = cal.last_window_end(ladder.due_at)
        assert last is None or last < start
        return
    assert start <= ladder.reminder_at < ladder.due_at
    assert cal.within_hours(ladder.reminder_at)
