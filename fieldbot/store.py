"""Storage: the engine, the unit of work and the repositories (DESIGN.md §6, §7).

SQLAlchemy 2 Core, async, on SQLite (aiosqlite, the default) or PostgreSQL (asyncpg)::

    store = Store.open(url, cipher)
    async with store.unit_of_work() as uow:
        job = await uow.jobs.get(job_id)
        ...
        await uow.commit()          # leaving the block without commit() rolls back
    await store.close()

On SQLite every write unit of work begins ``BEGIN IMMEDIATE``: it takes the write lock at the
start, so a transaction that reads and then writes never fails half way under WAL, and units
of work are serialised (others wait up to ``busy_timeout``). Do not hold one open while waiting
for another unit of work of the same process. ``unit_of_work(readonly=True)`` uses a plain
``BEGIN`` (a snapshot, no lock) on SQLite and a read-only transaction on PostgreSQL.

The repositories live in :mod:`fieldbot.repositories`, one module per concept; the schema is
:mod:`fieldbot.tables`. This module is the entry point: the engine, the store, the unit of work
that binds the repositories to one transaction, and the store's errors.
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

from fieldbot.crypto import Cipher
from fieldbot.repositories.absences import AbsenceRepository
from fieldbot.repositories.access_log import AccessLogRepository
from fieldbot.repositories.base import (
    READONLY_OPTION,
    AlreadyBound,
    ConcurrencyConflict,
    InsufficientStock,
    MissingReference,
    NotFound,
    StoreError,
)
from fieldbot.repositories.calendar import CalendarRepository
from fieldbot.repositories.cash import CashRepository
from fieldbot.repositories.catalogue import (
    BranchRepository,
    ContractRepository,
    EquipmentRepository,
    PartRepository,
)
from fieldbot.repositories.clocks import ClockRepository, StepRepository
from fieldbot.repositories.complaints import ComplaintRepository
from fieldbot.repositories.conversations import ButtonRepository, FormRepository
from fieldbot.repositories.day_figures import DayFiguresRepository
from fieldbot.repositories.events import EventLog
from fieldbot.repositories.fieldwork import FieldworkRepository
from fieldbot.repositories.invites import InviteRepository
from fieldbot.repositories.jobs import JobRepository
from fieldbot.repositories.kpis import KpiRepository
from fieldbot.repositories.maintenance import MaintenanceRepository
from fieldbot.repositories.outbox import OutboxRepository
from fieldbot.repositories.people import CustomerRepository, StaffRepository
from fieldbot.repositories.reports import ReportRepository
from fieldbot.repositories.stock import StockRepository
from fieldbot.repositories.surveys import SurveyRepository

if TYPE_CHECKING:
    from fieldbot.settings import Settings

# The store's errors are defined with the repositories that raise them; this module is where
# callers take them from, beside the store itself.
__all__ = [
    "AlreadyBound",
    "ConcurrencyConflict",
    "InsufficientStock",
    "MissingReference",
    "NotFound",
    "Store",
    "StoreError",
    "UnitOfWork",
    "create_engine",
]

SQLITE_PRAGMAS = (
    "PRAGMA busy_timeout = 5000",
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA secure_delete = ON",
)
# ---------------------------------------------------------------------------------------------
# Engine


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """An async engine; on SQLite with fieldbot's pragmas and ``BEGIN IMMEDIATE`` writes."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_async_engine(parsed, echo=echo, pool_pre_ping=True)
    kwargs: dict[str, Any] = {}
    if parsed.database in (None, "", ":memory:"):
        kwargs["poolclass"] = StaticPool
    engine = create_async_engine(parsed, echo=echo, **kwargs)
    _install_sqlite_hooks(engine)
    return engine


def _install_sqlite_hooks(engine: AsyncEngine) -> None:
    # SQLAlchemy's documented recipe: take BEGIN away from the driver and emit it ourselves.
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            for pragma in SQLITE_PRAGMAS:
                cursor.execute(pragma)
        finally:
            cursor.close()

    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        # Returning from an AUTOCOMMIT use resets the driver to its legacy transaction mode.
        if dbapi_connection.isolation_level is not None:
            dbapi_connection.isolation_level = None

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        options = conn.get_execution_options()
        if options.get("isolation_level") == "AUTOCOMMIT":
            return  # e.g. VACUUM or a WAL checkpoint, which cannot run in a transaction
        conn.exec_driver_sql("BEGIN" if options.get(READONLY_OPTION, False) else "BEGIN IMMEDIATE")


