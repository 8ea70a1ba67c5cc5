"""Deadline clocks and the escalation ladder of DESIGN.md §4, as pure arithmetic.

A clock runs on a calendar: ``calendar`` (plain hours) or ``working`` (the branch's working
hours). While it runs, its time is ``before`` (what it had run until its last pause) plus what
passed on its calendar since ``segment_start`` (its start, or its last resume). A paused clock
does not run. Met or missed is ``elapsed <= target`` and is final once the clock stops.

The ladder of a breach: a reminder at ``reminder_percent`` of the target, the overdue notice
and level 1 at the deadline, level 2 when level 1 is still unacknowledged ``level2`` working
hours after it was delivered. A step that falls outside the recipient's working hours is held
until their next working moment (the end of a window is inside working hours), except for
emergency (``urgent``) clocks, whose steps all go out at once and whose level 2 counts plain
hours. A reminder whose next working moment is at or after its deadline goes out at the last
working moment before the deadline instead: it never arrives with or after its overdue.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from fieldbot.domain.calendar import WorkCalendar


class ClockCalendar(StrEnum):
    CALENDAR = "calendar"
    WORKING = "working"


class Step(StrEnum):
    REMINDER = "reminder"
    OVERDUE = "overdue"
    LEVEL1 = "level1"
    LEVEL2 = "level2"
    LEVEL3 = "level3"


ZERO = timedelta(0)


def measure(
    kind: ClockCalendar | str, calendar: WorkCalendar, a: datetime, b: datetime
) -> timedelta:
    """Time in ``[a, b)`` on the clock's calendar; zero when ``b`` is not after ``a``."""
    if ClockCalendar(kind) is ClockCalendar.WORKING:
        return calendar.working_between(a, b)
    return max(b - a, ZERO)


def advance(
    kind: ClockCalendar | str, calendar: WorkCalendar, start: datetime, amount: timedelta
) -> datetime:
    """The instant at which ``amount`` of the clock's time has passed since ``start``."""
    amount = max(amount, ZERO)
    if ClockCalendar(kind) is ClockCalendar.WORKING:
        return calendar.add_working(start, amount)
    return calendar.add_calendar(start, amount)


def elapsed(
    kind: ClockCalendar | str,
    calendar: WorkCalendar,
    segment_start: datetime,
    before: timedelta,
    until: datetime,
) -> timedelta:
    """The clock's time at ``until`` while running since ``segment_start``."""
    return before + measure(kind, calendar, segment_start, until)


def due_instant(
    kind: ClockCalendar | str,
    calendar: WorkCalendar,
    segment_start: datetime,
    before: timedelta,
    target: timedelta,
) -> datetime:
    """The deadline of a running clock (``segment_start`` itself when already past it)."""
    return advance(kind, calendar, segment_start, target - before)


def reminder_instant(
    kind: ClockCalendar | str,
    calendar: WorkCalendar,
    segment_start: datetime,
    before: timedelta,
    target: timedelta,
    percent: int,
) -> datetime:
    """When ``percent`` % of the target has passed (``segment_start`` when already so)."""
    return advance(kind, calendar, segment_start, target * percent / 100 - before)


def is_met(spent: timedelta, target: timedelta) -> bool:
    return spent <= target


def delivery_instant(at: datetime, urgent: bool, recipient: WorkCalendar) -> datetime:
    """When a step due ``at`` reaches the recipient: at once for emergencies, else held until
    the recipient's next working moment (``at`` itself when it is working time, the end of a
    window included)."""
    if urgent:
        return at
    return recipient.next_within_hours(at)


def reminder_delivery(
    reminder: datetime,
    due: datetime,
    urgent: bool,
    recipient: WorkCalendar,
    not_before: datetime,
) -> datetime | None:
    """When the reminder due ``reminder`` reaches the recipient: held like every step, but a
    reminder never arrives with or after its deadline ``due``: when its next working moment is
    at or after ``due``, it goes out at the last working moment before ``due`` instead (Monday
    18:00 for a deadline on Tuesday 09:00). None: there is no working moment between
    ``not_before`` (the start of the clock's running stretch) and ``due``, so no reminder."""
    held = delivery_instant(reminder, urgent, recipient)
    if urgent or held < due or reminder >= due:
        return held
    last = recipient.last_window_end(due)
    if last is None or last < not_before:
        return None
    return last


def level2_instant(
    level1_delivered: datetime, urgent: bool, calendar: WorkCalendar, hours: float
) -> datetime:
    """Level 2 is due when level 1, delivered at ``level1_delivered``, has stayed
    unacknowledged ``hours`` more working hours (plain hours for emergencies)."""
    wait = timedelta(hours=hours)
    if urgent:
        return calendar.add_calendar(level1_delivered, wait)
    return calendar.add_working(level1_delivered, wait)


