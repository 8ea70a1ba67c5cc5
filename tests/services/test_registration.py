"""One Telegram account is one person (DESIGN.md §6), in the registration service itself: a
customer's account takes no staff invite, a staff account binds no customer, and a refused
attempt writes nothing (the invite stays valid). On SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace

import pytest

from fieldbot.clock import ManualClock
from fieldbot.domain.model import Language
from fieldbot.services.registration import (
    Refusal,
    RegistrationRefused,
    bind_customer_account,
    bind_customer_by_contact,
    create_staff_invite,
    redeem_staff_invite,
)
from fieldbot.store import Store

C001_PHONE = "+862163281001"
C002_PHONE = "+8613901710002"


async def _bind(company: Store, *, staff: dict[str, int], customers: dict[str, int]) -> None:
    async with company.unit_of_work() as uow:
        for code, user in staff.items():
            await uow.staff.bind_telegram(code, user, user)
        for code, user in customers.items():
            await uow.customers.bind_telegram(code, user, user)
        await uow.commit()


async def _invite(company: Store, clock: ManualClock, code: str) -> str:
    async with company.unit_of_work() as uow:
        invite = await create_staff_invite(uow, code, now=clock.now(), hours=72, actor="test")
        await uow.commit()
    return invite.payload


async def _redeem(company: Store, clock: ManualClock, payload: str, user: int) -> None:
    """Redeem as a handler would, committing whatever the service wrote before it refused."""
    async with company.unit_of_work() as uow:
        try:
            await redeem_staff_invite(uow, payload, user_id=user, chat_id=user, now=clock.now())
        finally:
            await uow.commit()


async def _contact(company: Store, clock: ManualClock, user: int, phone: str) -> None:
    async with company.unit_of_work() as uow:
        try:
            await bind_customer_by_contact(
                uow,
                sender_id=user,
                chat_id=user,
                contact_user_id=user,
                phone=phone,
                telegram_language=None,
                default=Language.ZH_CN,
                now=clock.now(),
            )
        finally:
            await uow.commit()


async def _invite_used(company: Store, payload: str) -> bool:
    async with company.unit_of_work(readonly=True) as uow:
        invite = await uow.invites.get(payload)
    assert invite is not None
    return invite.used_at is not None


async def _staff_user(company: Store, code: str) -> int | None:
    async with company.unit_of_work(readonly=True) as uow:
        row = await uow.staff.row(code)
    assert row is not None
    return row.telegram_user_id


async def _customer_user(company: Store, code: str) -> int | None:
    async with company.unit_of_work(readonly=True) as uow:
        row = await uow.customers.row(code)
    assert row is not None
    return row.telegram_user_id


async def test_a_customers_account_cannot_take_a_staff_invite_and_the_invite_stays_valid(
    company: Store, clock: ManualClock
) -> None:
    await _bind(company, staff={}, customers={"C002": 3002})
    payload = await _invite(company, clock, "T05")
    with pytest.raises(RegistrationRefused) as refused:
        await _redeem(company, clock, payload, 3002)
    assert refused.value.reason is Refusal.CUSTOMER_ACCOUNT
    assert not await _invite_used(company, payload)
    assert await _staff_user(company, "T05") is None
    await _redeem(company, clock, payload, 1005)
    assert await _staff_user(company, "T05") == 1005


async def test_a_registered_technician_opening_anothers_invite_uses_nothing_up(
    company: Store, clock: ManualClock
) -> None:
    await _bind(company, staff={"T01": 1001}, customers={})
    payload = await _invite(company, clock, "T03")
    with pytest.raises(RegistrationRefused) as refused:
        await _redeem(company, clock, payload, 1001)
    assert refused.value.reason is Refusal.ALREADY_BOUND
    assert not await _invite_used(company, payload)
    assert await _staff_user(company, "T03") is None
    assert await _staff_user(company, "T01") == 1001
    await _redeem(company, clock, payload, 1003)
    assert await _staff_user(company, "T03") == 1003


async def test_staff_may_open_a_fresh_invite_of_their_own_record(
    company: Store, clock: ManualClock
) -> None:
    await _bind(company, staff={"T01": 1001}, customers={})
    payload = await _invite(company, clock, "T01")
    await _redeem(company, clock, payload, 1001)
    assert await _invite_used(company, payload)


async def test_a_staff_account_cannot_bind_to_a_customer_by_contact(
    company: Store, clock: ManualClock
) -> None:
    await _bind(company, staff={"S01": 2001}, customers={})
    with pytest.raises(RegistrationRefused) as refused:
        await _contact(company, clock, 2001, C001_PHONE)
    assert refused.value.reason is Refusal.STAFF_ACCOUNT
    assert await _customer_user(company, "C001") is None


async def test_an_inactive_staff_account_cannot_bind_to_a_customer_either(
    company: Store, clock: ManualClock
) -> None:
    await _bind(company, staff={"T02": 1002}, customers={})
    async with company.unit_of_work() as uow:
        row = await uow.staff.get("T02")
        assert row is not None
        await uow.staff.upsert(replace(row, active=False))
        await uow.commit()
    with pytest.raises(RegistrationRefused) as refused:
        await _contact(company, clock, 1002, C002_PHONE)
    assert refused.value.reason is Refusal.STAFF_ACCOUNT
    assert await _customer_user(company, "C002") is None


async def test_a_customer_account_cannot_bind_a_second_customer(
    company: Store, clock: ManualClock
) -> None:
    await _bind(company, staff={}, customers={"C001": 3001})
    async with company.unit_of_work() as uow:
        other = await uow.customers.row("C002")
        assert other is not None
        with pytest.raises(RegistrationRefused) as refused:
            await bind_customer_account(uow, other, user_id=3001, chat_id=3001)
    assert refused.value.reason is Refusal.ALREADY_BOUND
    assert await _customer_user(company, "C002") is None
    assert await _customer_user(company, "C001") == 3001


async def test_an_unbound_account_binds_to_a_customer_by_its_own_contact(
    company: Store, clock: ManualClock
) -> None:
    await _contact(company, clock, 3002, C002_PHONE)
    assert await _customer_user(company, "C002") == 3002
