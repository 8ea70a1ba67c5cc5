"""The audit log: append-only events chained by SHA-256 (DESIGN.md §3, §6).

Each event's hash is ``sha256(prev_hash || canonical(fields))`` where the fields are its
sequence number, instant, actor, kind, subject and payload (canonical JSON text: sorted keys,
compact separators, UTF-8, stored as text, never JSONB). A one-row chain head holds the count
and the last hash; appending locks it (``FOR UPDATE`` on PostgreSQL, the ``BEGIN IMMEDIATE``
write transaction on SQLite), so appends are serialised and a removed tail is noticed too.

Events name customers by id only: payloads carry no personal data. :meth:`EventLog.append`
refuses keys that look like contact data (``phone``, ``address``, ``customer_name``...) and
strings that look like an E.164 number, at any depth.

What the chain cannot prove: someone with write access who rewrites every hash from the
altered row onwards *and* the head produces a consistent log; anchor :attr:`VerifyResult` head
hashes elsewhere (a report, a chat) if that matters.
"""

from __future__ import annotations

import enum
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from fieldbot.tables import event_chain_head, events

GENESIS_HASH = "0" * 64
_HEAD_ID = 1
_VERIFY_BATCH = 1000

_PERSONAL_KEY_PARTS = ("phone", "address", "customer_name", "contact_name")
_E164_LIKE = re.compile(r"^\+\d{7,15}$")


