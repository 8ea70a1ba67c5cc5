"""One sender at a time per bot token: Telegram's limits are per bot, so instances elect the
one that delivers the outbox.

On PostgreSQL the elected instance holds a session-level advisory lock on a connection it
keeps; when the process dies the connection closes and the lock passes to the next instance
that asks. SQLite has a single process; when it runs several instances (the sandbox's
``spawn_bot``) the first one to ask sends.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from typing import ClassVar

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)


def lock_key(token: str) -> int:
    """A stable signed 64-bit key for the bot's token (the token itself is never stored)."""
    digest = hashlib.sha256(f"fieldbot-sender:{token}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class Leadership:
    """How an instance learns whether it is the sender."""

    async def holds(self) -> bool:
        return True

    async def release(self) -> None:
        return None


class ProcessLease(Leadership):
    """SQLite: one process, but it may run several instances (the sandbox's ``spawn_bot``);
    the first that asks is the sender until it lets go."""

    _holders: ClassVar[dict[tuple[str, int], int]] = {}

    def __init__(self, database: str, key: int) -> None:
        self._slot = (database, key)

    async def holds(self) -> bool:
        holder = self._holders.setdefault(self._slot, id(self))
        return holder == id(self)

    async def release(self) -> None:
        if self._holders.get(self._slot) == id(self):
            del self._holders[self._slot]


class AdvisoryLease(Leadership):
    def __init__(self, engine: AsyncEngine, key: int) -> None:
        self._engine = engine
        self._key = key
        self._connection: AsyncConnection | None = None

    async def holds(self) -> bool:
        """Keep the lease if held (the connection still answers), else try to take it."""
        if self._connection is not None:
            try:
                await self._connection.execute(text("SELECT 1"))
                return True
            except SQLAlchemyError:
                log.warning("lost the sender lease (database connection failed)")
                await self._drop()
        connection = await self._engine.connect()
        try:
            got: bool = (
                await connection.execute(
                    text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}
                )
            ).scalar_one()
            await connection.commit()
        except SQLAlchemyError:
            await connection.close()
            return False
        if not got:
            await connection.close()
            return False
        log.info("this instance is now the sender")
        self._connection = connection
        return True

    async def release(self) -> None:
        if self._connection is not None:
            try:
                await self._connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": self._key}
                )
                await self._connection.commit()
            finally:
                await self._drop()

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(SQLAlchemyError):
                await connection.close()


def leadership_for(engine: AsyncEngine, token: str) -> Leadership:
    if engine.dialect.name == "postgresql":
        return AdvisoryLease(engine, lock_key(token))
    return ProcessLease(str(engine.url.database), lock_key(token))
