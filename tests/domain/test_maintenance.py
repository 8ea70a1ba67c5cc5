"""The arithmetic of a maintenance plan (fieldbot.domain.maintenance): visits spread evenly,
windows that split the term, renewals that keep the rhythm."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

from fieldbot.domain.maintenance import generate_on, plan_visits, renews, visit_count


def test_a_year_of_four_visits_splits_the_term_into_windows() -> None:
    visits = plan_visits(date(2026, 1, 1), date(2026, 12, 31), 4)
    assert [v.on for v in visits] == [
        date(2026, 2, 15),
        date(2026, 5, 17),
        date(2026, 8, 17),
        date(2026, 11, 16),
    ]
    assert visits[0].window_starts_on == date(2026, 1, 1)
    assert visits[-1].window_ends_on == date(2026, 12, 31)
    for before, after in pairwise(visits):
        assert after.window_starts_on == before.window_ends_on + timedelta(days=1)
    assert all(v.window_starts_on <= v.on <= v.window_ends_on for v in visits)


def test_the_count_follows_the_term() -> None:
    assert visit_count(date(2026, 1, 1), date(2026, 12, 31), 12) == 12
    assert visit_count(date(2026, 1, 1), date(2026, 6, 30), 4) == 2
    assert visit_count(date(2026, 1, 1), date(2026, 1, 10), 4) == 1  # at least one
    assert len(plan_visits(date(2026, 1, 1), date(2026, 12, 31), 365)) == 365


def test_a_renewal_continues_the_rhythm_and_the_old_plan_stops_at_its_start() -> None:
    old = plan_visits(date(2026, 1, 1), date(2026, 12, 31), 4, until=date(2026, 12, 1))
    assert old[-1].on == date(2026, 11, 16) and old[-1].window_ends_on == date(2026, 11, 30)
    new = plan_visits(date(2026, 12, 1), date(2027, 11, 30), 4, after=old[-1].on)
    assert new[0].on == date(2027, 2, 15)  # 91 days after the old contract's last visit
    assert new[0].window_starts_on == date(2026, 12, 1)
    assert generate_on(new[0], date(2026, 12, 1), 14) == date(2027, 2, 1)
    assert generate_on(old[0], date(2026, 1, 1), 60) == date(2026, 1, 1)  # not before the start


def test_what_renews_a_contract() -> None:
    start, end = date(2026, 1, 1), date(2026, 12, 31)
    assert renews(start, end, date(2027, 1, 1), 30)  # the day after
    assert renews(start, end, date(2026, 12, 1), 30)  # early, within the notice's days
    assert not renews(start, end, date(2026, 11, 30), 30)  # a second contract, not a renewal
    assert not renews(start, end, date(2027, 1, 2), 30)  # after a gap
