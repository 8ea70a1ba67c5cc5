"""Repository plumbing and the store's errors (DESIGN.md §7 "Store rules").

Repositories take and return the plain records of :mod:`fieldbot.domain.model` (personal data
decrypted) keyed by their business key; rows that other code needs by id come as ``*Row``
values carrying the id and the columns the records do not have (Telegram binding, version).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, Literal, TypeVar

from sqlalchemy import ColumnElement, Select, Table, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from fieldbot import tables as t
from fieldbot.crypto import Cipher

UpsertResult = Literal["added", "updated", "unchanged"]
JsonObject = dict[str, Any]

# The execution option that marks a read-only unit of work (no row locks, plain BEGIN).
READONLY_OPTION = "fieldbot_readonly"


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


def dialect_insert(conn: AsyncConnection, table: Table) -> Any:
    """``INSERT`` with ``on_conflict_do_*`` for the connection's dialect."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def json_object(text: str | None) -> JsonObject:
    """A JSON object column read back (empty when the column is empty)."""
    return {} if not text else dict(json.loads(text))


def aware(instant: datetime, what: str = "instant") -> datetime:
    """The instant in UTC; a naive datetime is refused (``what`` names it in the error)."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware")
    return instant.astimezone(UTC)


def from_db_instant(value: Any) -> datetime:
    """An aggregate (``min``) loses the column type: make its result an aware UTC instant."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        raise TypeError(f"not an instant: {value!r}")
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def new_token(nbytes: int = 16) -> str:
    """An unguessable URL-safe token (22 characters for 16 bytes)."""
    return secrets.token_urlsafe(nbytes)


T = TypeVar("T")


def row_fields(cls: type[T], row: RowMapping, **extra: Any) -> T:
    """A frozen row value from the columns named like its fields (``extra`` given apart)."""
    names = [name for name in cls.__dataclass_fields__ if name not in extra]  # type: ignore[attr-defined]
    return cls(**{name: row[name] for name in names}, **extra)


class Repository:
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

    async def _part_id(self, part: str) -> int:
        """The id of the part with this code (:class:`MissingReference` when unknown)."""
        return await self._id_by(t.parts, "code", part, "part")

    async def _insert(self, table: Any, values: dict[str, Any]) -> int:
        """Insert one row; returns its id."""
        result = await self._conn.execute(insert(table).values(values).returning(table.c.id))
        return int(result.scalar_one())


R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Stored(Generic[R]):
    """A record with its database id."""

    id: int
    record: R


class KeyedRepository(Repository, Generic[R]):
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
