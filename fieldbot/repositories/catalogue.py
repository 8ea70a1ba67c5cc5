"""The company's catalogue: branches, equipment, service contracts and parts."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.engine import RowMapping

from fieldbot import tables as t
from fieldbot.domain.model import Branch, Contract, Equipment, Part
from fieldbot.repositories.base import KeyedRepository, Stored


class BranchRepository(KeyedRepository[Branch]):
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


class EquipmentRepository(KeyedRepository[Equipment]):
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


SERIALS_SEPARATOR = ";"


class ContractRepository(KeyedRepository[Contract]):
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
            visits_per_year=row["visits_per_year"],
            serials=tuple(row["serials"].split(SERIALS_SEPARATOR)) if row["serials"] else (),
            assign_hours=row["assign_hours"],
            arrival_working_hours=row["arrival_working_hours"],
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
            "visits_per_year": record.visits_per_year,
            "serials": SERIALS_SEPARATOR.join(record.serials) or None,
            "assign_hours": record.assign_hours,
            "arrival_working_hours": record.arrival_working_hours,
        }

    async def of_customer(self, customer: str) -> list[Contract]:
        rows = await self._all(
            self._query().where(t.customers.c.code == customer).order_by(t.contracts.c.number)
        )
        return [self._record(row) for row in rows]

    async def stored_of_customer(self, customer: str) -> list[Stored[Contract]]:
        """The customer's contracts with their ids, in the order of their start."""
        rows = await self._all(
            self._query()
            .where(t.customers.c.code == customer)
            .order_by(t.contracts.c.starts_on, t.contracts.c.number)
        )
        return [Stored(int(row["id"]), self._record(row)) for row in rows]

    async def ending_between(self, first: date, last: date) -> list[Contract]:
        """Contracts whose end date falls in ``[first, last]`` (renewal notices)."""
        rows = await self._all(
            self._query()
            .where(t.contracts.c.ends_on >= first, t.contracts.c.ends_on <= last)
            .order_by(t.contracts.c.ends_on, t.contracts.c.number)
        )
        return [self._record(row) for row in rows]


class PartRepository(KeyedRepository[Part]):
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
