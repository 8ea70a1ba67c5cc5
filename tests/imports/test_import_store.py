"""Importing into the real store (SQLite and PostgreSQL): all or nothing, re-imports, the audit."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import fieldbot
from fieldbot.clock import ManualClock
from fieldbot.domain.model import Language, Part, Role, StockLevel
from fieldbot.services.imports import (
    KINDS,
    ImportFailed,
    ImportReport,
    import_company,
    import_file,
)
from fieldbot.settings import Settings, load_settings
from fieldbot.store import Store

EXAMPLES = Path(fieldbot.__file__).parent / "examples"
START = datetime(2026, 9, 14, 0, 30, tzinfo=UTC)  # Monday 08:30 Asia/Shanghai

PARTS_HEADER = "code,name,unit_price,warranty_eligible"


@pytest.fixture
def settings() -> Settings:
    return load_settings(read_env_file=False)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


def rows_in(kind: str) -> int:
    lines = (EXAMPLES / f"{kind}.csv").read_text(encoding="utf-8").splitlines()
    return sum(1 for line in lines[1:] if line.strip())


def write(path: Path, *lines: str) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


async def keys(store: Store, kind: str) -> set[Any]:
    async with store.unit_of_work() as uow:
        return set(await getattr(uow, kind).keys())


async def test_the_sample_company_imports_file_by_file(
    store: Store, settings: Settings, clock: ManualClock
) -> None:
    reports = [
        await import_file(store, kind, EXAMPLES / f"{kind}.csv", settings=settings, clock=clock)
        for kind in KINDS
    ]
    assert reports == [ImportReport(kind, rows_in(kind), 0, 0) for kind in KINDS]

    async with store.unit_of_work() as uow:
        assert (await uow.staff.get("S02")).language is Language.EN
        assert Role.TECHNICIAN in (await uow.staff.get("T01")).roles
        c004 = await uow.customers.get("C004")
        assert (c004.branch, c004.name) == ("SH02", "朱家角古镇客栈")
        assert (await uow.contracts.get("MC-2026-002")).covers_parts is False
        assert await uow.stock.get(("van:T01", "P035")) == StockLevel("van:T01", "P035", 10)
        assert len(await uow.customers.all()) == rows_in("customers")


async def test_importing_the_company_twice_changes_nothing(
    store: Store, settings: Settings, clock: ManualClock
) -> None:
    first = await import_company(store, EXAMPLES, settings=settings, clock=clock)
    assert [r.kind for r in first] == list(KINDS)
    assert sum(r.added for r in first) == sum(rows_in(kind) for kind in KINDS)
    again = await import_company(store, EXAMPLES, settings=settings, clock=clock)
    assert again == [ImportReport(kind, 0, 0, rows_in(kind)) for kind in KINDS]


async def test_a_reimport_counts_added_updated_unchanged_and_leaves_missing_rows(
    store: Store, settings: Settings, clock: ManualClock, tmp_path: Path
) -> None:
    first = write(tmp_path / "a.csv", PARTS_HEADER, "P1,Gasket,10,false", "P2,Pump,180,true")
    assert await import_file(store, "parts", first, settings=settings, clock=clock) == (
        ImportReport("parts", 2, 0, 0)
    )
    second = write(
        tmp_path / "b.csv", PARTS_HEADER, "P2,Pump,199.50,true", "P3,Fuse,5,否", "P4,Valve,95,是"
    )
    third = write(tmp_path / "c.csv", PARTS_HEADER, "P3,Fuse,5,no", "P2,Pump,199.5,yes")
    assert await import_file(store, "parts", second, settings=settings, clock=clock) == (
        ImportReport("parts", 2, 1, 0)
    )
    assert await import_file(store, "parts", third, settings=settings, clock=clock) == (
        ImportReport("parts", 0, 0, 2)
    )
    async with store.unit_of_work() as uow:
        assert await uow.parts.get("P1") == Part("P1", "Gasket", 1000, False)  # left alone
        assert await uow.parts.get("P2") == Part("P2", "Pump", 19950, True)


async def test_a_bad_row_writes_nothing_of_the_file(
    store: Store, settings: Settings, clock: ManualClock, tmp_path: Path
) -> None:
    path = write(tmp_path / "parts.csv", PARTS_HEADER, "P1,Gasket,10,false", "P2,Pump,1.234,true")
    with pytest.raises(ImportFailed) as failure:
        await import_file(store, "parts", path, settings=settings, clock=clock)
    assert failure.value.errors == [
        f"{path}:3: unit_price: '1.234' is not an amount of money (too_many_decimals): "
        "more than two decimals (fen)"
    ]
    assert await keys(store, "parts") == set()
    async with store.unit_of_work() as uow:
        assert await uow.events.for_subject("import", "parts") == []


async def test_references_point_to_rows_already_in_the_database(
    store: Store, settings: Settings, clock: ManualClock, tmp_path: Path
) -> None:
    staff = EXAMPLES / "staff.csv"
    with pytest.raises(ImportFailed) as failure:
        await import_file(store, "staff", staff, settings=settings, clock=clock)
    assert f"{staff}:2: branch: unknown branch 'SH01'" in failure.value.errors
    await import_file(store, "branches", EXAMPLES / "branches.csv", settings=settings, clock=clock)
    report = await import_file(store, "staff", staff, settings=settings, clock=clock)
    assert report.added == rows_in("staff")


async def test_a_van_must_belong_to_a_technician_in_the_database(
    store: Store, settings: Settings, clock: ManualClock, tmp_path: Path
) -> None:
    for kind in ("branches", "staff", "parts"):
        await import_file(store, kind, EXAMPLES / f"{kind}.csv", settings=settings, clock=clock)
    path = write(
        tmp_path / "stock.csv", "location,part,quantity", "van:T03,P001,1", "van:K01,P001,1"
    )
    with pytest.raises(ImportFailed) as failure:
        await import_file(store, "stock", path, settings=settings, clock=clock)
    assert failure.value.errors == [f"{path}:3: location: 'van:K01': K01 is not a technician"]


async def test_each_import_is_one_audit_event_with_its_counts(
    store: Store, settings: Settings, clock: ManualClock, tmp_path: Path
) -> None:
    path = write(tmp_path / "parts.csv", PARTS_HEADER, "P1,Gasket,10,false")
    await import_file(store, "parts", path, settings=settings, clock=clock, actor="cli")
    clock.advance(timedelta(minutes=5))
    await import_file(store, "parts", path, settings=settings, clock=clock, actor="cli")
    async with store.unit_of_work() as uow:
        events = await uow.events.for_subject("import", "parts")
    assert [(e.actor, e.kind, e.payload) for e in events] == [
        ("cli", "import", {"added": 1, "updated": 0, "unchanged": 0}),
        ("cli", "import", {"added": 0, "updated": 0, "unchanged": 1}),
    ]
    assert [e.at for e in events] == [START, START + timedelta(minutes=5)]


async def test_a_failing_file_leaves_the_whole_company_unwritten(
    store: Store, settings: Settings, clock: ManualClock, tmp_path: Path
) -> None:
    company = tmp_path / "company"
    shutil.copytree(EXAMPLES, company)
    stock = company / "stock.csv"
    stock.write_text(stock.read_text(encoding="utf-8") + "van:T01,P404,1\n", encoding="utf-8")
    with pytest.raises(ImportFailed) as failure:
        await import_company(store, company, settings=settings, clock=clock)
    line = rows_in("stock") + 2
    assert failure.value.errors == [f"{stock}:{line}: part: unknown part 'P404'"]
    for kind in KINDS:
        assert await keys(store, kind) == set(), kind


async def test_a_company_directory_may_hold_only_some_kinds(
    store: Store, settings: Settings, clock: ManualClock, tmp_path: Path
) -> None:
    write(tmp_path / "parts.csv", PARTS_HEADER, "P1,Gasket,10,false")
    reports = await import_company(store, tmp_path, settings=settings, clock=clock)
    assert reports == [ImportReport("parts", 1, 0, 0)]
    with pytest.raises(ImportFailed) as failure:
        await import_company(store, tmp_path / "empty", settings=settings, clock=clock)
    assert failure.value.errors[0].startswith(f"{tmp_path / 'empty'}:1: -: no company files")


async def test_a_gbk_file_imports_into_the_database(
    store: Store, settings: Settings, clock: ManualClock, tmp_path: Path
) -> None:
    path = tmp_path / "parts.csv"
    path.write_bytes(f"{PARTS_HEADER}\r\nP1,门封条 Door gasket,88.00,否\r\n".encode("gbk"))
    await import_file(store, "parts", path, settings=settings, clock=clock)
    async with store.unit_of_work() as uow:
        assert await uow.parts.get("P1") == Part("P1", "门封条 Door gasket", 8800, False)
