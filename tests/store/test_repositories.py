"""Company records: upsert says added / updated / unchanged; get, all, keys, lookups."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from fieldbot.domain.model import Language, Part, Role, StockLevel
from fieldbot.store import (
    AlreadyBound,
    InsufficientStock,
    MissingReference,
    Store,
    StoreError,
)

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


async def test_customers_are_found_by_phone_through_the_blind_index(seeded: Store) -> None:
    async with seeded.unit_of_work(readonly=True) as uow:
        found = await uow.customers.find_by_phone("+8613812345678")
        assert found is not None and found.code == "C001"
        assert await uow.customers.find_by_phone("+8613800000000") is None
        assert [c.code for c in await uow.customers.find_all_by_phone("+862157880004")] == ["C004"]


async def test_customer_name_search_decrypts_the_branch_and_matches_substrings(
    seeded: Store,
) -> None:
    async with seeded.unit_of_work(readonly=True) as uow:
        assert [c.code for c in await uow.customers.search_name("SH01", "餐厅")] == ["C001"]
        assert [c.code for c in await uow.customers.search_name("SH01", "harbour")] == ["C002"]
        assert await uow.customers.search_name("SH02", "餐厅") == []
        assert [c.code for c in await uow.customers.in_branch("SH01")] == ["C001", "C002"]


async def test_binding_a_telegram_account_finds_the_person_by_user_id(seeded: Store) -> None:
    async with seeded.unit_of_work() as uow:
        bound = await uow.staff.bind_telegram("T01", user_id=1001, chat_id=1001)
        assert (bound.telegram_user_id, bound.chat_id) == (1001, 1001)
        await uow.customers.bind_telegram("C001", user_id=5001, chat_id=5001)
        await uow.commit()
    async with seeded.unit_of_work() as uow:
        row = await uow.staff.by_telegram_user(1001)
        assert row is not None and row.staff.code == "T01" and row.staff.branch == "SH01"
        customer = await uow.customers.by_telegram_user(5001)
        assert customer is not None and customer.customer.name == "李记餐厅"
        with pytest.raises(AlreadyBound):
            await uow.staff.bind_telegram("S01", user_id=1001, chat_id=1001)


async def test_rebinding_survives_a_reimport_of_the_record(seeded: Store) -> None:
    async with seeded.unit_of_work() as uow:
        await uow.customers.bind_telegram("C002", user_id=5002, chat_id=5002)
        await uow.customers.upsert(replace(COMPANY.customers[1], address="新地址"))
        await uow.commit()
    async with seeded.unit_of_work(readonly=True) as uow:
        row = await uow.customers.row("C002")
    assert row is not None and row.telegram_user_id == 5002 and row.customer.address == "新地址"


async def test_staff_lookups_by_branch_role_location_and_phone(seeded: Store) -> None:
    at = datetime(2026, 9, 14, 1, 0, tzinfo=UTC)
    async with seeded.unit_of_work() as uow:
        t01 = await uow.staff.row("T01")
        assert t01 is not None
        await uow.staff.set_location(t01.id, 31.23, 121.47, at)
        await uow.commit()
    async with seeded.unit_of_work(readonly=True) as uow:
        assert [r.staff.code for r in await uow.staff.rows(branch="SH01")] == ["S01", "T01"]
        supervisors = await uow.staff.rows(branch="SH01", role=Role.SUPERVISOR)
        assert [r.staff.code for r in supervisors] == ["S01"]
        t01_again = await uow.staff.row_by_id(t01.id)
        assert t01_again is not None
        assert (t01_again.last_latitude, t01_again.last_located_at) == (31.23, at)
        by_phone = await uow.staff.find_by_phone("+8613900000021")
        assert by_phone is not None and by_phone.staff.branch is None


async def test_deactivated_staff_drop_out_of_active_lists(seeded: Store) -> None:
    async with seeded.unit_of_work() as uow:
        await uow.staff.upsert(replace(COMPANY.staff[1], active=False))
        await uow.commit()
    async with seeded.unit_of_work(readonly=True) as uow:
        assert [r.staff.code for r in await uow.staff.rows(branch="SH01")] == ["S01"]
        everyone = await uow.staff.rows(branch="SH01", active_only=False)
        assert [r.staff.code for r in everyone] == ["S01", "T01"]


async def test_equipment_and_contracts_of_a_customer(seeded: Store) -> None:
    async with seeded.unit_of_work(readonly=True) as uow:
        assert [e.serial for e in await uow.equipment.of_customer("C001")] == ["SN-1"]
        assert [c.number for c in await uow.contracts.of_customer("C002")] == ["MC-1"]
        ending = await uow.contracts.ending_between(date(2026, 12, 1), date(2026, 12, 31))
        assert [c.number for c in ending] == ["MC-1"]
        assert await uow.equipment.id_of("SN-1") is not None
        assert await uow.customers.id_of("C404") is None


async def test_stock_is_taken_and_added_but_never_goes_negative(seeded: Store) -> None:
    async with seeded.unit_of_work() as uow:
        assert await uow.stock.take("van:T01", "P002", 3) == 7
        with pytest.raises(InsufficientStock):
            await uow.stock.take("van:T01", "P002", 8)
        await uow.stock.move("central", "van:T01", "P001", 2)
        assert await uow.stock.add("SH01", "P002", 5) == 5
        await uow.commit()
    async with seeded.unit_of_work(readonly=True) as uow:
        assert await uow.stock.at_location("van:T01") == [
            StockLevel("van:T01", "P001", 2),
            StockLevel("van:T01", "P002", 7),
        ]
        assert await uow.stock.quantity("central", "P001") == 2
        assert await uow.stock.quantity("SH02", "P001") == 0


async def test_negative_stock_levels_are_refused(seeded: Store) -> None:
    async with seeded.unit_of_work() as uow:
        with pytest.raises(StoreError):
            await uow.stock.upsert(StockLevel("central", "P001", -1))


async def test_money_is_stored_as_exact_integer_fen(store: Store) -> None:
    big = Part("P900", "Controller", 9_999_999_999_99, False)
    async with store.unit_of_work() as uow:
        await uow.parts.upsert(big)
        await uow.commit()
    async with store.unit_of_work(readonly=True) as uow:
        stored = await uow.parts.get("P900")
    assert stored == big and isinstance(stored.unit_price_fen, int)
