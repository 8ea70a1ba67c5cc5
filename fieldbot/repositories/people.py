"""People: staff (phone encrypted) and customers (name, phone, address encrypted), with
their Telegram binding (DESIGN.md §6).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.engine import RowMapping

from fieldbot import tables as t
from fieldbot.crypto import aad_for
from fieldbot.domain.model import Customer, Language, Role, Staff
from fieldbot.repositories.base import (
    AlreadyBound,
    KeyedRepository,
    NotFound,
    UpsertResult,
    aware,
)


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


class StaffRepository(KeyedRepository[Staff]):
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

    async def upsert(self, record: Staff) -> UpsertResult:
        """An import adds or updates a person; it never makes someone who left active again
        (the staff file has no column for it: offboarding is ``fieldbot staff leave``)."""
        stored = await self.get(record.code)
        if stored is not None and not stored.active:
            record = replace(record, active=False)
        return await super().upsert(record)

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
            .values(last_latitude=latitude, last_longitude=longitude, last_located_at=aware(at))
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
    notices_muted: bool = False  # /mute: informational notices are not sent
    erased_at: datetime | None = None  # `fieldbot customer erase`


class CustomerRepository(KeyedRepository[Customer]):
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
            erased=row["erased_at"] is not None,
        )

    def _row(self, row: RowMapping) -> CustomerRow:
        return CustomerRow(
            id=int(row["id"]),
            customer=self._record(row),
            branch_id=int(row["branch_id"]),
            telegram_user_id=row["telegram_user_id"],
            chat_id=row["chat_id"],
            version=int(row["version"]),
            notices_muted=bool(row["notices_muted"]),
            erased_at=row["erased_at"],
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

    async def upsert(self, record: Customer) -> UpsertResult:
        """As for every record, except that a customer whose personal data was erased stays
        erased: re-importing the company's file leaves them alone (``unchanged``)."""
        erased = (
            await self._conn.execute(
                select(t.customers.c.erased_at).where(t.customers.c.code == record.code)
            )
        ).scalar_one_or_none()
        if erased is not None:
            return "unchanged"
        return await super().upsert(record)

    async def erase(
        self, customer_id: int, *, latitude: float, longitude: float, now: datetime
    ) -> None:
        """Remove the customer's personal data (DESIGN.md §6): name, phone and address become
        the ciphertext of nothing (SQLite's ``secure_delete`` overwrites the old cells), the
        blind index is emptied (no phone finds them), the chat binding and the language go,
        the site moves to ``latitude``/``longitude`` (the branch's)."""
        row = await self.row_by_id(customer_id)
        if row is None:
            raise NotFound(f"unknown customer {customer_id}")
        code = row.customer.code
        await self._conn.execute(
            update(t.customers)
            .where(t.customers.c.id == customer_id)
            .values(
                name_enc=self._encrypt(code, "name", ""),
                phone_enc=self._encrypt(code, "phone", ""),
                phone_bidx="",
                address_enc=self._encrypt(code, "address", ""),
                latitude=latitude,
                longitude=longitude,
                language=None,
                telegram_user_id=None,
                chat_id=None,
                notices_muted=False,
                erased_at=aware(now),
                version=t.customers.c.version + 1,
            )
        )

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
        return [
            c for c in await self.in_branch(branch) if not c.erased and needle in c.name.casefold()
        ]

    async def set_notices_muted(self, customer_id: int, muted: bool) -> None:
        """/mute and /unmute: whether the informational notices about their jobs are sent."""
        await self._conn.execute(
            update(t.customers)
            .where(t.customers.c.id == customer_id)
            .values(notices_muted=muted, version=t.customers.c.version + 1)
        )

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
