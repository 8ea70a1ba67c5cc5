"""Alembic environment: async engines, fieldbot's metadata, batch mode on SQLite.

:func:`fieldbot.dbadmin.upgrade` hands over an open connection in
``config.attributes["connection"]``; otherwise (the ``alembic`` command) the URL comes from
``sqlalchemy.url`` or ``FIELDBOT_DATABASE_URL``.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection

from fieldbot.store import create_engine
from fieldbot.tables import UtcDateTime, metadata

config = context.config


def _render_item(kind: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    # Migrations must not depend on application types that may change later.
    if kind == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
    )


def _run_sync(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("FIELDBOT_DATABASE_URL")
    return url or "sqlite+aiosqlite:///fieldbot.db"


async def _run_async() -> None:
    engine = create_engine(_url())
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_run_sync)
    finally:
        await engine.dispose()


def _run_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=metadata,
        literal_binds=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    _run_offline()
elif (shared := config.attributes.get("connection")) is not None:
    _run_sync(shared)
else:
    asyncio.run(_run_async())
