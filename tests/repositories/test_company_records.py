"""Company records: upsert says added / updated / unchanged; get, all, keys, lookups."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from fieldbot.domain.model import Language, Part, Role, StockLevel
from fieldbot.store import MissingReference, Store

from .conftest import COMPANY, Company

KEYED = {
    "branches": lambda r: r.code,
    "staff": lambda r: r.code,
    "customers": lambda r: r.code,
    "equipment": lambda r: r.serial,
    "contracts": lambda r: r.number,
    "parts": lambda r: r.code,
    "stock": lambda r: (r.location, r.part),
}

# One change per kind, so re-upserting reports "updated".
CHANGES: dict[str, dict[str, Any]] = {
    "branches": {"name": "人民广场分部", "working_hours": "09:00-17:00"},
    "staff": {"roles": frozenset({Role.SUPERVISOR, Role.TECHNICIAN}), "phone": "+8613900000099"},
    "customers": {"address": "上海市黄浦区新地址1号", "language": Language.EN},
    "equipment": {"warranty_until": date(2028, 1, 1)},
    "contracts": {"covers_parts": True},
    "parts": {"unit_price_fen": 99999},
    "stock": {"quantity": 0},
}


async def _upsert_all(store: Store, kind: str, records: tuple[Any, ...]) -> list[str]:
    async with store.unit_of_work() as uow:
        outcomes = [await getattr(uow, kind).upsert(record) for record in records]
        await uow.commit()
    return outcomes


@pytest.mark.parametrize("kind", list(KEYED))
async def test_upsert_adds_updates_and_leaves_unchanged(
    seeded: Store, company: Company, kind: str
) -> None:
    records: tuple[Any, ...] = getattr(company, kind)
    key = KEYED[kind]
    assert await _upsert_all(seeded, kind, records) == ["unchanged"] * len(records)

    changed = replace(records[0], **CHANGES[kind])
    assert await _upsert_all(seeded, kind, (changed,)) == ["updated"]
    assert await _upsert_all(seeded, kind, (changed,)) == ["unchanged"]

    async with seeded.unit_of_work(readonly=True) as uow:
        repo = getattr(uow, kind)
        assert await repo.get(key(changed)) == changed
        assert await repo.get(key(records[1])) == records[1]
        assert await repo.keys() == {key(r) for r in records}
        stored = await repo.all()
    assert sorted(stored, key=key) == sorted([changed, *records[1:]], key=key)


@pytest.mark.parametrize("kind", list(KEYED))
async def test_get_of_an_unknown_key_is_none(seeded: Store, kind: str) -> None:
    key = ("nowhere", "P404") if kind == "stock" else "NOPE"
    async with seeded.unit_of_work(readonly=True) as uow:
        assert await getattr(uow, kind).get(key) is None


async def test_first_upsert_of_every_kind_says_added(store: Store, company: Company) -> None:
    for kind in KEYED:
        records = getattr(company, kind)
        assert await _upsert_all(store, kind, records) == ["added"] * len(records)


@pytest.mark.parametrize(
    ("kind", "record"),
    [
        ("staff", replace(COMPANY.staff[0], code="S99", branch="SH99")),
        ("customers", replace(COMPANY.customers[0], code="C99", branch="SH99")),
        ("equipment", replace(COMPANY.equipment[0], serial="SN-99", customer="C99")),
        ("contracts", replace(COMPANY.contracts[0], number="MC-99", customer="C99")),
        ("stock", StockLevel("central", "P404", 1)),
    ],
)
async def test_a_reference_to_a_missing_record_is_refused(
    seeded: Store, kind: str, record: Any
) -> None:
    async with seeded.unit_of_work() as uow:
        with pytest.raises(MissingReference):
            await getattr(uow, kind).upsert(record)


async def test_equipment_and_contracts_of_a_customer(seeded: Store) -> None:
    async with seeded.unit_of_work(readonly=True) as uow:
        assert [e.serial for e in await uow.equipment.of_customer("C001")] == ["SN-1"]
        assert [c.number for c in await uow.contracts.of_customer("C002")] == ["MC-1"]
        ending = await uow.contracts.ending_between(date(2026, 12, 1), date(2026, 12, 31))
        assert [c.number for c in ending] == ["MC-1"]
        assert await uow.equipment.id_of("SN-1") is not None
        assert await uow.customers.id_of("C404") is None


async def test_money_is_stored_as_exact_integer_fen(store: Store) -> None:
    big = Part("P900", "Controller", 9_999_999_999_99, False)
    async with store.unit_of_work() as uow:
        await uow.parts.upsert(big)
        await uow.commit()
    async with store.unit_of_work(readonly=True) as uow:
        stored = await uow.parts.get("P900")
    assert stored == big and isinstance(stored.unit_price_fen, int)
