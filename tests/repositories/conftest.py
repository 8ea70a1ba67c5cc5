"""A small company to store, shared by the store tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from fieldbot.domain.model import (
    Branch,
    Channel,
    Contract,
    Customer,
    Equipment,
    Language,
    Part,
    Priority,
    Role,
    ServiceType,
    Staff,
    StockLevel,
    WorkKind,
    Zone,
)
from fieldbot.repositories.jobs import JobRecord
from fieldbot.store import Store, UnitOfWork

NOW = datetime(2026, 9, 14, 0, 30, tzinfo=UTC)  # Monday 08:30 Asia/Shanghai


@dataclass(frozen=True)
class Company:
    branches: tuple[Branch, ...]
    staff: tuple[Staff, ...]
    customers: tuple[Customer, ...]
    equipment: tuple[Equipment, ...]
    contracts: tuple[Contract, ...]
    parts: tuple[Part, ...]
    stock: tuple[StockLevel, ...]


COMPANY = Company(
    branches=(
        Branch("SH01", "人民广场", 31.2304, 121.4737, "Asia/Shanghai", None, None),
        Branch("SH02", "Songjiang", 31.0303, 121.2277, None, 20.0, "08:30-12:00,13:00-17:30"),
    ),
    staff=(
        Staff(
            "S01", "王芳", frozenset({Role.SUPERVISOR}), "+8613900000001", Language.ZH_CN, "SH01"
        ),
        Staff(
            "T01",
            "李伟",
            frozenset({Role.TECHNICIAN}),
            "+8613900000011",
            Language.ZH_CN,
            "SH01",
            frozenset({"chiller", "boiler"}),
        ),
        Staff(
            "M01", "Chen Ming", frozenset({Role.MANAGER, Role.ADMIN}), "+8613900000021", Language.EN
        ),
    ),
    customers=(
        Customer(
            "C001",
            "李记餐厅",
            "+8613812345678",
            "上海市黄浦区云南南路118号",
            31.2297,
            121.4803,
            "SH01",
            Language.ZH_CN,
        ),
        Customer(
            "C002",
            "Blue Harbour Bistro",
            "+8613901710002",
            "南京西路1266号",
            31.2286,
            121.453,
            "SH01",
        ),
        Customer(
            "C004", "朱家角古镇客栈", "+862157880004", "青浦区朱家角镇", 31.11, 121.05, "SH02"
        ),
    ),
    equipment=(
        Equipment("SN-1", "C001", "KX-200", "chiller", date(2025, 10, 1), date(2027, 10, 1)),
        Equipment("SN-2", "C002", "KX-300", "boiler", date(2023, 1, 5)),
    ),
    contracts=(
        Contract("MC-1", "C002", date(2026, 1, 1), date(2026, 12, 31), True, False),
        Contract("MC-2", "C004", date(2025, 10, 1), date(2026, 10, 10), True, True),
    ),
    parts=(Part("P001", "压缩机", 123450, True), Part("P002", "Filter", 1500, False)),
    stock=(StockLevel("central", "P001", 4), StockLevel("van:T01", "P002", 10)),
)


async def seed_company(store: Store, company: Company = COMPANY) -> None:
    async with store.unit_of_work() as uow:
        for record in company.branches:
            await uow.branches.upsert(record)
        for staff in company.staff:
            await uow.staff.upsert(staff)
        for customer in company.customers:
            await uow.customers.upsert(customer)
        for item in company.equipment:
            await uow.equipment.upsert(item)
        for contract in company.contracts:
            await uow.contracts.upsert(contract)
        for part in company.parts:
            await uow.parts.upsert(part)
        for level in company.stock:
            await uow.stock.upsert(level)
        await uow.commit()


async def insert_job(uow: UnitOfWork, called_at: datetime, customer: str = "C001") -> JobRecord:
    customer_row = await uow.customers.row(customer)
    assert customer_row is not None
    day = called_at.astimezone(UTC).date()
    job = JobRecord(
        number=await uow.jobs.next_job_number(day),
        called_at=called_at,
        branch_id=customer_row.branch_id,
        customer_id=customer_row.id,
        equipment_id=await uow.equipment.id_of("SN-1"),
        kind=WorkKind.REPAIR,
        fault="不制冷",
        priority=Priority.GENERAL,
        channel=Channel.PHONE,
        service_type=ServiceType.C,
        zone=Zone.URBAN,
        assign_due_at=called_at + timedelta(hours=24),
    )
    return await uow.jobs.insert(job, now=called_at)


@pytest.fixture
def company() -> Company:
    return COMPANY


@pytest.fixture
async def seeded(store: Store) -> Store:
    await seed_company(store)
    return store
