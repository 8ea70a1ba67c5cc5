"""Planned maintenance (DESIGN.md §8 contracts ``visits_per_year``) as pure arithmetic.

A contract's term (``starts_on`` … ``ends_on``, both days included) of ``D`` days gets
``n = max(1, round(visits_per_year × D / 365))`` visits, one every ``D / n`` days: visit ``i``
(from 0) falls on day ``(i + ½) · D / n`` of the term and its window is the ``D / n`` days
around it, so the windows split the term with no gap. A renewal (same customer, starting when
the old contract ends) continues the rhythm instead: its first visit falls one interval after
the old contract's last visit (not before its own start), and the visits of the old contract
from the renewal's start on are its renewal's, so there is no double visit around the change.
A renewal starts when the old contract ends: the day after, or early, within the renewal
notice's days before its end (``FIELDBOT_RENEWAL_NOTICE_DAYS``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from itertools import pairwise

DAYS_A_YEAR = 365


@dataclass(frozen=True, slots=True)
class Visit:
    index: int
    on: date
    window_starts_on: date
    window_ends_on: date  # the window's last day


def visit_count(starts_on: date, ends_on: date, per_year: int) -> int:
    days = (ends_on - starts_on).days + 1
    return max(1, round(Fraction(per_year * days, DAYS_A_YEAR)))


def plan_visits(
    starts_on: date,
    ends_on: date,
    per_year: int,
    *,
    after: date | None = None,
    until: date | None = None,
) -> list[Visit]:
    """The visits of a term. ``after``: the last visit of the contract this one renews;
    ``until``: the start of its own renewal (its visits from that day on belong to it)."""
    days = (ends_on - starts_on).days + 1
    interval = Fraction(days, visit_count(starts_on, ends_on, per_year))
    if after is None:
        first, start = interval / 2, 0
    else:
        since = (after - starts_on).days
        first, start = max(Fraction(since) + interval, Fraction(0)), max(0, since + 1)
    last = days if until is None else min(days, (until - starts_on).days)
    centres: list[Fraction] = []
    while first + len(centres) * interval < last:
        centres.append(first + len(centres) * interval)
    # the windows split [start, last) halfway between visits, each holding its visit's day
    bounds = [start]
    for before, centre in pairwise(centres):
        bounds.append(max(math.floor((before + centre) / 2), math.floor(before) + 1))
    bounds.append(last)
    return [
        Visit(
            index=index,
            on=starts_on + timedelta(days=math.floor(centre)),
            window_starts_on=starts_on + timedelta(days=bounds[index]),
            window_ends_on=starts_on + timedelta(days=bounds[index + 1] - 1),
        )
        for index, centre in enumerate(centres)
    ]


def generate_on(visit: Visit, starts_on: date, lead_days: int) -> date:
    """The day a visit's job is generated: ``lead_days`` ahead, never before the term starts
    (so the job is under the contract: type B and its response times)."""
    return max(visit.on - timedelta(days=lead_days), starts_on)


def renews(old_starts_on: date, old_ends_on: date, new_starts_on: date, notice_days: int) -> bool:
    """Whether a contract starting ``new_starts_on`` renews one of the same customer: it
    starts when the old one ends — from ``notice_days`` before its end (the renewal notice's
    days: renewed early) to the day after it (and after the old one started)."""
    return (
        old_starts_on < new_starts_on
        and old_ends_on - timedelta(days=notice_days) <= new_starts_on
        and new_starts_on <= old_ends_on + timedelta(days=1)
    )