class PersonalDataInEvent(ValueError):
    """An event payload carried something that looks like personal contact data."""


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and compact separators, non-ASCII kept: stable for hashing."""
    return json.dumps(
        value,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
        default=_json_default,
    )


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise TypeError(f"naive datetime {value.isoformat()} in JSON")
        return _iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _iso(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat(timespec="microseconds")


def event_hash(
    prev_hash: str,
    *,
    seq: int,
    at: datetime,
    actor: str,
    kind: str,
    subject_type: str,
    subject_id: str,
    payload: str,
) -> str:
    body = canonical_json(
        {
            "seq": seq,
            "at": _iso(at),
            "actor": actor,
            "kind": kind,
            "subject_type": subject_type,
            "subject_id": subject_id,
            "payload": payload,
        }
    )
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def _check_no_personal_data(value: Any, path: str = "payload") -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            lowered = str(key).lower()
            if any(part in lowered for part in _PERSONAL_KEY_PARTS):
                raise PersonalDataInEvent(
                    f"{path}.{key}: events refer to people by id, not by contact data"
                )
            _check_no_personal_data(item, f"{path}.{key}")
    elif isinstance(value, list | tuple | set | frozenset):
        for index, item in enumerate(value):
            _check_no_personal_data(item, f"{path}[{index}]")
    elif isinstance(value, str) and _E164_LIKE.match(value.replace(" ", "")):
        raise PersonalDataInEvent(f"{path}: looks like a phone number")


@dataclass(frozen=True, slots=True)
class Event:
    seq: int
    at: datetime
    actor: str
    kind: str
    subject_type: str
    subject_id: str
    payload: dict[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class VerifyResult:
    ok: bool
    count: int
    problem: str | None = None
    at_seq: int | None = None
    last_hash: str = GENESIS_HASH


def _event(row: RowMapping) -> Event:
    return Event(
        seq=row["seq"],
        at=row["at"],
        actor=row["actor"],
        kind=row["kind"],
        subject_type=row["subject_type"],
        subject_id=row["subject_id"],
        payload=json.loads(row["payload"]),
        prev_hash=row["prev_hash"],
        hash=row["hash"],
    )


class EventLog:
    """``uow.events``: append to and read the audit log inside a unit of work."""

    def __init__(self, connection: AsyncConnection) -> None:
        self._conn = connection

    async def append(
        self,
        actor: str,
        kind: str,
        subject_type: str,
        subject_id: int | str,
        payload: Mapping[str, Any],
        at: datetime,
    ) -> Event:
        """Append one event; the chain head stays locked until the unit of work ends.

        ``actor`` is e.g. ``staff:12``, ``customer:7`` or ``system``; ``subject_id`` is stored
        as text. Raises :class:`PersonalDataInEvent` for contact data in the payload.
        """
        if at.tzinfo is None or at.utcoffset() is None:
            raise ValueError("an event needs a timezone-aware instant")
        _check_no_personal_data(payload)
        payload_text = canonical_json(dict(payload))
        count, prev_hash = await self._lock_head()
        seq = count + 1
        subject = str(subject_id)
        digest = event_hash(
            prev_hash,
            seq=seq,
            at=at,
            actor=actor,
            kind=kind,
            subject_type=subject_type,
            subject_id=subject,
            payload=payload_text,
        )
        await self._conn.execute(
            insert(events).values(
                seq=seq,
                at=at,
                actor=actor,
                kind=kind,
                subject_type=subject_type,
                subject_id=subject,
                payload=payload_text,
                prev_hash=prev_hash,
                hash=digest,
            )
        )
        await self._conn.execute(
            update(event_chain_head)
            .where(event_chain_head.c.id == _HEAD_ID)
            .values(count=seq, last_hash=digest)
        )
        return Event(
            seq=seq,
            at=at.astimezone(UTC),
            actor=actor,
            kind=kind,
            subject_type=subject_type,
            subject_id=subject,
            payload=json.loads(payload_text),
            prev_hash=prev_hash,
            hash=digest,
        )

    async def _lock_head(self) -> tuple[int, str]:
        query = (
            select(event_chain_head.c.count, event_chain_head.c.last_hash)
            .where(event_chain_head.c.id == _HEAD_ID)
            .with_for_update()
        )
        row = (await self._conn.execute(query)).first()
        if row is None:
            dialect_insert = (
                postgresql.insert if self._conn.dialect.name == "postgresql" else sqlite.insert
            )
            await self._conn.execute(
                dialect_insert(event_chain_head)
                .values(id=_HEAD_ID, count=0, last_hash=GENESIS_HASH)
                .on_conflict_do_nothing(index_elements=["id"])
            )
            row = (await self._conn.execute(query)).one()
        return int(row[0]), str(row[1])

    async def count(self) -> int:
        return int(
            (await self._conn.execute(select(func.count()).select_from(events))).scalar_one()
        )

    async def for_subject(self, subject_type: str, subject_id: int | str) -> list[Event]:
        rows = await self._conn.execute(
            select(events)
            .where(events.c.subject_type == subject_type, events.c.subject_id == str(subject_id))
            .order_by(events.c.seq)
        )
        return [_event(row) for row in rows.mappings()]

    async def since(self, after_seq: int = 0, limit: int = 1000) -> list[Event]:
        rows = await self._conn.execute(
            select(events).where(events.c.seq > after_seq).order_by(events.c.seq).limit(limit)
        )
        return [_event(row) for row in rows.mappings()]


async def verify(connection: AsyncConnection) -> VerifyResult:
    """Walk the chain up to the head and compare it with the head.

    Finds an altered event (its hash no longer matches its content), an inserted or removed
    event in the middle (a gap in the sequence, or a link to the wrong predecessor), a removed
    tail (fewer events than the head counts, or another last hash) and events added after the
    head. Takes no lock: events appended while it runs are left for the next verification
    (an append writes its event and the head in one transaction, so a committed state always
    has as many events as the head counts). Works in a read-only unit of work.
    """
    head_count, head_hash = await _read_head(connection)

    expected_seq = 1
    prev_hash = GENESIS_HASH
    after = 0
    while after < head_count:
        batch = (
            (
                await connection.execute(
                    select(events)
                    .where(events.c.seq > after, events.c.seq <= head_count)
                    .order_by(events.c.seq)
                    .limit(_VERIFY_BATCH)
                )
            )
            .mappings()
            .all()
        )
        if not batch:
            break
        for row in batch:
            seq = row["seq"]
            if seq != expected_seq:
                if seq > expected_seq:
                    problem = f"event {expected_seq} is missing: removed from the log"
                else:
                    problem = f"event with sequence {seq} does not belong in the chain"
                return VerifyResult(False, expected_seq - 1, problem, expected_seq, prev_hash)
            own = event_hash(
                row["prev_hash"],
                seq=seq,
                at=row["at"],
                actor=row["actor"],
                kind=row["kind"],
                subject_type=row["subject_type"],
                subject_id=row["subject_id"],
                payload=row["payload"],
            )
            if own != row["hash"]:
                problem = f"event {seq} was altered: its hash does not match its content"
                return VerifyResult(False, seq - 1, problem, seq, prev_hash)
            if row["prev_hash"] != prev_hash:
                problem = (
                    f"event {seq} does not follow event {seq - 1}: "
                    "an event was inserted or removed before it"
                )
                return VerifyResult(False, seq - 1, problem, seq, prev_hash)
            prev_hash = row["hash"]
            expected_seq += 1
        after = int(batch[-1]["seq"])

    count = expected_seq - 1
    if count < head_count:
        problem = f"the log ends at event {count} but the head records {head_count}: tail removed"
        return VerifyResult(False, count, problem, count + 1, prev_hash)
    if prev_hash != head_hash:
        problem = f"event {count} is not the last event the head records: tail replaced"
        return VerifyResult(False, count, problem, count, prev_hash)

    # One statement, one snapshot: the head now, and anything beyond it or before event 1.
    now_count = select(event_chain_head.c.count).where(event_chain_head.c.id == _HEAD_ID)
    stray = (
        await connection.execute(
            select(events.c.seq)
            .where(
                or_(events.c.seq > func.coalesce(now_count.scalar_subquery(), 0), events.c.seq < 1)
            )
            .order_by(events.c.seq)
            .limit(1)
        )
    ).scalar_one_or_none()
    if stray is not None:
        problem = f"event {stray} is not counted by the head: events added"
        return VerifyResult(False, count, problem, int(stray), prev_hash)
    return VerifyResult(True, count, None, None, prev_hash)


async def _read_head(connection: AsyncConnection) -> tuple[int, str]:
    head = (
        await connection.execute(
            select(event_chain_head.c.count, event_chain_head.c.last_hash).where(
                event_chain_head.c.id == _HEAD_ID
            )
        )
    ).first()
    return (0, GENESIS_HASH) if head is None else (int(head[0]), str(head[1]))
