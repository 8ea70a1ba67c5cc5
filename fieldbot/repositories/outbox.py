"""The outbox: messages to deliver, written in the same unit of work as the change (§7)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, ClassVar, Literal

from sqlalchemy import ColumnElement, and_, case, delete, func, or_, select, update
from sqlalchemy.engine import RowMapping

from fieldbot import tables as t
from fieldbot.repositories.base import (
    JsonObject,
    Repository,
    aware,
    dialect_insert,
    from_db_instant,
    json_object,
)
from fieldbot.repositories.events import canonical_json

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


class OutboxRepository(Repository):
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
        values["params"] = json_object(row["params"])
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
        now = aware(now, "now")
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
            "next_attempt_at": now if not_before is None else aware(not_before, "not_before"),
            "created_at": now,
        }
        stmt = dialect_insert(self._conn, t.outbox).values(values).returning(t.outbox.c.id)
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
        now = aware(now, "now")
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
                lease_until=aware(lease_until, "lease_until"),
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
                sent_at=aware(now, "now"),
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
                next_attempt_at=aware(next_attempt_at, "next_attempt_at"),
                lease_until=None,
                last_error=error,
            )
        )

    async def hand_back(self, message_ids: list[int], now: datetime) -> None:
        """Claimed messages a stopping sender did not finish: pending again, due ``now``
        (their lease would otherwise hold their chats until it ran out)."""
        await self._conn.execute(
            update(t.outbox)
            .where(t.outbox.c.id.in_(message_ids), t.outbox.c.status == "in_flight")
            .values(status="pending", next_attempt_at=aware(now, "now"), lease_until=None)
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
        found = [from_db_instant(c) for c in candidates if c is not None]
        return min(found) if found else None

    async def backlog(self, now: datetime) -> tuple[int, datetime | None]:
        """How many messages are due and unsent at ``now``, and since when the oldest of
        them is due (its ``next_attempt_at``; for one in flight, when its lease ran out)."""
        now = aware(now, "now")
        column = t.outbox.c
        since = case(
            (column.status == "in_flight", column.lease_until), else_=column.next_attempt_at
        )
        query = select(func.count(), func.min(since)).where(self._due(now))
        count, oldest = (await self._conn.execute(query)).one()
        return int(count), None if oldest is None else from_db_instant(oldest)

    async def count_due(self, now: datetime) -> int:
        query = select(func.count()).select_from(t.outbox).where(self._due(aware(now, "now")))
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

    async def to_customer(self, customer_id: int) -> list[OutboxMessage]:
        """Every message queued for the customer, in order (what an export lists)."""
        column = t.outbox.c
        rows = await self._all(
            select(t.outbox)
            .where(column.recipient_kind == "customer", column.recipient_id == customer_id)
            .order_by(column.id)
        )
        return [self._message(row) for row in rows]

    async def forget_customer(self, customer_id: int, chat_id: int | None) -> int:
        """Erasure (DESIGN.md §6): every message to the customer, and to their chat before they
        were bound, goes, sent or not (nothing more is sent to an erased customer); an edit
        of another message that pointed at one of them keeps its Telegram message id only.
        Returns how many went."""
        column = t.outbox.c
        theirs = and_(column.recipient_kind == "customer", column.recipient_id == customer_id)
        where = theirs if chat_id is None else or_(theirs, column.chat_id == chat_id)
        ids: list[int] = list((await self._conn.execute(select(column.id).where(where))).scalars())
        if not ids:
            return 0
        await self._conn.execute(
            update(t.outbox).where(column.ref_outbox_id.in_(ids)).values(ref_outbox_id=None)
        )
        await self._conn.execute(delete(t.outbox).where(column.id.in_(ids)))
        return len(ids)