# ---------------------------------------------------------------------------------------------
# Store and unit of work


class Store:
    """The database and the key that protects personal data in it."""

    def __init__(self, engine: AsyncEngine, cipher: Cipher) -> None:
        self.engine = engine
        self.cipher = cipher

    @classmethod
    def open(cls, url: str, cipher: Cipher) -> Store:
        return cls(create_engine(url), cipher)

    @classmethod
    def from_settings(cls, settings: Settings) -> Store:
        """The store of ``FIELDBOT_DATABASE_URL`` with the key of ``FIELDBOT_ENCRYPTION_KEY``."""
        return cls.open(settings.database_url, Cipher.from_master_key(settings.key_bytes()))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def unit_of_work(self, *, readonly: bool = False) -> UnitOfWork:
        return UnitOfWork(self.engine, self.cipher, readonly=readonly)

    async def close(self) -> None:
        await self.engine.dispose()

    async def checkpoint(self) -> bool | None:
        """SQLite: copy the write-ahead log into the database file and truncate it to nothing
        (``wal_checkpoint(TRUNCATE)``), so that old page images (an erased customer's former
        rows) leave the WAL too. True when the log was emptied, False when a reader still
        holds it (the next checkpoint finishes the job); None on PostgreSQL."""
        if self.dialect != "sqlite":
            return None
        async with self.engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            result = await autocommit.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            busy = result.first()
        return busy is not None and int(busy[0]) == 0


class UnitOfWork:
    """One transaction with the repositories bound to it; rolls back unless committed."""

    connection: AsyncConnection
    branches: BranchRepository
    staff: StaffRepository
    customers: CustomerRepository
    equipment: EquipmentRepository
    contracts: ContractRepository
    parts: PartRepository
    stock: StockRepository
    jobs: JobRepository
    events: EventLog
    calendar: CalendarRepository
    outbox: OutboxRepository
    clocks: ClockRepository
    steps: StepRepository
    invites: InviteRepository
    forms: FormRepository
    buttons: ButtonRepository
    fieldwork: FieldworkRepository
    surveys: SurveyRepository
    reports: ReportRepository
    cash: CashRepository
    day_figures: DayFiguresRepository
    complaints: ComplaintRepository
    access: AccessLogRepository
    absences: AbsenceRepository
    kpis: KpiRepository
    maintenance: MaintenanceRepository

    def __init__(self, engine: AsyncEngine, cipher: Cipher, *, readonly: bool = False) -> None:
        self._engine = engine
        self._cipher = cipher
        self.readonly = readonly

    async def __aenter__(self) -> Self:
        conn = await self._engine.connect()
        try:
            options: dict[str, Any] = {READONLY_OPTION: self.readonly}
            if self.readonly and conn.dialect.name == "postgresql":
                options["postgresql_readonly"] = True
            await conn.execution_options(**options)
            await conn.begin()
        except BaseException:
            await conn.close()
            raise
        self.connection = conn
        c = self._cipher
        self.branches = BranchRepository(conn, c)
        self.staff = StaffRepository(conn, c)
        self.customers = CustomerRepository(conn, c)
        self.equipment = EquipmentRepository(conn, c)
        self.contracts = ContractRepository(conn, c)
        self.parts = PartRepository(conn, c)
        self.stock = StockRepository(conn, c)
        self.jobs = JobRepository(conn, c)
        self.events = EventLog(conn)
        self.calendar = CalendarRepository(conn, c)
        self.outbox = OutboxRepository(conn, c)
        self.clocks = ClockRepository(conn, c)
        self.steps = StepRepository(conn, c)
        self.invites = InviteRepository(conn, c)
        self.forms = FormRepository(conn, c)
        self.buttons = ButtonRepository(conn, c)
        self.fieldwork = FieldworkRepository(conn, c)
        self.surveys = SurveyRepository(conn, c)
        self.complaints = ComplaintRepository(conn, c)
        self.access = AccessLogRepository(conn, c)
        self.absences = AbsenceRepository(conn, c)
        self.kpis = KpiRepository(conn, c)
        self.maintenance = MaintenanceRepository(conn, c)
        self.reports = ReportRepository(conn, c)
        self.cash = CashRepository(conn, c)
        self.day_figures = DayFiguresRepository(conn, c)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self.connection.in_transaction():
                await self.connection.rollback()
        finally:
            await self.connection.close()

    async def commit(self) -> None:
        """Commit; further statements in the block start a new transaction."""
        await self.connection.commit()

    async def rollback(self) -> None:
        await self.connection.rollback()
