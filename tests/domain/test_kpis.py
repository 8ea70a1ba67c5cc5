"""The KPIs as values (DESIGN.md §5, §8): periods in a timezone, scopes, value and met
(an empty denominator has no value and is met), targets, repeat repairs and visits."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from fieldbot.domain.kpis import (
    COMPANY,
    KPI_NAMES,
    ClosedRepair,
    InvalidPeriod,
    Kpi,
    KpiName,
    LaterRepair,
    Ratio,
    Scope,
    VisitClock,
    judged,
    kpis,
    month_of,
    parse_period,
    repeated,
    targets,
    visits,
)

SH = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int = 12, month: int = 9) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def test_periods_read_as_a_day_or_a_month_in_the_timezone() -> None:
    day = parse_period("2026-09-14")
    assert (day.kind, day.label, day.end) == ("day", "2026-09-14", date(2026, 9, 15))
    assert day.bounds(SH) == (at(13, 16), at(14, 16))  # Shanghai midnight is 16:00 UTC
    month = parse_period(" 2026-12 ")
    assert (month.kind, month.label, month.end) == ("month", "2026-12", date(2027, 1, 1))
    assert month.bounds(ZoneInfo("UTC")) == (at(1, 0, 12), datetime(2027, 1, 1, tzinfo=UTC))
    assert month_of(at(30, 17), SH).label == "2026-10"  # 1 October 01:00 in Shanghai
    for text in ("2026-13", "2026-02-30", "2026-9", "26-09", "september", "", "2026-09-14x"):
        with pytest.raises(InvalidPeriod):
            parse_period(text)


def test_scopes_read_like_the_json() -> None:
    assert COMPANY.label == "company"
    assert Scope("branch", "SH01").label == "branch:SH01"
    assert Scope("technician", "T01").label == "technician:T01"
    with pytest.raises(ValueError):
        Scope("branch")


def test_value_and_met_and_an_empty_denominator() -> None:
    assert Kpi(KpiName.SATISFACTION, Ratio(17, 20), 85).met  # exactly at target
    assert not Kpi(KpiName.SATISFACTION, Ratio(16, 19), 85).met  # 84.2 %
    assert Kpi(KpiName.SATISFACTION, Ratio(16, 19), 85).value_percent == 84.2
    empty = Kpi(KpiName.VISITS_MADE, Ratio(), 100)
    assert empty.value_percent is None and empty.met
    assert not Kpi(KpiName.VISITS_MADE, Ratio(99, 100), 100).met
    with pytest.raises(ValueError):
        Ratio(2, 1)
    goals = targets(95, 85)
    assert goals[KpiName.RESOLUTION_RATE] == 95 and goals[KpiName.SATISFACTION] == 85
    assert {goals[n] for n in KPI_NAMES} - {95, 85} == {100}
    assert [k.name for k in kpis({}, goals)] == list(KPI_NAMES)


def test_a_repeat_repair_is_a_new_repair_of_the_unit_within_the_window() -> None:
    closed = [ClosedRepair(1, 10, at(1)), ClosedRepair(2, 20, at(1)), ClosedRepair(3, None, at(1))]
    later = [
        LaterRepair(1, 10, at(1)),  # itself
        LaterRepair(4, 10, at(1) + timedelta(days=30)),  # the last instant inside
        LaterRepair(5, 20, at(1) + timedelta(days=30, seconds=1)),  # just outside
    ]
    assert repeated(closed, later, 30) == {1}
    assert not judged(closed[0], at(1) + timedelta(days=30) - timedelta(seconds=1), 30)
    assert judged(closed[0], at(1) + timedelta(days=30), 30)


def _clock(state: str, stopped: datetime | None, due: datetime | None, **kw: object) -> VisitClock:
    return VisitClock(
        job_id=int(str(kw.get("job", 1))),
        technician_id=None,
        state=state,
        stopped_at=stopped,
        due_at=due,
        met=bool(kw.get("met", True)),
        arrived=bool(kw.get("arrived", True)),
    )


def test_visits_made_and_on_time_on_the_clocks() -> None:
    since, until, now = at(1, 0), at(1, 0, 10), at(15, 0, 10)
    clocks = [
        _clock("stopped", at(3), at(4)),  # visited on time
        _clock("stopped", at(6), at(5), met=False),  # late: the window ended at the deadline
        _clock("running", None, at(7)),  # still owed after its deadline
        _clock("stopped", at(8), at(9), arrived=False),  # resolved remotely: no visit needed
        _clock("running", None, at(2, month=10)),  # deadline not in the period
        _clock("stopped", at(30, 23), at(2, month=10)),  # arrived in September, due October
    ]
    made, on_time = visits(clocks, since, until, now)
    assert made == Ratio(3, 4)
    assert on_time == Ratio(2, 3)
