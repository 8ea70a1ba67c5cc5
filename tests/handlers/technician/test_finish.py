"""What the finish form reads (no sandbox needed): the hours a job took."""

from __future__ import annotations

import pytest

from fieldbot.handlers.technician.finish import parse_hours


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("1.5", 90),
        ("2", 120),
        ("0,25", 15),
        (" 24 ", 1440),
        ("0", None),
        ("25", None),
        ("1.555", None),
        ("-1", None),
        ("one", None),
        ("", None),
    ],
)
def test_hours_are_read_as_minutes_within_a_day(text: str, minutes: int | None) -> None:
    assert parse_hours(text) == minutes
