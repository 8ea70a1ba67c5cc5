"""The KPIs and a technician's monthly performance on a constructed September (DESIGN.md §5
"How the numbers are defined"): every record made by the use cases, every KPI's numerator and
denominator checked against a hand count, for the company, a branch and a technician."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from fieldbot.domain.kpis import COMPANY, KpiName, Period, Ratio, Scope, parse_period
from fieldbot.services import kpis, performance
from fieldbot.services.kpis import KpiReport
from fieldbot.store import UnitOfWork

from .conftest import Flow
from .month import play_month

SEPTEMBER = parse_period("2026-09")
N = KpiName


async def _kpis(
    flow: Flow,
    scope: Scope = COMPANY,
    period: Period = SEPTEMBER,
    at: datetime | None = None,
) -> KpiReport:
    now = at or flow.clock.now()

    async def go(uow: UnitOfWork) -> KpiReport:
        return await kpis.compute(uow, flow.settings, now=now, scope=scope, period=period)

    return await flow.read(go)


def _ratios(report: KpiReport) -> dict[KpiName, Ratio]:
    return {k.name: k.ratio for k in report.kpis}


async def test_the_kpis_and_performance_of_a_constructed_month(flow: Flow) -> None:
    """One September built once (it takes a while): the KPIs by scope and period, the repeat
    window, the technicians' performance."""
    await play_month(flow)
    await _every_kpi_for_the_company_branch_and_technician(flow)
    await _a_repair_is_judged_only_once_its_repeat_window_has_passed(flow)
    await _a_technicians_monthly_performance(flow)


async def _every_kpi_for_the_company_branch_and_technician(flow: Flow) -> None:
    report = await _kpis(flow)
    assert (report.period.label, report.scope.label) == ("2026-09", "company")
    assert [k.name for k in report.kpis] == list(KpiName)
    assert _ratios(report) == {
        N.RESOLUTION_RATE: Ratio(5, 6),  # R3 took four working days
        N.SATISFACTION: Ratio(5, 8),  # 4 4 3 2 and 2 2 4 4
        N.SURVEY_COVERAGE: Ratio(2, 6),  # R1, R3 answered of R1 R3 I1 I2 K1 K2
        N.CONSULTATIONS_ANSWERED: Ratio(2, 2),
        N.COMPLAINTS_REPLIED: Ratio(1, 1),
        N.INSTALLATIONS_PASSING: Ratio(1, 2),  # I1 was disputed
        N.REPAIRS_PASSING: Ratio(1, 2),  # R1 repeated by R2 after 10 days; R3's after 41
        N.CUSTOMER_FILES_COMPLETE: Ratio(3, 4),  # C001 C002 C003; not C099
        N.VISITS_MADE: Ratio(4, 6),  # R4 and R2 were never visited
        N.VISITS_ON_TIME: Ratio(4, 4),
    }
    assert report.satisfaction_items == {
        "attitude": Ratio(1, 2),
        "skill": Ratio(1, 2),
        "arrival": Ratio(2, 2),
        "promises": Ratio(1, 2),
    }
    by = {k.name: k for k in report.kpis}
    assert (by[N.RESOLUTION_RATE].value_percent, by[N.RESOLUTION_RATE].target_percent) == (
        83.3,
        95,
    )
    assert not by[N.RESOLUTION_RATE].met and not by[N.SATISFACTION].met
    assert by[N.SATISFACTION].target_percent == 85 and by[N.SATISFACTION].value_percent == 62.5
    assert by[N.VISITS_ON_TIME].met and by[N.VISITS_ON_TIME].target_percent == 100

    assert _ratios(await _kpis(flow, Scope("branch", "SH01"))) == _ratios(report)
    tech = _ratios(await _kpis(flow, Scope("technician", "T02")))
    assert tech == {
        N.RESOLUTION_RATE: Ratio(2, 2),
        N.SATISFACTION: Ratio(3, 4),
        N.SURVEY_COVERAGE: Ratio(1, 2),
        N.CONSULTATIONS_ANSWERED: Ratio(0, 0),
        N.COMPLAINTS_REPLIED: Ratio(1, 1),
        N.INSTALLATIONS_PASSING: Ratio(1, 1),
        N.REPAIRS_PASSING: Ratio(0, 1),
        N.CUSTOMER_FILES_COMPLETE: Ratio(1, 1),
        N.VISITS_MADE: Ratio(2, 2),
        N.VISITS_ON_TIME: Ratio(2, 2),
    }

    empty = await _kpis(flow, Scope("branch", "SH02"))
    assert all(k.denominator == 0 and k.value_percent is None and k.met for k in empty.kpis)

    day = await _kpis(flow, period=parse_period("2026-09-18"))
    assert _ratios(day)[N.RESOLUTION_RATE] == Ratio(0, 1)  # only R3 stopped that day
    assert _ratios(day)[N.SATISFACTION] == Ratio(2, 4)
    assert _ratios(day)[N.REPAIRS_PASSING] == Ratio(1, 1)


