"""What the appointment form reads (no sandbox needed): a time in the branch's timezone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from fieldbot.handlers.technician.appointment import parse_local_time


def test_a_bare_time_means_its_next_occurrence_in_the_branch_timezone() -> None:
    shanghai = ZoneInfo("Asia/Shanghai")
    now = datetime(2026, 9, 14, 10, 0, tzinfo=shanghai)
    assert parse_local_time("15:30", now) == datetime(2026, 9, 14, 15, 30, tzinfo=shanghai)
    assert parse_local_time("08:00", now) == datetime(2026, 9, 15, 8, 0, tzinfo=shanghai)
    assert parse_local_time("2026-09-20 09:00", now) == datetime(2026, 9, 20, 9, 0, tzinfo=shanghai)
    for garbage in ("25:00", "9", "2026-02-30 09:00", "tomorrow", "12:5"):
        assert parse_local_time(garbage, now) is None
