"""Single-use deep-link payloads: staff invites and customers' sign-off links (§6)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Literal

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import RowMapping

from fieldbot import tables as t
from fieldbot.repositories.base import Repository, aware, new_token


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


class InviteRepository(Repository):
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
            "created_at": aware(now, "now"),
            "expires_at": aware(expires_at, "expires_at"),
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
        now = aware(now, "now")
        column = t.invites.c
        row = await self._first(
            update(t.invites)
            .where(column.payload == payload, column.used_at.is_(None), column.expires_at > now)
            .values(used_at=now, used_by_user_id=user_id)
            .returning(*t.invites.c)
        )
        return None if row is None else self._invite(row)

    async def forget_customer(self, customer_id: int) -> None:
        """Erasure (DESIGN.md §6): the customer's sign-off links go, used or not (an unused one
        would bind an account to the erased record)."""
        await self._conn.execute(delete(t.invites).where(t.invites.c.customer_id == customer_id))

    async def expire_for_job(self, job_id: int, now: datetime) -> int:
        """Expire the unused links of a job (it left awaiting_signoff); returns how many."""
        now = aware(now, "now")
        column = t.invites.c
        result = await self._conn.execute(
            update(t.invites)
            .where(column.job_id == job_id, column.used_at.is_(None), column.expires_at > now)
            .values(expires_at=now)
            .returning(column.id)
        )
        return len(result.all())

    async def revoke_for_staff(self, staff_id: int, now: datetime) -> int:
        """Expire a person's unused staff invites (they left); returns how many."""
        now = aware(now, "now")
        column = t.invites.c
        result = await self._conn.execute(
            update(t.invites)
            .where(
                column.staff_id == staff_id,
                column.kind == "staff",
                column.used_at.is_(None),
                column.expires_at > now,
            )
            .values(expires_at=now)
            .returning(column.id)
        )
        return len(result.all())