async def _a_repair_is_judged_only_once_its_repeat_window_has_passed(flow: Flow) -> None:
    async def repairs(at: datetime) -> Ratio:
        return _ratios(await _kpis(flow, at=at))[N.REPAIRS_PASSING]

    # R1 closed 14 September 01:30 UTC, R3 on the 18th: their windows end 30 days later.
    assert await repairs(datetime(2026, 10, 14, 1, 29, tzinfo=UTC)) == Ratio(0, 0)
    assert await repairs(datetime(2026, 10, 14, 1, 30, tzinfo=UTC)) == Ratio(0, 1)
    assert await repairs(datetime(2026, 10, 18, 1, 30, tzinfo=UTC)) == Ratio(1, 2)


async def _a_technicians_monthly_performance(flow: Flow) -> None:
    now = flow.clock.now()

    async def of(code: str) -> performance.Performance:
        async def go(uow: UnitOfWork) -> performance.Performance:
            return await performance.monthly_performance(
                uow, flow.settings, technician=code, now=now, period=SEPTEMBER
            )

        return await flow.read(go)

    t01 = await of("T01")
    assert t01.jobs_by_type == {"C": 2} and t01.jobs == 2  # R3 and I1, in warranty
    assert t01.minutes == 120 and t01.hours == 2.0
    assert t01.deadlines["resolution"] == Ratio(1, 2)
    assert t01.deadlines_missed >= 1 and t01.deadlines_met >= 4
    assert t01.surveys == 1
    assert t01.average_rating == {"attitude": 2.0, "skill": 2.0, "arrival": 4.0, "promises": 4.0}
    assert (t01.complaints, t01.repairs, t01.repeat_repairs) == (0, 1, 0)

    t02 = await of("T02")
    assert t02.jobs == 2 and t02.minutes == 120
    assert t02.deadlines["resolution"] == Ratio(2, 2)
    assert (t02.complaints, t02.repairs, t02.repeat_repairs) == (1, 1, 1)
    assert t02.average_rating["attitude"] == 4.0

    async def branch(uow: UnitOfWork) -> list[performance.Performance]:
        return await performance.performances(
            uow, flow.settings, scope=Scope("branch", "SH01"), now=now, period=SEPTEMBER
        )

    rows = await flow.read(branch)  # every technician of the branch, by code, idle ones too
    assert [p.technician for p in rows] == ["T01", "T02", "T03"]
    assert rows[:2] == [t01, t02] and rows[2].jobs == 0 and rows[2].minutes == 0


@pytest.mark.parametrize("code", ["SH09", "S01"])
async def test_a_scope_that_is_neither_a_branch_nor_a_technician_is_refused(
    flow: Flow, code: str
) -> None:
    from fieldbot.domain.kpis import InvalidScope

    async def go(uow: UnitOfWork) -> Scope:
        return await kpis.scope_named(uow, code)

    with pytest.raises(InvalidScope):
        await flow.read(go)
