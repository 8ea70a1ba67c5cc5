"""A running clock past its deadline is marked; stopped and paused ones are not (issue 11)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from fieldbot.repositories.clocks import ClockRow
from fieldbot.services.deadlines.job_clocks import past_deadline

DUE = datetime(2026, 9, 15, 1, tzinfo=UTC)
RUNNING = ClockRow(
    subject_type="job",
    subject_id=1,
    clock="assign",
    calendar="calendar",
    target_seconds=86400,
    started_at=DUE - timedelta(days=1),
    due_at=DUE,
)


def test_a_running_clock_is_past_its_deadline_only_after_it() -> None:
    assert not past_deadline(RUNNING, DUE)
    assert past_deadline(RUNNING, DUE + timedelta(seconds=1))


def test_stopped_and_paused_clocks_are_not_marked_past_their_deadline() -> None:
    later = DUE + timedelta(hours=1)
    assert not past_deadline(replace(RUNNING, state="stopped", met=False), later)
    assert not past_deadline(replace(RUNNING, state="paused", due_at=None), later)
