"""The KPIs as values (DESIGN.md §5 "How the numbers are defined", §8 ``fieldbot kpi``): their
names, targets, a value as numerator ÷ denominator and whether it is met; the period (a day
or a month, in a timezone) and the scope (the company, a branch, a technician) they are for.

An empty denominator (nothing happened that the KPI counts) has no value (``None``) and is
met: no commitment was broken. Met compares exactly, in integers: numerator × 100 ≥
target × denominator.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Literal
from zoneinfo import ZoneInfo

from fieldbot.domain.errors import DomainError


class KpiName(StrEnum):
    RESOLUTION_RATE = "resolution_rate"
    SATISFACTION = "satisfaction"
    SURVEY_COVERAGE = "survey_coverage"
    CONSULTATIONS_ANSWERED = "consultations_answered"
    COMPLAINTS_REPLIED = "complaints_replied"
    INSTALLATIONS_PASSING = "installations_passing"
    REPAIRS_PASSING = "repairs_passing"
    CUSTOMER_FILES_COMPLETE = "customer_files_complete"
    VISITS_MADE = "visits_made"
    VISITS_ON_TIME = "visits_on_time"


# In the order DESIGN.md §8 lists them: the two of seed 000 §3, coverage, the seven commitments.
KPI_NAMES: tuple[KpiName, ...] = tuple(KpiName)

# Every commitment of seed 001 and survey coverage aim at 100 %.
FULL = 100


class InvalidPeriod(DomainError):
    code = "invalid_period"


class InvalidScope(DomainError):
    code = "invalid_scope"


def targets(resolution_percent: int, satisfaction_percent: int) -> dict[KpiName, int]:
    """The target of each KPI in percent: resolution and satisfaction from the settings
    (``FIELDBOT_TARGET_RESOLUTION_PERCENT`` / ``_SATISFACTION_PERCENT``), the rest 100 %."""
    found = dict.fromkeys(KPI_NAMES, FULL)
    found[KpiName.RESOLUTION_RATE] = resolution_percent
    found[KpiName.SATISFACTION] = satisfaction_percent
    return found


@dataclass(frozen=True, slots=True)
class Ratio:
    """What a KPI counts: of ``denominator`` cases, ``numerator`` passed."""

    numerator: int = 0
    denominator: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.numerator <= self.denominator:
            raise ValueError(f"ratio {self.numerator}/{self.denominator} is not a share")

    def __add__(self, other: Ratio) -> Ratio:
        return Ratio(self.numerator + other.numerator, self.denominator + other.denominator)


@dataclass(frozen=True, slots=True)
class Kpi:
    name: KpiName
    ratio: Ratio
    target_percent: int

    @property
    def numerator(self) -> int:
        return self.ratio.numerator

    @property
    def denominator(self) -> int:
        return self.ratio.denominator

    @property
    def value_percent(self) -> float | None:
        """numerator ÷ denominator in percent, one decimal; None when nothing was counted."""
        if not self.denominator:
            return None
        return round(100 * self.numerator / self.denominator, 1)

    @property
    def met(self) -> bool:
        """At or above target; an empty denominator is met (nothing was owed)."""
        return self.numerator * 100 >= self.target_percent * self.denominator


def kpis(ratios: Mapping[KpiName, Ratio], goals: Mapping[KpiName, int]) -> list[Kpi]:
    """Every KPI in the order of :data:`KPI_NAMES` (a name without a ratio counts nothing)."""
    return [Kpi(name, ratios.get(name, Ratio()), goals[name]) for name in KPI_NAMES]


# --- the period -------------------------------------------------------------------------------

_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, slots=True)
class Period:
    """A calendar day or month; its instants follow the timezone it is read in."""

    kind: Literal["day", "month"]
    first: date  # the day, or the first day of the month

    @property
    def label(self) -> str:
        """``2026-09-14`` or ``2026-09``."""
        if self.kind == "day":
            return self.first.isoformat()
        return f"{self.first.year:04d}-{self.first.month:02d}"

    @property
    def end(self) -> date:
        """The first day after the period."""
        if self.kind == "day":
            return self.first + timedelta(days=1)
        year, month = self.first.year, self.first.month
        return date(year + month // 12, month % 12 + 1, 1)

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """``[since, until)`` in UTC: local midnight of the first day and of the day after."""
        since = datetime.combine(self.first, time(), tzinfo=tz).astimezone(UTC)
        until = datetime.combine(self.end, time(), tzinfo=tz).astimezone(UTC)
        return since, until


def parse_period(text: str) -> Period:
    """``2026-09-14`` (a day) or ``2026-09`` (a month); else :class:`InvalidPeriod`."""
    value = text.strip()
    day = _DAY.match(value)
    month = _MONTH.match(value)
    try:
        if day:
            return Period("day", date(int(day[1]), int(day[2]), int(day[3])))
        if month:
            return Period("month", date(int(month[1]), int(month[2]), 1))
    except ValueError:
        pass
    raise InvalidPeriod("a period reads YYYY-MM or YYYY-MM-DD", expected="2026-09 / 2026-09-14")


def month_of(instant: datetime, tz: ZoneInfo) -> Period:
    """The month ``instant`` falls in, read in ``tz``."""
    local = instant.astimezone(tz).date()
    return Period("month", local.replace(day=1))


def is_period(text: str) -> bool:
    return bool(_DAY.match(text.strip()) or _MONTH.match(text.strip()))


# --- the scope --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Scope:
    """Whose figures: ``company``, ``branch:SH01`` or ``technician:T01``."""

    kind: Literal["company", "branch", "technician"]
    code: str | None = None

    def __post_init__(self) -> None:
        if (self.kind == "company") != (self.code is None):
            raise ValueError(f"scope {self.kind} with code {self.code!r}")

    @property
    def label(self) -> str:
        return "company" if self.code is None else f"{self.kind}:{self.code}"


COMPANY = Scope("company")


# --- repeat repairs ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClosedRepair:
    job_id: int
    equipment_id: int | None
    closed_at: datetime
    technician_id: int | None = None


@dataclass(frozen=True, slots=True)
class LaterRepair:
    job_id: int
    equipment_id: int
    called_at: datetime


def repeated(closed: Iterable[ClosedRepair], later: Iterable[LaterRepair], days: int) -> set[int]:
    """The closed repairs followed by a new repair job on the same unit within ``days`` of
    their close (``FIELDBOT_REPEAT_REPAIR_DAYS``); a repair of no recorded unit is never
    repeated."""
    window = timedelta(days=days)
    by_unit: dict[int, list[LaterRepair]] = {}
    for job in later:
        by_unit.setdefault(job.equipment_id, []).append(job)
    found: set[int] = set()
    for repair in closed:
        if repair.equipment_id is None:
            continue
        for job in by_unit.get(repair.equipment_id, ()):
            if (
                job.job_id != repair.job_id
                and repair.closed_at < job.called_at <= repair.closed_at + window
            ):
                found.add(repair.job_id)
                break
    return found


def judged(repair: ClosedRepair, now: datetime, days: int) -> bool:
    """Whether the repeat window of a closed repair has passed, so it counts in repairs
    passing."""
    return repair.closed_at + timedelta(days=days) <= now


# --- visits -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VisitClock:
    """A visit clock (``arrival`` for repairs and emergencies, ``on_time`` for booked kinds,
    planned maintenance included) of a job that was not cancelled, and whether the job had an
    arrival."""

    job_id: int
    technician_id: int | None
    state: str  # running | paused | stopped
    stopped_at: datetime | None
    due_at: datetime | None
    met: bool | None
    arrived: bool


def visit_window_end(clock: VisitClock) -> datetime | None:
    """When the visit window ended: at the arrival (or whatever stopped the clock) or at the
    deadline, whichever came first; None while it is open (running, paused before its
    deadline)."""
    ends = [at for at in (clock.stopped_at, clock.due_at) if at is not None]
    if clock.state != "stopped":
        ends = [] if clock.due_at is None else [clock.due_at]
    return min(ends) if ends else None


def visits(
    clocks: Iterable[VisitClock], since: datetime, until: datetime, now: datetime
) -> tuple[Ratio, Ratio]:
    """(visits made, visits on time) of the period ``[since, until)``.

    Visits made: the jobs whose visit window ended in the period and that needed a visit —
    they got one (an arrival stopped the clock), or their deadline passed with the clock
    still running; a clock stopped without an arrival (resolved remotely, carried in) needed
    no visit. Visits on time: the visits (arrivals) whose clock stopped in the period, met ÷
    all."""
    made = owed = on_time = visited = 0
    for clock in clocks:
        arrived = clock.arrived and clock.state == "stopped"
        end = visit_window_end(clock)
        if end is not None and since <= end < until and end <= now:
            if arrived:
                owed += 1
                made += 1
            elif clock.state != "stopped":
                owed += 1
        stopped = clock.stopped_at
        if arrived and stopped is not None and since <= stopped < until:
            visited += 1
            on_time += 1 if clock.met else 0
    return Ratio(made, owed), Ratio(on_time, visited)
