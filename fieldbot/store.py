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

Repositories take and return the plain records of :mod:`fieldbot.domain.model` (personal data
decrypted) keyed by their business key; rows that other code needs by id come as ``*Row``
values carrying the id and the columns the records do not have (Telegram binding, version).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, Self, TypeVar

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    and_,
    case,
    delete,
    event,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, RowMapping, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

from fieldbot import tables as t
from fieldbot.crypto import Cipher, aad_for
from fieldbot.domain.model import (
    Branch,
    Channel,
    Contract,
    Customer,
    Equipment,
    JobState,
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
from fieldbot.events import EventLog, canonical_json

if TYPE_CHECKING:
    from fieldbot.settings import Settings
    from fieldbot.store_field import FieldworkRepository

UpsertResult = Literal["added", "updated", "unchanged"]
JsonObject = dict[str, Any]

READONLY_OPTION = "fieldbot_readonly"
SQLITE_PRAGMAS = (
    "PRAGMA busy_timeout = 5000",
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA foreign_keys = ON",
    "PRAGMA secure_delete = ON",
)


class StoreError(Exception):
    """The store could not do what was asked; the unit of work should be rolled back."""


class ConcurrencyConflict(StoreError):
    """Someone else changed the row since it was read; nothing was overwritten."""


class MissingReference(StoreError):
    """A record refers to another (by code) that does not exist."""


class NotFound(StoreError):
    """The row to change does not exist."""


class AlreadyBound(StoreError):
    """The Telegram account is already bound to another record."""


class InsufficientStock(StoreError):
    """Taking this many would make stock negative; nothing was taken."""


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


def _dialect_insert(conn: AsyncConnection, table: Table) -> Any:
    """``INSERT`` with ``on_conflict_do_*`` for the connection's dialect."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _loads(text: str | None) -> JsonObject:
    return {} if not text else dict(json.loads(text))


def _aware(instant: datetime, what: str = "instant") -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware")
    return instant.astimezone(UTC)


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
        from fieldbot.store_field import FieldworkRepository  # imports this module

        self.fieldwork = FieldworkRepository(conn, c)
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


# ---------------------------------------------------------------------------------------------
# Repository plumbing


class _Repository:
    def __init__(self, connection: AsyncConnection, cipher: Cipher) -> None:
        self._conn = connection
        self._cipher = cipher

    @property
    def _postgres(self) -> bool:
        return self._conn.dialect.name == "postgresql"

    @property
    def _row_locks(self) -> bool:
        """Whether to lock rows read for work (PostgreSQL, outside read-only units of work)."""
        sync = self._conn.sync_connection
        readonly = sync is not None and sync.get_execution_options().get(READONLY_OPTION, False)
        return self._postgres and not readonly

    async def _first(self, query: Any) -> RowMapping | None:
        return (await self._conn.execute(query)).mappings().first()

    async def _all(self, query: Any) -> Sequence[RowMapping]:
        return (await self._conn.execute(query)).mappings().all()

    async def _id_by(self, table: Table, column: str, value: Any, what: str) -> int:
        found = (
            await self._conn.execute(select(table.c.id).where(table.c[column] == value))
        ).scalar_one_or_none()
        if found is None:
            raise MissingReference(f"unknown {what} {value!r}")
        return int(found)


R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Stored(Generic[R]):
    """A record with its database id."""

    id: int
    record: R


class _KeyedRepository(_Repository, Generic[R]):
    """Records keyed by one unique text column (code, serial, number)."""

    table: ClassVar[Table]
    key_column: ClassVar[str]

    def _query(self) -> Select[Any]:
        return select(self.table)

    def _record(self, row: RowMapping) -> R:
        raise NotImplementedError

    def _key(self, record: R) -> str:
        raise NotImplementedError

    async def _values(self, record: R) -> dict[str, Any]:
        raise NotImplementedError

    def _where_key(self, key: str) -> ColumnElement[bool]:
        return self.table.c[self.key_column] == key

    async def upsert(self, record: R) -> UpsertResult:
        """Add the record, or update the row with its key; say which (or that nothing changed)."""
        existing = await self._first(self._query().where(self._where_key(self._key(record))))
        if existing is None:
            await self._conn.execute(insert(self.table).values(await self._values(record)))
            return "added"
        if self._record(existing) == record:
            return "unchanged"
        values = await self._values(record)
        if "version" in self.table.c:
            values["version"] = self.table.c.version + 1
        await self._conn.execute(
            update(self.table).where(self.table.c.id == existing["id"]).values(values)
        )
        return "updated"

    async def get(self, key: str) -> R | None:
        row = await self._first(self._query().where(self._where_key(key)))
        return None if row is None else self._record(row)

    async def all(self) -> list[R]:
        rows = await self._all(self._query().order_by(self.table.c[self.key_column]))
        return [self._record(row) for row in rows]

    async def keys(self) -> set[str]:
        rows = await self._all(select(self.table.c[self.key_column].label("key")))
        return {str(row["key"]) for row in rows}

    async def id_of(self, key: str) -> int | None:
        found = (
            await self._conn.execute(select(self.table.c.id).where(self._where_key(key)))
        ).scalar_one_or_none()
        return None if found is None else int(found)

    async def require_id(self, key: str) -> int:
        found = await self.id_of(key)
        if found is None:
            raise MissingReference(f"unknown {self.table.name} {key!r}")
        return found

    async def by_id(self, row_id: int) -> R | None:
        row = await self._first(self._query().where(self.table.c.id == row_id))
        return None if row is None else self._record(row)

    async def stored(self, key: str) -> Stored[R] | None:
        row = await self._first(self._query().where(self._where_key(key)))
        return None if row is None else Stored(int(row["id"]), self._record(row))

    async def stored_by_ids(self, ids: Iterable[int]) -> dict[int, R]:
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        rows = await self._all(self._query().where(self.table.c.id.in_(wanted)))
        return {int(row["id"]): self._record(row) for row in rows}


# ---------------------------------------------------------------------------------------------
# Company records


class BranchRepository(_KeyedRepository[Branch]):
    table = t.branches
    key_column = "code"

    def _record(self, row: RowMapping) -> Branch:
        return Branch(
            code=row["code"],
            name=row["name"],
            latitude=row["latitude"],
            longitude=row["longitude"],
            timezone=row["timezone"],
            urban_radius_km=row["urban_radius_km"],
            working_hours=row["working_hours"],
        )

    def _key(self, record: Branch) -> str:
        return record.code

    async def _values(self, record: Branch) -> dict[str, Any]:
        return {
            "code": record.code,
            "name": record.name,
            "latitude": record.latitude,
            "longitude": record.longitude,
            "timezone": record.timezone,
            "urban_radius_km": record.urban_radius_km,
            "working_hours": record.working_hours,
        }


@dataclass(frozen=True, slots=True)
class StaffRow:
    id: int
    staff: Staff
    branch_id: int | None
    telegram_user_id: int | None
    chat_id: int | None
    last_latitude: float | None
    last_longitude: float | None
    last_located_at: datetime | None
    version: int


def _join(values: Iterable[str]) -> str:
    return ";".join(sorted(values))


def _split(text: str | None) -> list[str]:
    return [part for part in (text or "").split(";") if part]


class StaffRepository(_KeyedRepository[Staff]):
    table = t.staff
    key_column = "code"

    def _query(self) -> Select[Any]:
        return select(t.staff, t.branches.c.code.label("branch_code")).select_from(
            t.staff.outerjoin(t.branches, t.staff.c.branch_id == t.branches.c.id)
        )

    def _record(self, row: RowMapping) -> Staff:
        return Staff(
            code=row["code"],
            name=row["name"],
            roles=frozenset(Role(role) for role in _split(row["roles"])),
            phone=self._cipher.decrypt_text(
                row["phone_enc"], aad_for("staff", "phone", row["code"])
            ),
            language=Language(row["language"]),
            branch=row["branch_code"],
            skills=frozenset(_split(row["skills"])),
            active=bool(row["active"]),
        )

    def _row(self, row: RowMapping) -> StaffRow:
        return StaffRow(
            id=int(row["id"]),
            staff=self._record(row),
            branch_id=row["branch_id"],
            telegram_user_id=row["telegram_user_id"],
            chat_id=row["chat_id"],
            last_latitude=row["last_latitude"],
            last_longitude=row["last_longitude"],
            last_located_at=row["last_located_at"],
            version=int(row["version"]),
        )

    def _key(self, record: Staff) -> str:
        return record.code

    async def _values(self, record: Staff) -> dict[str, Any]:
        branch_id = None
        if record.branch is not None:
            branch_id = await self._id_by(t.branches, "code", record.branch, "branch")
        return {
            "code": record.code,
            "name": record.name,
            "roles": _join(role.value for role in record.roles),
            "skills": _join(record.skills),
            "language": record.language.value,
            "branch_id": branch_id,
            "active": record.active,
            "phone_enc": self._cipher.encrypt_text(
                record.phone, aad_for("staff", "phone", record.code)
            ),
            "phone_bidx": self._cipher.blind_index(record.phone),
        }

    async def row(self, code: str) -> StaffRow | None:
        found = await self._first(self._query().where(t.staff.c.code == code))
        return None if found is None else self._row(found)

    async def row_by_id(self, staff_id: int) -> StaffRow | None:
        found = await self._first(self._query().where(t.staff.c.id == staff_id))
        return None if found is None else self._row(found)

    async def by_telegram_user(self, user_id: int) -> StaffRow | None:
        found = await self._first(self._query().where(t.staff.c.telegram_user_id == user_id))
        return None if found is None else self._row(found)

    async def find_by_phone(self, e164: str) -> StaffRow | None:
        rows = await self._all(
            self._query()
            .where(t.staff.c.phone_bidx == self._cipher.blind_index(e164))
            .order_by(t.staff.c.code)
        )
        return self._row(rows[0]) if rows else None

    async def rows(
        self,
        *,
        branch: str | None = None,
        role: Role | None = None,
        active_only: bool = True,
    ) -> list[StaffRow]:
        """Staff ordered by code, optionally of one branch (code) and holding one role."""
        query = self._query().order_by(t.staff.c.code)
        if branch is not None:
            query = query.where(t.branches.c.code == branch)
        if active_only:
            query = query.where(t.staff.c.active.is_(True))
        found = [self._row(row) for row in await self._all(query)]
        if role is not None:
            found = [row for row in found if role in row.staff.roles]
        return found

    async def bind_telegram(self, code: str, user_id: int, chat_id: int) -> StaffRow:
        """Bind a Telegram account; refuses one already bound to someone else."""
        other = await self.by_telegram_user(user_id)
        if other is not None and other.staff.code != code:
            raise AlreadyBound(f"Telegram user {user_id} is bound to staff {other.staff.code}")
        result = await self._conn.execute(
            update(t.staff)
            .where(t.staff.c.code == code)
            .values(telegram_user_id=user_id, chat_id=chat_id, version=t.staff.c.version + 1)
            .returning(t.staff.c.id)
        )
        if result.first() is None:
            raise NotFound(f"unknown staff {code!r}")
        bound = await self.row(code)
        assert bound is not None
        return bound

    async def set_location(
        self, staff_id: int, latitude: float, longitude: float, at: datetime
    ) -> None:
        await self._conn.execute(
            update(t.staff)
            .where(t.staff.c.id == staff_id)
            .values(last_latitude=latitude, last_longitude=longitude, last_located_at=_aware(at))
        )

    async def set_active(self, code: str, active: bool) -> None:
        result = await self._conn.execute(
            update(t.staff)
            .where(t.staff.c.code == code)
            .values(active=active, version=t.staff.c.version + 1)
            .returning(t.staff.c.id)
        )
        if result.first() is None:
            raise NotFound(f"unknown staff {code!r}")


@dataclass(frozen=True, slots=True)
class CustomerRow:
    id: int
    customer: Customer
    branch_id: int
    telegram_user_id: int | None
    chat_id: int | None
    version: int


class CustomerRepository(_KeyedRepository[Customer]):
    """Customers; name, phone and address are encrypted, the phone also blind-indexed."""

    table = t.customers
    key_column = "code"

    def _query(self) -> Select[Any]:
        return select(t.customers, t.branches.c.code.label("branch_code")).select_from(
            t.customers.join(t.branches, t.customers.c.branch_id == t.branches.c.id)
        )

    def _decrypt(self, row: RowMapping, column: str) -> str:
        return self._cipher.decrypt_text(
            row[f"{column}_enc"], aad_for("customers", column, row["code"])
        )

    def _encrypt(self, code: str, column: str, value: str) -> bytes:
        return self._cipher.encrypt_text(value, aad_for("customers", column, code))

    def _record(self, row: RowMapping) -> Customer:
        language = row["language"]
        return Customer(
            code=row["code"],
            name=self._decrypt(row, "name"),
            phone=self._decrypt(row, "phone"),
            address=self._decrypt(row, "address"),
            latitude=row["latitude"],
            longitude=row["longitude"],
            branch=row["branch_code"],
            language=None if language is None else Language(language),
        )

    def _row(self, row: RowMapping) -> CustomerRow:
        return CustomerRow(
            id=int(row["id"]),
            customer=self._record(row),
            branch_id=int(row["branch_id"]),
            telegram_user_id=row["telegram_user_id"],
            chat_id=row["chat_id"],
            version=int(row["version"]),
        )

    def _key(self, record: Customer) -> str:
        return record.code

    async def _values(self, record: Customer) -> dict[str, Any]:
        return {
            "code": record.code,
            "name_enc": self._encrypt(record.code, "name", record.name),
            "phone_enc": self._encrypt(record.code, "phone", record.phone),
            "phone_bidx": self._cipher.blind_index(record.phone),
            "address_enc": self._encrypt(record.code, "address", record.address),
            "latitude": record.latitude,
            "longitude": record.longitude,
            "branch_id": await self._id_by(t.branches, "code", record.branch, "branch"),
            "language": None if record.language is None else record.language.value,
        }

    async def row(self, code: str) -> CustomerRow | None:
        found = await self._first(self._query().where(t.customers.c.code == code))
        return None if found is None else self._row(found)

    async def row_by_id(self, customer_id: int) -> CustomerRow | None:
        found = await self._first(self._query().where(t.customers.c.id == customer_id))
        return None if found is None else self._row(found)

    async def by_telegram_user(self, user_id: int) -> CustomerRow | None:
        found = await self._first(self._query().where(t.customers.c.telegram_user_id == user_id))
        return None if found is None else self._row(found)

    async def find_all_by_phone(self, e164: str) -> list[Customer]:
        """Every customer with this (E.164) phone, by code; found through the blind index."""
        rows = await self._all(
            self._query()
            .where(t.customers.c.phone_bidx == self._cipher.blind_index(e164))
            .order_by(t.customers.c.code)
        )
        return [self._record(row) for row in rows]

    async def find_by_phone(self, e164: str) -> Customer | None:
        """The customer with this phone (the first by code if several share it)."""
        found = await self.find_all_by_phone(e164)
        return found[0] if found else None

    async def in_branch(self, branch: str) -> list[Customer]:
        rows = await self._all(
            self._query().where(t.branches.c.code == branch).order_by(t.customers.c.code)
        )
        return [self._record(row) for row in rows]

    async def search_name(self, branch: str, text: str) -> list[Customer]:
        """Customers of a branch whose name contains ``text`` (case-insensitive): decrypts
        and scans the branch, as names are encrypted."""
        needle = text.casefold().strip()
        return [c for c in await self.in_branch(branch) if needle in c.name.casefold()]

    async def bind_telegram(self, code: str, user_id: int, chat_id: int) -> CustomerRow:
        other = await self.by_telegram_user(user_id)
        if other is not None and other.customer.code != code:
            raise AlreadyBound(
                f"Telegram user {user_id} is bound to customer {other.customer.code}"
            )
        result = await self._conn.execute(
            update(t.customers)
            .where(t.customers.c.code == code)
            .values(telegram_user_id=user_id, chat_id=chat_id, version=t.customers.c.version + 1)
            .returning(t.customers.c.id)
        )
        if result.first() is None:
            raise NotFound(f"unknown customer {code!r}")
        bound = await self.row(code)
        assert bound is not None
        return bound


class EquipmentRepository(_KeyedRepository[Equipment]):
    table = t.equipment
    key_column = "serial"

    def _query(self) -> Select[Any]:
        return select(t.equipment, t.customers.c.code.label("customer_code")).select_from(
            t.equipment.join(t.customers, t.equipment.c.customer_id == t.customers.c.id)
        )

    def _record(self, row: RowMapping) -> Equipment:
        return Equipment(
            serial=row["serial"],
            customer=row["customer_code"],
            model=row["model"],
            product_line=row["product_line"],
            purchased_on=row["purchased_on"],
            warranty_until=row["warranty_until"],
        )

    def _key(self, record: Equipment) -> str:
        return record.serial

    async def _values(self, record: Equipment) -> dict[str, Any]:
        return {
            "serial": record.serial,
            "customer_id": await self._id_by(t.customers, "code", record.customer, "customer"),
            "model": record.model,
            "product_line": record.product_line,
            "purchased_on": record.purchased_on,
            "warranty_until": record.warranty_until,
        }

    async def of_customer(self, customer: str) -> list[Equipment]:
        rows = await self._all(
            self._query().where(t.customers.c.code == customer).order_by(t.equipment.c.serial)
        )
        return [self._record(row) for row in rows]


class ContractRepository(_KeyedRepository[Contract]):
    table = t.contracts
    key_column = "number"

    def _query(self) -> Select[Any]:
        return select(t.contracts, t.customers.c.code.label("customer_code")).select_from(
            t.contracts.join(t.customers, t.contracts.c.customer_id == t.customers.c.id)
        )

    def _record(self, row: RowMapping) -> Contract:
        return Contract(
            number=row["number"],
            customer=row["customer_code"],
            starts_on=row["starts_on"],
            ends_on=row["ends_on"],
            covers_labour=bool(row["covers_labour"]),
            covers_parts=bool(row["covers_parts"]),
        )

    def _key(self, record: Contract) -> str:
        return record.number

    async def _values(self, record: Contract) -> dict[str, Any]:
        return {
            "number": record.number,
            "customer_id": await self._id_by(t.customers, "code", record.customer, "customer"),
            "starts_on": record.starts_on,
            "ends_on": record.ends_on,
            "covers_labour": record.covers_labour,
            "covers_parts": record.covers_parts,
        }

    async def of_customer(self, customer: str) -> list[Contract]:
        rows = await self._all(
            self._query().where(t.customers.c.code == customer).order_by(t.contracts.c.number)
        )
        return [self._record(row) for row in rows]

    async def ending_between(self, first: date, last: date) -> list[Contract]:
        """Contracts whose end date falls in ``[first, last]`` (renewal notices)."""
        rows = await self._all(
            self._query()
            .where(t.contracts.c.ends_on >= first, t.contracts.c.ends_on <= last)
            .order_by(t.contracts.c.ends_on, t.contracts.c.number)
        )
        return [self._record(row) for row in rows]


class PartRepository(_KeyedRepository[Part]):
    table = t.parts
    key_column = "code"

    def _record(self, row: RowMapping) -> Part:
        return Part(
            code=row["code"],
            name=row["name"],
            unit_price_fen=int(row["unit_price_fen"]),
            warranty_eligible=bool(row["warranty_eligible"]),
        )

    def _key(self, record: Part) -> str:
        return record.code

    async def _values(self, record: Part) -> dict[str, Any]:
        return {
            "code": record.code,
            "name": record.name,
            "unit_price_fen": record.unit_price_fen,
            "warranty_eligible": record.warranty_eligible,
        }


class StockRepository(_Repository):
    """Stock per (location, part code); quantities never go below zero."""

    def _query(self) -> Select[Any]:
        return select(t.stock, t.parts.c.code.label("part_code")).select_from(
            t.stock.join(t.parts, t.stock.c.part_id == t.parts.c.id)
        )

    @staticmethod
    def _record(row: RowMapping) -> StockLevel:
        return StockLevel(
            location=row["location"], part=row["part_code"], quantity=int(row["quantity"])
        )

    async def _part_id(self, part: str) -> int:
        return await self._id_by(t.parts, "code", part, "part")

    async def upsert(self, record: StockLevel) -> UpsertResult:
        """Set the quantity of a part at a location (the import's meaning of a stock row)."""
        if record.quantity < 0:
            raise StoreError(f"stock of {record.part} at {record.location} cannot be negative")
        part_id = await self._part_id(record.part)
        existing = await self._first(
            select(t.stock).where(
                t.stock.c.location == record.location, t.stock.c.part_id == part_id
            )
        )
        if existing is None:
            await self._conn.execute(
                insert(t.stock).values(
                    location=record.location, part_id=part_id, quantity=record.quantity
                )
            )
            return "added"
        if existing["quantity"] == record.quantity:
            return "unchanged"
        await self._conn.execute(
            update(t.stock).where(t.stock.c.id == existing["id"]).values(quantity=record.quantity)
        )
        return "updated"

    async def get(self, key: tuple[str, str]) -> StockLevel | None:
        location, part = key
        row = await self._first(
            self._query().where(t.stock.c.location == location, t.parts.c.code == part)
        )
        return None if row is None else self._record(row)

    async def all(self) -> list[StockLevel]:
        rows = await self._all(self._query().order_by(t.stock.c.location, t.parts.c.code))
        return [self._record(row) for row in rows]

    async def keys(self) -> set[tuple[str, str]]:
        rows = await self._all(self._query())
        return {(row["location"], row["part_code"]) for row in rows}

    async def at_location(self, location: str) -> list[StockLevel]:
        rows = await self._all(
            self._query().where(t.stock.c.location == location).order_by(t.parts.c.code)
        )
        return [self._record(row) for row in rows]

    async def quantity(self, location: str, part: str) -> int:
        level = await self.get((location, part))
        return 0 if level is None else level.quantity

    async def take(self, location: str, part: str, quantity: int) -> int:
        """Take ``quantity`` atomically; returns what is left. Raises
        :class:`InsufficientStock` (taking nothing) when there is not enough."""
        if quantity <= 0:
            raise StoreError("take a positive quantity")
        part_id = await self._part_id(part)
        result = await self._conn.execute(
            update(t.stock)
            .where(
                t.stock.c.location == location,
                t.stock.c.part_id == part_id,
                t.stock.c.quantity >= quantity,
            )
            .values(quantity=t.stock.c.quantity - quantity)
            .returning(t.stock.c.quantity)
        )
        left = result.scalar_one_or_none()
        if left is None:
            have = await self.quantity(location, part)
            raise InsufficientStock(f"{location} has {have} of {part}, {quantity} needed")
        return int(left)

    async def add(self, location: str, part: str, quantity: int) -> int:
        """Add ``quantity`` (creating the level if needed); returns the new quantity."""
        if quantity <= 0:
            raise StoreError("add a positive quantity")
        part_id = await self._part_id(part)
        stmt = (
            _dialect_insert(self._conn, t.stock)
            .values(location=location, part_id=part_id, quantity=quantity)
            .on_conflict_do_update(
                index_elements=["location", "part_id"],
                set_={"quantity": t.stock.c.quantity + quantity},
            )
            .returning(t.stock.c.quantity)
        )
        return int((await self._conn.execute(stmt)).scalar_one())

    async def move(self, source: str, target: str, part: str, quantity: int) -> None:
        """Move stock between locations in this unit of work (all or nothing)."""
        await self.take(source, part, quantity)
        await self.add(target, part, quantity)


# ---------------------------------------------------------------------------------------------
# Jobs


@dataclass(frozen=True, slots=True)
class JobRecord:
    """A job as stored. Services change it with ``dataclasses.replace`` and save it with
    :meth:`JobRepository.update`, which checks ``version``."""

    number: str
    called_at: datetime
    branch_id: int
    customer_id: int
    equipment_id: int | None
    kind: WorkKind
    fault: str
    priority: Priority
    channel: Channel
    service_type: ServiceType
    zone: Zone
    state: JobState = JobState.REGISTERED
    service_type_reason: str | None = None
    zone_reason: str | None = None
    technician_id: int | None = None
    carried_over: bool = False
    appointment_at: datetime | None = None
    assign_due_at: datetime | None = None
    contact_due_at: datetime | None = None
    arrival_due_at: datetime | None = None
    workshop_due_at: datetime | None = None
    id: int | None = None
    version: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None


_JOB_ENUMS: dict[str, type[Any]] = {
    "kind": WorkKind,
    "priority": Priority,
    "channel": Channel,
    "service_type": ServiceType,
    "zone": Zone,
    "state": JobState,
}
_JOB_FIELDS = tuple(f.name for f in fields(JobRecord))
_JOB_IMMUTABLE = frozenset({"id", "version", "created_at", "updated_at", "number"})


def format_job_number(day: date, sequence: int) -> str:
    return f"J{day:%Y%m%d}-{sequence:03d}"


class JobRepository(_Repository):
    @staticmethod
    def _record(row: RowMapping) -> JobRecord:
        values = {name: row[name] for name in _JOB_FIELDS}
        for name, kind in _JOB_ENUMS.items():
            values[name] = kind(values[name])
        values["carried_over"] = bool(values["carried_over"])
        return JobRecord(**values)

    @staticmethod
    def _values(job: JobRecord) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name in _JOB_FIELDS:
            if name in _JOB_IMMUTABLE:
                continue
            value = getattr(job, name)
            values[name] = value.value if name in _JOB_ENUMS else value
        return values

    async def next_job_number(self, day: date) -> str:
        """``J20260914-001``: ``day`` is the date of the call (in the branch's time zone)."""
        counter = t.job_number_counters
        stmt = (
            _dialect_insert(self._conn, counter)
            .values(day=day, last=1)
            .on_conflict_do_update(index_elements=["day"], set_={"last": counter.c.last + 1})
            .returning(counter.c.last)
        )
        sequence = int((await self._conn.execute(stmt)).scalar_one())
        return format_job_number(day, sequence)

    async def insert(self, job: JobRecord, now: datetime) -> JobRecord:
        """Store a new job; returns it with its id, version 1 and timestamps."""
        if job.id is not None:
            raise StoreError(f"job {job.number} is already stored")
        now = _aware(now, "now")
        values = self._values(job)
        values.update(number=job.number, version=1, created_at=now, updated_at=now)
        job_id = (
            await self._conn.execute(insert(t.jobs).values(values).returning(t.jobs.c.id))
        ).scalar_one()
        return replace(job, id=int(job_id), version=1, created_at=now, updated_at=now)

    async def get(self, job_id: int) -> JobRecord | None:
        row = await self._first(select(t.jobs).where(t.jobs.c.id == job_id))
        return None if row is None else self._record(row)

    async def by_number(self, number: str) -> JobRecord | None:
        row = await self._first(select(t.jobs).where(t.jobs.c.number == number))
        return None if row is None else self._record(row)

    async def get_for_update(self, job_id: int) -> JobRecord | None:
        """Read and lock the row until the unit of work ends (PostgreSQL ``FOR UPDATE``;
        on SQLite the write transaction already excludes other writers)."""
        query = select(t.jobs).where(t.jobs.c.id == job_id)
        if self._row_locks:
            query = query.with_for_update()
        row = await self._first(query)
        return None if row is None else self._record(row)

    async def list(
        self,
        *,
        branch_id: int | None = None,
        states: Iterable[JobState] | None = None,
        technician_id: int | None = None,
        customer_id: int | None = None,
        equipment_id: int | None = None,
        called_from: datetime | None = None,
        called_before: datetime | None = None,
        limit: int | None = None,
    ) -> list[JobRecord]:
        """Jobs in the order of the call (the call log), filtered."""
        query = select(t.jobs).order_by(t.jobs.c.called_at, t.jobs.c.id)
        if branch_id is not None:
            query = query.where(t.jobs.c.branch_id == branch_id)
        if states is not None:
            query = query.where(t.jobs.c.state.in_([s.value for s in states]))
        if technician_id is not None:
            query = query.where(t.jobs.c.technician_id == technician_id)
        if customer_id is not None:
            query = query.where(t.jobs.c.customer_id == customer_id)
        if equipment_id is not None:
            query = query.where(t.jobs.c.equipment_id == equipment_id)
        if called_from is not None:
            query = query.where(t.jobs.c.called_at >= called_from)
        if called_before is not None:
            query = query.where(t.jobs.c.called_at < called_before)
        if limit is not None:
            query = query.limit(limit)
        return [self._record(row) for row in await self._all(query)]

    async def update(
        self, job: JobRecord, now: datetime, *, expected_version: int | None = None
    ) -> JobRecord:
        """Save ``job`` if its row still has ``expected_version`` (default ``job.version``);
        returns it with the new version. Raises :class:`ConcurrencyConflict` otherwise."""
        if job.id is None:
            raise StoreError("insert a job before updating it")
        expected = job.version if expected_version is None else expected_version
        now = _aware(now, "now")
        values = self._values(job)
        values.update(version=t.jobs.c.version + 1, updated_at=now)
        result = await self._conn.execute(
            update(t.jobs)
            .where(t.jobs.c.id == job.id, t.jobs.c.version == expected)
            .values(values)
            .returning(t.jobs.c.version)
        )
        version = result.scalar_one_or_none()
        if version is None:
            current = await self.get(job.id)
            if current is None:
                raise NotFound(f"job {job.id} does not exist")
            raise ConcurrencyConflict(
                f"job {current.number} changed meanwhile (version {current.version}, "
                f"expected {expected})"
            )
        return replace(job, version=int(version), updated_at=now)

    _DUE_COLUMNS = frozenset({"assign_due_at", "contact_due_at", "arrival_due_at"})

    async def set_deadlines(
        self, job_id: int, deadlines: Mapping[str, datetime | None], now: datetime
    ) -> None:
        """Write the due instants the job's clocks moved to (a pause, a recomputation).

        They follow the clocks, not a decision about the job: the version stays, so the
        buttons people hold for the job stay valid."""
        unknown = set(deadlines) - self._DUE_COLUMNS
        if unknown:
            raise StoreError(f"not a deadline of a job: {sorted(unknown)}")
        if not deadlines:
            return
        values: dict[str, Any] = {
            name: None if value is None else _aware(value, name)
            for name, value in deadlines.items()
        }
        values["updated_at"] = _aware(now, "now")
        await self._conn.execute(update(t.jobs).where(t.jobs.c.id == job_id).values(values))


# ---------------------------------------------------------------------------------------------
# Calendar overrides


@dataclass(frozen=True, slots=True)
class CalendarOverride:
    day: date
    is_working: bool
    branch: str | None = None  # branch code; None: company-wide
    note: str | None = None


class CalendarRepository(_Repository):
    def _query(self) -> Select[Any]:
        return select(t.calendar_overrides, t.branches.c.code.label("branch_code")).select_from(
            t.calendar_overrides.outerjoin(
                t.branches, t.calendar_overrides.c.branch_id == t.branches.c.id
            )
        )

    @staticmethod
    def _record(row: RowMapping) -> CalendarOverride:
        return CalendarOverride(
            day=row["day"],
            is_working=bool(row["is_working"]),
            branch=row["branch_code"],
            note=row["note"],
        )

    async def _branch_id(self, branch: str | None) -> int | None:
        return None if branch is None else await self._id_by(t.branches, "code", branch, "branch")

    def _where(self, branch_id: int | None, day: date) -> ColumnElement[bool]:
        branch_test = (
            t.calendar_overrides.c.branch_id.is_(None)
            if branch_id is None
            else t.calendar_overrides.c.branch_id == branch_id
        )
        return and_(branch_test, t.calendar_overrides.c.day == day)

    async def set(
        self, day: date, is_working: bool, *, branch: str | None = None, note: str | None = None
    ) -> None:
        """Make ``day`` a working day or a holiday, company-wide or for one branch."""
        branch_id = await self._branch_id(branch)
        await self._conn.execute(delete(t.calendar_overrides).where(self._where(branch_id, day)))
        await self._conn.execute(
            insert(t.calendar_overrides).values(
                branch_id=branch_id, day=day, is_working=is_working, note=note
            )
        )

    async def remove(self, day: date, *, branch: str | None = None) -> bool:
        branch_id = await self._branch_id(branch)
        result = await self._conn.execute(
            delete(t.calendar_overrides)
            .where(self._where(branch_id, day))
            .returning(t.calendar_overrides.c.id)
        )
        return result.first() is not None

    async def get(self, day: date, *, branch: str | None = None) -> CalendarOverride | None:
        branch_id = await self._branch_id(branch)
        row = await self._first(self._query().where(self._where(branch_id, day)))
        return None if row is None else self._record(row)

    async def between(
        self, first: date, last: date, *, branch: str | None = None
    ) -> list[CalendarOverride]:
        """Overrides in ``[first, last]``: company-wide ones, plus the branch's own when a
        branch is given (a branch override wins over a company-wide one on the same day)."""
        column = t.calendar_overrides.c
        branch_test: ColumnElement[bool] = column.branch_id.is_(None)
        if branch is not None:
            branch_test = or_(branch_test, t.branches.c.code == branch)
        rows = await self._all(
            self._query()
            .where(column.day >= first, column.day <= last, branch_test)
            .order_by(column.day, column.branch_id.is_not(None))
        )
        return [self._record(row) for row in rows]

    async def all_ids(self) -> list[tuple[int | None, date, bool]]:
        """(branch id, day, is_working) of every override: for calendars keyed by branch id."""
        rows = await self._all(select(t.calendar_overrides).order_by(t.calendar_overrides.c.day))
        return [(row["branch_id"], row["day"], bool(row["is_working"])) for row in rows]


# ---------------------------------------------------------------------------------------------
# Outbox


OutboxStatus = Literal["pending", "in_flight", "sent", "failed"]
OutboxMethod = Literal["send", "edit", "delete"]
RecipientKind = Literal["staff", "customer", "chat"]


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    id: int
    chat_id: int
    recipient_kind: str
    recipient_id: int | None
    template: str
    params: JsonObject
    priority: int
    dedupe_key: str | None
    method: str
    ref_outbox_id: int | None
    ref_message_id: int | None
    status: str
    attempts: int
    reclaims: int
    next_attempt_at: datetime
    lease_until: datetime | None
    message_id: int | None
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


class OutboxRepository(_Repository):
    """Messages to deliver, written in the same unit of work as the change they report.

    Lower ``priority`` goes first: :attr:`PRIORITY_REPLY` for the answer to the person who
    just acted, then :attr:`PRIORITY_ESCALATION`, :attr:`PRIORITY_ASSIGNMENT`,
    :attr:`PRIORITY_NORMAL` for information, :attr:`PRIORITY_BULK` for reports.
    """

    PRIORITY_REPLY: ClassVar[int] = 0
    PRIORITY_ESCALATION: ClassVar[int] = 3
    PRIORITY_ASSIGNMENT: ClassVar[int] = 6
    PRIORITY_NORMAL: ClassVar[int] = 10
    PRIORITY_BULK: ClassVar[int] = 20

    @staticmethod
    def _message(row: RowMapping) -> OutboxMessage:
        values = {f.name: row[f.name] for f in fields(OutboxMessage)}
        values["params"] = _loads(row["params"])
        return OutboxMessage(**values)

    async def enqueue(
        self,
        *,
        chat_id: int,
        recipient_kind: RecipientKind,
        recipient_id: int | None,
        template: str,
        params: Mapping[str, Any] | None = None,
        now: datetime,
        not_before: datetime | None = None,
        priority: int = 10,
        dedupe_key: str | None = None,
        method: OutboxMethod = "send",
        ref_outbox_id: int | None = None,
        ref_message_id: int | None = None,
    ) -> int | None:
        """Queue a message; returns its id, or None when ``dedupe_key`` was already queued.

        ``params`` must not hold personal data: the text is rendered at send time.
        ``not_before`` holds it (e.g. until the recipient's next working moment).
        """
        now = _aware(now, "now")
        values = {
            "chat_id": chat_id,
            "recipient_kind": recipient_kind,
            "recipient_id": recipient_id,
            "template": template,
            "params": canonical_json(dict(params or {})),
            "priority": priority,
            "dedupe_key": dedupe_key,
            "method": method,
            "ref_outbox_id": ref_outbox_id,
            "ref_message_id": ref_message_id,
            "status": "pending",
            "next_attempt_at": now if not_before is None else _aware(not_before, "not_before"),
            "created_at": now,
        }
        stmt = _dialect_insert(self._conn, t.outbox).values(values).returning(t.outbox.c.id)
        if dedupe_key is not None:
            stmt = stmt.on_conflict_do_nothing(index_elements=["dedupe_key"])
        found = (await self._conn.execute(stmt)).scalar_one_or_none()
        return None if found is None else int(found)

    def _due(self, now: datetime) -> ColumnElement[bool]:
        column = t.outbox.c
        return or_(
            and_(column.status == "pending", column.next_attempt_at <= now),
            and_(column.status == "in_flight", column.lease_until <= now),
        )

    @staticmethod
    def _waits_for_earlier() -> ColumnElement[bool]:
        """Per-chat order: a message waits while an earlier one to the same chat is unsent —
        in flight, or pending after a failed attempt, or pending since it was queued. One held
        on purpose (``not_before``, never tried) does not hold up the chat's later messages."""
        column = t.outbox.c
        earlier = t.outbox.alias("earlier")
        return (
            select(earlier.c.id)
            .where(
                earlier.c.chat_id == column.chat_id,
                earlier.c.id < column.id,
                or_(
                    earlier.c.status == "in_flight",
                    and_(
                        earlier.c.status == "pending",
                        or_(
                            earlier.c.attempts > 0,
                            earlier.c.next_attempt_at <= earlier.c.created_at,
                        ),
                    ),
                ),
            )
            .exists()
        )

    async def claim_due(
        self, now: datetime, limit: int, lease_until: datetime
    ) -> list[OutboxMessage]:
        """Claim up to ``limit`` due messages for sending until ``lease_until``.

        Due: pending with ``next_attempt_at <= now``, or in flight with an expired lease (the
        sender died mid-send: it goes again and ``reclaims`` counts it). Claiming sets
        ``in_flight`` and counts an attempt. Two claimers never get the same row:
        ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, a conditional ``UPDATE … RETURNING`` inside
        the ``BEGIN IMMEDIATE`` transaction on SQLite. Ordered by priority, then due time.
        """
        now = _aware(now, "now")
        column = t.outbox.c
        picked = (
            select(column.id)
            .where(self._due(now), ~self._waits_for_earlier())
            .order_by(column.priority, column.next_attempt_at, column.id)
            .limit(limit)
        )
        chosen: Any
        if self._postgres:
            # Lock first, in its own statement: a LIMIT … SKIP LOCKED subquery inside the
            # UPDATE may be evaluated more than once and claim more than ``limit`` rows.
            locked = picked.with_for_update(skip_locked=True)
            chosen = [row[0] for row in (await self._conn.execute(locked)).all()]
            if not chosen:
                return []
        else:
            chosen = picked.scalar_subquery()
        stmt = (
            update(t.outbox)
            .where(column.id.in_(chosen), self._due(now))
            .values(
                status="in_flight",
                lease_until=_aware(lease_until, "lease_until"),
                attempts=column.attempts + 1,
                reclaims=column.reclaims + case((column.status == "in_flight", 1), else_=0),
            )
            .returning(*t.outbox.c)
        )
        claimed = [self._message(row) for row in (await self._conn.execute(stmt)).mappings()]
        claimed.sort(key=lambda m: (m.priority, m.next_attempt_at, m.id))
        return claimed

    async def mark_sent(
        self, message_id: int, telegram_message_id: int | None, now: datetime
    ) -> None:
        await self._conn.execute(
            update(t.outbox)
            .where(t.outbox.c.id == message_id)
            .values(
                status="sent",
                message_id=telegram_message_id,
                sent_at=_aware(now, "now"),
                lease_until=None,
                last_error=None,
            )
        )

    async def retry_later(self, message_id: int, next_attempt_at: datetime, error: str) -> None:
        """Back to pending, due again at ``next_attempt_at``."""
        await self._conn.execute(
            update(t.outbox)
            .where(t.outbox.c.id == message_id)
            .values(
                status="pending",
                next_attempt_at=_aware(next_attempt_at, "next_attempt_at"),
                lease_until=None,
                last_error=error,
            )
        )

    async def mark_failed(self, message_id: int, error: str) -> None:
        """Give up on the message (e.g. 403: the person blocked the bot)."""
        await self._conn.execute(
            update(t.outbox)
            .where(t.outbox.c.id == message_id)
            .values(status="failed", lease_until=None, last_error=error)
        )

    async def get(self, message_id: int) -> OutboxMessage | None:
        row = await self._first(select(t.outbox).where(t.outbox.c.id == message_id))
        return None if row is None else self._message(row)

    async def by_dedupe_key(self, dedupe_key: str) -> OutboxMessage | None:
        row = await self._first(select(t.outbox).where(t.outbox.c.dedupe_key == dedupe_key))
        return None if row is None else self._message(row)

    async def next_due_at(self) -> datetime | None:
        """The earliest instant at which something becomes due (None: nothing waits)."""
        column = t.outbox.c
        pending = select(func.min(column.next_attempt_at)).where(
            column.status == "pending", ~self._waits_for_earlier()
        )
        leased = select(func.min(column.lease_until)).where(column.status == "in_flight")
        candidates = [
            (await self._conn.execute(pending)).scalar_one_or_none(),
            (await self._conn.execute(leased)).scalar_one_or_none(),
        ]
        found = [_from_db_instant(c) for c in candidates if c is not None]
        return min(found) if found else None

    async def count_due(self, now: datetime) -> int:
        query = select(func.count()).select_from(t.outbox).where(self._due(_aware(now, "now")))
        return int((await self._conn.execute(query)).scalar_one())

    async def messages(
        self, *, status: OutboxStatus | None = None, chat_id: int | None = None
    ) -> list[OutboxMessage]:
        query = select(t.outbox).order_by(t.outbox.c.id)
        if status is not None:
            query = query.where(t.outbox.c.status == status)
        if chat_id is not None:
            query = query.where(t.outbox.c.chat_id == chat_id)
        return [self._message(row) for row in await self._all(query)]


def _from_db_instant(value: Any) -> datetime:
    """An aggregate (``min``) loses the column type: make its result an aware UTC instant."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        raise TypeError(f"not an instant: {value!r}")
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# ---------------------------------------------------------------------------------------------
# Deadline clocks and fired escalation steps


ClockState = Literal["running", "paused", "stopped"]
CalendarKind = Literal["calendar", "working"]


@dataclass(frozen=True, slots=True)
class ClockRow:
    """One deadline clock of a subject (job, complaint, ...). Times in UTC.

    ``due_at`` is the deadline while running; ``wake_at`` is the next instant the sweep must
    look at it (a reminder, the deadline, an escalation level), set by the scheduler.
    """

    subject_type: str
    subject_id: int
    clock: str
    calendar: str
    target_seconds: int
    started_at: datetime
    state: str = "running"
    generation: int = 1
    branch_id: int | None = None
    urgent: bool = False
    paused_at: datetime | None = None
    pause_reason: str | None = None
    elapsed_before_pause_seconds: float = 0.0
    stopped_at: datetime | None = None
    due_at: datetime | None = None
    wake_at: datetime | None = None
    met: bool | None = None
    id: int | None = None
    version: int = 0
    updated_at: datetime | None = None


_CLOCK_FIELDS = tuple(f.name for f in fields(ClockRow))


class ClockRepository(_Repository):
    @staticmethod
    def _clock(row: RowMapping) -> ClockRow:
        values = {name: row[name] for name in _CLOCK_FIELDS}
        values["urgent"] = bool(values["urgent"])
        values["met"] = None if values["met"] is None else bool(values["met"])
        values["elapsed_before_pause_seconds"] = float(values["elapsed_before_pause_seconds"])
        return ClockRow(**values)

    @staticmethod
    def _values(clock: ClockRow) -> dict[str, Any]:
        skip = {"id", "version", "updated_at"}
        return {name: getattr(clock, name) for name in _CLOCK_FIELDS if name not in skip}

    async def start(self, clock: ClockRow, now: datetime) -> ClockRow:
        """Start a clock; if the subject already has this clock it restarts as a new
        generation (so the steps of the old one cannot block the new one's)."""
        now = _aware(now, "now")
        column = t.clocks.c
        existing = await self._first(
            select(t.clocks)
            .where(
                column.subject_type == clock.subject_type,
                column.subject_id == clock.subject_id,
                column.clock == clock.clock,
            )
            .with_for_update()
        )
        values = self._values(clock)
        if existing is None:
            values.update(generation=clock.generation, version=1, updated_at=now)
            row = (
                (await self._conn.execute(insert(t.clocks).values(values).returning(*t.clocks.c)))
                .mappings()
                .one()
            )
        else:
            values.update(
                generation=int(existing["generation"]) + 1,
                version=column.version + 1,
                updated_at=now,
            )
            row = (
                (
                    await self._conn.execute(
                        update(t.clocks)
                        .where(column.id == existing["id"])
                        .values(values)
                        .returning(*t.clocks.c)
                    )
                )
                .mappings()
                .one()
            )
        return self._clock(row)

    async def get(self, subject_type: str, subject_id: int, clock: str) -> ClockRow | None:
        column = t.clocks.c
        row = await self._first(
            select(t.clocks).where(
                column.subject_type == subject_type,
                column.subject_id == subject_id,
                column.clock == clock,
            )
        )
        return None if row is None else self._clock(row)

    async def for_subject(self, subject_type: str, subject_id: int) -> list[ClockRow]:
        column = t.clocks.c
        rows = await self._all(
            select(t.clocks)
            .where(column.subject_type == subject_type, column.subject_id == subject_id)
            .order_by(column.clock)
        )
        return [self._clock(row) for row in rows]

    async def save(self, clock: ClockRow, now: datetime) -> ClockRow:
        """Write a changed clock if nobody changed it since it was read (``version``)."""
        if clock.id is None:
            raise StoreError("start a clock before saving it")
        column = t.clocks.c
        values = self._values(clock)
        values.update(version=column.version + 1, updated_at=_aware(now, "now"))
        row = await self._first(
            update(t.clocks)
            .where(column.id == clock.id, column.version == clock.version)
            .values(values)
            .returning(*t.clocks.c)
        )
        if row is None:
            raise ConcurrencyConflict(
                f"clock {clock.clock} of {clock.subject_type} {clock.subject_id} changed meanwhile"
            )
        return self._clock(row)

    async def due(self, now: datetime, limit: int = 100) -> list[ClockRow]:
        """Running clocks whose ``wake_at`` has come, earliest first; on PostgreSQL locked
        ``FOR UPDATE SKIP LOCKED`` so several sweeps share the work."""
        column = t.clocks.c
        query = (
            select(t.clocks)
            .where(column.state == "running", column.wake_at <= _aware(now, "now"))
            .order_by(column.wake_at, column.id)
            .limit(limit)
        )
        if self._row_locks:
            query = query.with_for_update(skip_locked=True)
        return [self._clock(row) for row in await self._all(query)]

    async def open_on(self, calendar: str, branch_id: int | None = None) -> list[ClockRow]:
        """The running and paused clocks counting on ``calendar`` ("working", "calendar"),
        of one branch or (None) of every branch."""
        column = t.clocks.c
        query = select(t.clocks).where(
            column.state.in_(("running", "paused")), column.calendar == calendar
        )
        if branch_id is not None:
            query = query.where(column.branch_id == branch_id)
        rows = await self._all(query.order_by(column.id))
        return [self._clock(row) for row in rows]

    async def next_wake_at(self) -> datetime | None:
        column = t.clocks.c
        value = (
            await self._conn.execute(
                select(func.min(column.wake_at)).where(column.state == "running")
            )
        ).scalar_one_or_none()
        return None if value is None else _from_db_instant(value)


@dataclass(frozen=True, slots=True)
class FiredStep:
    subject_type: str
    subject_id: int
    clock: str
    generation: int
    step: str
    fired_at: datetime
    acknowledged_by: int | None = None
    acknowledged_at: datetime | None = None
    id: int | None = None


_STEP_FIELDS = tuple(f.name for f in fields(FiredStep))


class StepRepository(_Repository):
    """Escalation steps that fired: each (subject, clock, generation, step) exactly once."""

    @staticmethod
    def _step(row: RowMapping) -> FiredStep:
        return FiredStep(**{name: row[name] for name in _STEP_FIELDS})

    def _key(
        self, subject_type: str, subject_id: int, clock: str, generation: int, step: str
    ) -> ColumnElement[bool]:
        column = t.fired_steps.c
        return and_(
            column.subject_type == subject_type,
            column.subject_id == subject_id,
            column.clock == clock,
            column.generation == generation,
            column.step == step,
        )

    async def fire(
        self,
        subject_type: str,
        subject_id: int,
        clock: str,
        generation: int,
        step: str,
        now: datetime,
    ) -> bool:
        """Record that the step fires now. False when it already fired (by this process
        earlier, or by another instance): then send nothing. On PostgreSQL a concurrent
        firer waits for the first to commit and then gets False."""
        stmt = (
            _dialect_insert(self._conn, t.fired_steps)
            .values(
                subject_type=subject_type,
                subject_id=subject_id,
                clock=clock,
                generation=generation,
                step=step,
                fired_at=_aware(now, "now"),
            )
            .on_conflict_do_nothing(
                index_elements=["subject_type", "subject_id", "clock", "generation", "step"]
            )
            .returning(t.fired_steps.c.id)
        )
        return (await self._conn.execute(stmt)).scalar_one_or_none() is not None

    async def get(
        self, subject_type: str, subject_id: int, clock: str, generation: int, step: str
    ) -> FiredStep | None:
        row = await self._first(
            select(t.fired_steps).where(
                self._key(subject_type, subject_id, clock, generation, step)
            )
        )
        return None if row is None else self._step(row)

    async def acknowledge(
        self,
        subject_type: str,
        subject_id: int,
        clock: str,
        generation: int,
        step: str,
        staff_id: int,
        now: datetime,
    ) -> bool:
        """The first acknowledgement wins (True); later ones change nothing (False)."""
        result = await self._conn.execute(
            update(t.fired_steps)
            .where(
                self._key(subject_type, subject_id, clock, generation, step),
                t.fired_steps.c.acknowledged_at.is_(None),
            )
            .values(acknowledged_by=staff_id, acknowledged_at=_aware(now, "now"))
            .returning(t.fired_steps.c.id)
        )
        return result.first() is not None

    async def for_subject(
        self, subject_type: str, subject_id: int, clock: str | None = None
    ) -> list[FiredStep]:
        column = t.fired_steps.c
        query = (
            select(t.fired_steps)
            .where(column.subject_type == subject_type, column.subject_id == subject_id)
            .order_by(column.fired_at, column.id)
        )
        if clock is not None:
            query = query.where(column.clock == clock)
        return [self._step(row) for row in await self._all(query)]

    async def unacknowledged(
        self, step: str, fired_before: datetime, limit: int = 100
    ) -> list[FiredStep]:
        """Steps of this name fired before the instant and not acknowledged (level 2 looks
        for level 1s like that); ``SKIP LOCKED`` on PostgreSQL."""
        column = t.fired_steps.c
        query = (
            select(t.fired_steps)
            .where(
                column.step == step,
                column.acknowledged_at.is_(None),
                column.fired_at < _aware(fired_before, "fired_before"),
            )
            .order_by(column.fired_at, column.id)
            .limit(limit)
        )
        if self._row_locks:
            query = query.with_for_update(skip_locked=True)
        return [self._step(row) for row in await self._all(query)]


# ---------------------------------------------------------------------------------------------
# Invites, forms, buttons


@dataclass(frozen=True, slots=True)
class Invite:
    payload: str
    kind: str  # staff | signoff
    created_at: datetime
    expires_at: datetime
    staff_id: int | None = None
    customer_id: int | None = None
    job_id: int | None = None
    used_at: datetime | None = None
    used_by_user_id: int | None = None
    id: int | None = None


_INVITE_FIELDS = tuple(f.name for f in fields(Invite))


def new_token(nbytes: int = 16) -> str:
    """An unguessable URL-safe token (22 characters for 16 bytes)."""
    return secrets.token_urlsafe(nbytes)


class InviteRepository(_Repository):
    """Single-use deep-link payloads: staff invites and customers' sign-off links."""

    @staticmethod
    def _invite(row: RowMapping) -> Invite:
        return Invite(**{name: row[name] for name in _INVITE_FIELDS})

    async def create(
        self,
        *,
        kind: Literal["staff", "signoff"],
        now: datetime,
        expires_at: datetime,
        staff_id: int | None = None,
        customer_id: int | None = None,
        job_id: int | None = None,
        payload: str | None = None,
    ) -> Invite:
        payload = payload or new_token()
        values = {
            "payload": payload,
            "kind": kind,
            "staff_id": staff_id,
            "customer_id": customer_id,
            "job_id": job_id,
            "created_at": _aware(now, "now"),
            "expires_at": _aware(expires_at, "expires_at"),
        }
        row = (
            (await self._conn.execute(insert(t.invites).values(values).returning(*t.invites.c)))
            .mappings()
            .one()
        )
        return self._invite(row)

    async def get(self, payload: str) -> Invite | None:
        row = await self._first(select(t.invites).where(t.invites.c.payload == payload))
        return None if row is None else self._invite(row)

    async def redeem(self, payload: str, user_id: int, now: datetime) -> Invite | None:
        """Use the invite once: None when unknown, used already or expired."""
        now = _aware(now, "now")
        column = t.invites.c
        row = await self._first(
            update(t.invites)
            .where(column.payload == payload, column.used_at.is_(None), column.expires_at > now)
            .values(used_at=now, used_by_user_id=user_id)
            .returning(*t.invites.c)
        )
        return None if row is None else self._invite(row)

    async def expire_for_job(self, job_id: int, now: datetime) -> int:
        """Expire the unused links of a job (it left awaiting_signoff); returns how many."""
        now = _aware(now, "now")
        column = t.invites.c
        result = await self._conn.execute(
            update(t.invites)
            .where(column.job_id == job_id, column.used_at.is_(None), column.expires_at > now)
            .values(expires_at=now)
            .returning(column.id)
        )
        return len(result.all())


@dataclass(frozen=True, slots=True)
class Form:
    """A conversation that spans several messages, one per Telegram user."""

    user_id: int
    name: str
    step: str
    data: JsonObject = field(default_factory=dict)
    version: int = 0
    updated_at: datetime | None = None


class FormRepository(_Repository):
    @staticmethod
    def _form(row: RowMapping) -> Form:
        return Form(
            user_id=int(row["user_id"]),
            name=row["name"],
            step=row["step"],
            data=_loads(row["data"]),
            version=int(row["version"]),
            updated_at=row["updated_at"],
        )

    async def get(self, user_id: int) -> Form | None:
        row = await self._first(select(t.forms).where(t.forms.c.user_id == user_id))
        return None if row is None else self._form(row)

    async def start(
        self, user_id: int, name: str, step: str, data: Mapping[str, Any], now: datetime
    ) -> Form:
        """Begin a form, replacing whatever form the user had open."""
        now = _aware(now, "now")
        await self._conn.execute(delete(t.forms).where(t.forms.c.user_id == user_id))
        await self._conn.execute(
            insert(t.forms).values(
                user_id=user_id,
                name=name,
                step=step,
                data=canonical_json(dict(data)),
                version=1,
                updated_at=now,
            )
        )
        return Form(user_id, name, step, dict(data), 1, now)

    async def save(self, form: Form, now: datetime) -> Form:
        """Write the form's new step and data if nobody changed it since it was read."""
        now = _aware(now, "now")
        column = t.forms.c
        result = await self._conn.execute(
            update(t.forms)
            .where(column.user_id == form.user_id, column.version == form.version)
            .values(
                name=form.name,
                step=form.step,
                data=canonical_json(dict(form.data)),
                version=column.version + 1,
                updated_at=now,
            )
            .returning(column.version)
        )
        version = result.scalar_one_or_none()
        if version is None:
            raise ConcurrencyConflict(f"the form of user {form.user_id} changed meanwhile")
        return replace(form, version=int(version), updated_at=now)

    async def clear(self, user_id: int) -> None:
        await self._conn.execute(delete(t.forms).where(t.forms.c.user_id == user_id))


@dataclass(frozen=True, slots=True)
class Button:
    """What an inline button does; its callback data is only the opaque ``token``."""

    token: str
    user_id: int
    action: str
    payload: JsonObject
    created_at: datetime
    expires_at: datetime | None = None
    used_at: datetime | None = None


class ButtonRepository(_Repository):
    @staticmethod
    def _button(row: RowMapping) -> Button:
        return Button(
            token=row["token"],
            user_id=int(row["user_id"]),
            action=row["action"],
            payload=_loads(row["payload"]),
            created_at=row["created_at"],
            expires_at=row["expires_at"],
            used_at=row["used_at"],
        )

    async def create(
        self,
        user_id: int,
        action: str,
        payload: Mapping[str, Any],
        now: datetime,
        expires_at: datetime | None = None,
    ) -> str:
        """Store what the button does for the one user who may press it; returns its token."""
        token = new_token()
        await self._conn.execute(
            insert(t.buttons).values(
                token=token,
                user_id=user_id,
                action=action,
                payload=canonical_json(dict(payload)),
                created_at=_aware(now, "now"),
                expires_at=None if expires_at is None else _aware(expires_at, "expires_at"),
            )
        )
        return token

    async def get(self, token: str) -> Button | None:
        row = await self._first(select(t.buttons).where(t.buttons.c.token == token))
        return None if row is None else self._button(row)

    async def use(self, token: str, user_id: int, now: datetime) -> Button | None:
        """Press a single-use button: None when unknown, not this user's, used or expired."""
        now = _aware(now, "now")
        column = t.buttons.c
        row = await self._first(
            update(t.buttons)
            .where(
                column.token == token,
                column.user_id == user_id,
                column.used_at.is_(None),
                or_(column.expires_at.is_(None), column.expires_at > now),
            )
            .values(used_at=now)
            .returning(*t.buttons.c)
        )
        return None if row is None else self._button(row)

    async def purge_expired(self, now: datetime) -> int:
        column = t.buttons.c
        result = await self._conn.execute(
            delete(t.buttons)
            .where(column.expires_at.is_not(None), column.expires_at <= _aware(now, "now"))
            .returning(column.token)
        )
        return len(result.all())
