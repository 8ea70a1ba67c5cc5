"""Staff and customers: lookups by phone, name and Telegram account; binding; activity."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from fieldbot.domain.model import Role
from fieldbot.store import AlreadyBound, Store

from .conftest import COMPANY


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