@dataclass(frozen=True, slots=True)
class Ladder:
    """Where a running clock stands: when its reminder goes out, its deadline, when the
    breach (overdue and level 1) goes out, and level 2 once level 1 fired.

    ``reminder_at`` and ``breach_at`` are already held to the recipients' next working
    moment (for clocks that are not urgent): a step fires when it can be delivered, so the
    outbox never holds a message back and level 2 counts from the real delivery.
    """

    reminder_at: datetime
    due_at: datetime
    level2_at: datetime | None = None  # None until level 1 fired
    breach_at: datetime | None = None  # None: at the deadline

    @property
    def breach(self) -> datetime:
        return self.due_at if self.breach_at is None else self.breach_at

    def due_steps(self, now: datetime, fired: Collection[Step], acknowledged: bool) -> list[Step]:
        """The steps to fire at ``now``, in order. A reminder whose moment came only when the
        breach goes out is skipped: the overdue notice says more."""
        steps: list[Step] = []
        if now >= self.breach:
            if Step.OVERDUE not in fired:
                steps.append(Step.OVERDUE)
            if Step.LEVEL1 not in fired:
                steps.append(Step.LEVEL1)
        elif now >= self.reminder_at and Step.REMINDER not in fired:
            steps.append(Step.REMINDER)
        if (
            Step.LEVEL1 in fired
            and Step.LEVEL2 not in fired
            and not acknowledged
            and self.level2_at is not None
            and now >= self.level2_at
        ):
            steps.append(Step.LEVEL2)
        return steps

    def next_wake(self, fired: Collection[Step], acknowledged: bool) -> datetime | None:
        """The next instant a step of this ladder may fire, or None when the ladder is done
        (level 2 fired, or level 1 acknowledged)."""
        if Step.OVERDUE not in fired or Step.LEVEL1 not in fired:
            if Step.REMINDER not in fired and self.reminder_at < self.breach:
                return self.reminder_at
            return self.breach
        if acknowledged or Step.LEVEL2 in fired:
            return None
        return self.level2_at


def plan_ladder(
    kind: ClockCalendar | str,
    calendar: WorkCalendar,
    segment_start: datetime,
    before: timedelta,
    target: timedelta,
    *,
    percent: int,
    urgent: bool,
    level1_fired_at: datetime | None = None,
    level2_hours: float = 1,
) -> Ladder:
    """The ladder of a running clock: its raw deadline, and its steps held to working time
    unless ``urgent``; level 2 counted from when level 1 fired (that is, was delivered)."""
    due = due_instant(kind, calendar, segment_start, before, target)
    reminder = reminder_instant(kind, calendar, segment_start, before, target, percent)
    level2 = None
    if level1_fired_at is not None:
        level2 = level2_instant(level1_fired_at, urgent, calendar, level2_hours)
    breach = delivery_instant(due, urgent, calendar)
    reminder_at = reminder_delivery(reminder, due, urgent, calendar, segment_start)
    return Ladder(
        # no working moment for a reminder before the deadline: the breach says more
        reminder_at=breach if reminder_at is None else reminder_at,
        due_at=due,
        level2_at=level2,
        breach_at=breach,
    )


# --- the working day ---------------------------------------------------------------------------

MAX_SEARCH_DAYS = 60


def day_start(calendar: WorkCalendar, day: date) -> datetime | None:
    """The first working moment of local ``day`` (None on a day off)."""
    segments = calendar.segments(day)
    return segments[0][0] if segments else None


def day_end(calendar: WorkCalendar, day: date) -> datetime | None:
    """The last working moment of local ``day`` (None on a day off)."""
    segments = calendar.segments(day)
    return segments[-1][1] if segments else None


def next_day_end(calendar: WorkCalendar, now: datetime) -> datetime | None:
    """The first end of a working day strictly after ``now``."""
    day = now.astimezone(calendar.tz).date()
    for ahead in range(MAX_SEARCH_DAYS + 1):
        end = day_end(calendar, day + timedelta(days=ahead))
        if end is not None and end > now:
            return end
    return None


def previous_day_end(calendar: WorkCalendar, day: date) -> datetime | None:
    """The end of the last working day before local ``day`` (None: none within 60 days)."""
    for back in range(1, MAX_SEARCH_DAYS + 1):
        segments = calendar.segments(day - timedelta(days=back))
        if segments:
            return segments[-1][1]
    return None


def carry_over_cutoff(calendar: WorkCalendar, day: date) -> datetime:
    """Jobs called before this instant and still undispatched when the working day of local
    ``day`` starts are carried over: every call of an earlier day, the evening, the night and
    the days off after the last working day included (seed 000 art.18: 当天未派修工作，于次日
    送请主任优先派工); a call of ``day`` itself, before its working day starts, is not."""
    return datetime.combine(day, time(0), tzinfo=calendar.tz).astimezone(UTC)


def next_day_start(calendar: WorkCalendar, now: datetime) -> datetime | None:
    """The first start of a working day strictly after ``now``."""
    day = now.astimezone(calendar.tz).date()
    for ahead in range(MAX_SEARCH_DAYS + 1):
        start = day_start(calendar, day + timedelta(days=ahead))
        if start is not None and start > now:
            return start
    return None


def day_number(day: date) -> int:
    """``20260914`` for 14 September 2026: a day as an integer key."""
    return day.year * 10000 + day.month * 100 + day.day


def week_key(day: date) -> str:
    """``w202651``: the ISO week of ``day``, for steps fired once a week."""
    year, week, _ = day.isocalendar()
    return f"w{year}{week:02d}"


def warns_unknown_year(calendar: WorkCalendar, day: date, from_month: int = 12) -> int | None:
    """The next year when, from December on, its make-up working days are not known."""
    if day.month >= from_month and not calendar.year_known(day.year + 1):
        return day.year + 1
    return None
