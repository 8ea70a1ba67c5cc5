"""The optional columns of a contract (DESIGN.md §8: visits_per_year, serials, assign_hours,
arrival_working_hours), without a database: read when right, every problem at its line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from fieldbot.domain.model import Contract
from fieldbot.services.imports import ImportFailed, KnownKeys, parse_csv
from fieldbot.settings import Settings, load_settings

KNOWN = KnownKeys(
    customers=frozenset({"C002", "C003"}),
    units={"CF22-0107": "C002", "DW22-0108": "C002", "CF21-0033": "C003"},
)
HEADER = (
    "number,customer,starts_on,ends_on,covers_labour,covers_parts,"
    "visits_per_year,serials,assign_hours,arrival_working_hours"
)


@pytest.fixture
def settings() -> Settings:
    return load_settings(read_env_file=False)


def write(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "contracts.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_the_new_columns_are_read(tmp_path: Path, settings: Settings) -> None:
    path = write(
        tmp_path,
        "MC-1,C002,2026-01-01,2026-12-31,true,false,4,DW22-0108；CF22-0107,8,4.5",
        "MC-2,C003,2026-01-01,2026-12-31,true,false,,,,",
    )
    first, second = parse_csv("contracts", path, KNOWN, settings=settings)
    assert first == Contract(
        number="MC-1",
        customer="C002",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        covers_labour=True,
        covers_parts=False,
        visits_per_year=4,
        serials=("DW22-0108", "CF22-0107"),  # in their order: the first is the job's unit
        assign_hours=8.0,
        arrival_working_hours=4.5,
    )
    assert (second.visits_per_year, second.serials, second.assign_hours) == (None, (), None)


def test_every_bad_cell_is_reported_at_its_line_and_nothing_is_read(
    tmp_path: Path, settings: Settings
) -> None:
    path = write(
        tmp_path,
        "MC-1,C002,2026-01-01,2026-12-31,true,false,0,,,",
        "MC-2,C002,2026-01-01,2026-12-31,true,false,four,,-1,0",
        "MC-3,C002,2026-01-01,2026-12-31,true,false,2,CF21-0033;XX-1,9000,x",
        "MC-4,C002,2026-01-01,2026-12-31,true,false,,CF22-0107,,",
        "MC-5,C002,2026-01-01,2026-12-31,true,false,12,CF22-0107;CF22-0107,24,6",
    )
    with pytest.raises(ImportFailed) as failed:
        parse_csv("contracts", path, KNOWN, settings=settings)
    name = str(path)
    assert failed.value.errors == [
        f"{name}:2: visits_per_year: '0' is not a whole number from 1 to 365",
        f"{name}:3: visits_per_year: 'four' is not a whole number from 1 to 365",
        f"{name}:3: assign_hours: -1 is not a positive number",
        f"{name}:3: arrival_working_hours: 0 is not a positive number",
        f"{name}:4: serials: unit 'CF21-0033' belongs to C003, not to C002",
        f"{name}:4: serials: unknown unit 'XX-1'",
        f"{name}:4: assign_hours: 9000 is more than 8760 hours",
        f"{name}:4: arrival_working_hours: 'x' is not a number",
        f"{name}:5: serials: only with visits_per_year (the units of its planned visits)",
        f"{name}:6: serials: 'CF22-0107' is listed twice",
    ]
