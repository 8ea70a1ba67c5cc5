"""Writing: a file, or a whole company, checked first and written in one unit of work."""

from __future__ import annotations

from pathlib import Path

from fieldbot.clock import Clock
from fieldbot.domain.model import (
    Branch,
    Contract,
    Customer,
    Equipment,
    Part,
    Role,
    Staff,
    StockLevel,
)
from fieldbot.repositories.base import UpsertResult
from fieldbot.services.imports.kinds import spec_of
from fieldbot.services.imports.reading import parse_rows
from fieldbot.services.imports.records import (
    KINDS,
    ImportFailed,
    ImportReport,
    KnownKeys,
    Record,
)
from fieldbot.services.maintenance import plan_customer
from fieldbot.services.stock_levels import warn_low_stock
from fieldbot.settings import Settings
from fieldbot.store import Store, StoreError, UnitOfWork


async def import_file(
    store: Store,
    kind: str,
    path: Path,
    *,
    settings: Settings,
    clock: Clock,
    actor: str = "admin",
) -> ImportReport:
    """Check the whole file, then write it in one unit of work; :class:`ImportFailed` if not."""
    spec_of(kind)
    async with store.unit_of_work() as uow:
        report = await _import_into(uow, kind, path, settings=settings, clock=clock, actor=actor)
        await uow.commit()
    return report


async def import_company(
    store: Store,
    directory: Path,
    *,
    settings: Settings,
    clock: Clock,
    actor: str = "admin",
) -> list[ImportReport]:
    """Import ``<kind>.csv`` of every kind found in ``directory``, in the order of :data:`KINDS`.

    One unit of work for the lot: when any file fails, nothing of the company is written and
    :class:`ImportFailed` reports the first failing file. Kinds whose file is absent are skipped
    (a directory may hold only, say, ``stock.csv``); a directory with none of them fails.
    """
    paths = [(kind, directory / f"{kind}.csv") for kind in KINDS]
    present = [(kind, path) for kind, path in paths if path.is_file()]
    if not present:
        expected = ", ".join(f"{kind}.csv" for kind in KINDS)
        raise ImportFailed([f"{directory}:1: -: no company files here (expected {expected})"])
    reports: list[ImportReport] = []
    async with store.unit_of_work() as uow:
        for kind, path in present:
            reports.append(
                await _import_into(uow, kind, path, settings=settings, clock=clock, actor=actor)
            )
        await uow.commit()
    return reports


async def known_keys(uow: UnitOfWork) -> KnownKeys:
    """The keys references may point to, as the unit of work sees them."""
    staff = await uow.staff.all()
    return KnownKeys(
        branches=frozenset(await uow.branches.keys()),
        customers=frozenset(await uow.customers.keys()),
        parts=frozenset(await uow.parts.keys()),
        staff=frozenset(person.code for person in staff),
        technicians=frozenset(person.code for person in staff if Role.TECHNICIAN in person.roles),
        units={unit.serial: unit.customer for unit in await uow.equipment.all()},
    )


async def _import_into(
    uow: UnitOfWork, kind: str, path: Path, *, settings: Settings, clock: Clock, actor: str
) -> ImportReport:
    parsed = parse_rows(kind, path, await known_keys(uow), settings=settings)
    counts = {"added": 0, "updated": 0, "unchanged": 0}
    for item in parsed:
        try:
            outcome = await _upsert(uow, item.record)
        except StoreError as exc:
            # The transaction may be unusable now (PostgreSQL): stop at the first refusal.
            raise ImportFailed([f"{path}:{item.line}: -: refused by the database: {exc}"]) from exc
        counts[outcome] += 1
    await warn_low_stock(uow, clock.now())
    for customer in sorted({r.record.customer for r in parsed if isinstance(r.record, Contract)}):
        await plan_customer(uow, settings, customer, clock.now())  # visits_per_year
    await uow.events.append(
        actor=actor,
        kind="import",
        subject_type="import",
        subject_id=kind,
        payload=dict(counts),
        at=clock.now(),
    )
    return ImportReport(kind, counts["added"], counts["updated"], counts["unchanged"])


async def _upsert(uow: UnitOfWork, record: Record) -> UpsertResult:
    match record:
        case Branch():
            return await uow.branches.upsert(record)
        case Staff():
            return await uow.staff.upsert(record)
        case Customer():
            return await uow.customers.upsert(record)
        case Equipment():
            return await uow.equipment.upsert(record)
        case Contract():
            return await uow.contracts.upsert(record)
        case Part():
            return await uow.parts.upsert(record)
        case StockLevel():
            return await uow.stock.upsert(record)
