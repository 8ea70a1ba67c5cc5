"""End-to-end tests start the real bot on the Bot API sandbox with the sample company.

Every sandbox of the session (``Sandbox.start()`` without a ``harness``) uses
``Harness.shared()``: the sample company is migrated and imported once, into a template that
each sandbox's SQLite file is copied from."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest

from fieldbot.sandbox.driver import Sandbox
from fieldbot.sandbox.models import CallbackQueryRecord


@pytest.fixture
async def sb() -> AsyncIterator[Sandbox]:
    async with Sandbox.start() as sandbox:
        yield sandbox


def push_callback(sb: Sandbox, user_id: int, message_id: int, data: str) -> str:
    """A callback query as a modified client could send it: any data, any message (the
    driver's ``tap`` presses only buttons that are there). The bot's answer shows in the
    phone's ``alerts`` when it has a text. Returns the query's id."""
    world = sb.server.world
    user = world.user(user_id)
    chat = world.chat_of(user_id, user_id)
    message = chat.messages[message_id]
    query = CallbackQueryRecord(
        f"forged-{user_id}-{message_id}", user_id, chat.id, message_id, data
    )
    world.callback_queries[query.id] = query
    world.push_update(
        "callback_query",
        {
            "id": query.id,
            "from": user.to_api(),
            "message": message.to_api(),
            "chat_instance": chat.instance,
            "data": data,
        },
    )
    return query.id


@pytest.fixture
def pg_url(pg_server: object) -> str:
    """The PostgreSQL server's URL for ``Sandbox.start(db_url=...)`` (which creates and drops
    a fresh database on it); skipped without a server, failed under CI."""
    from tests.conftest import DEFAULT_PG_URL, PG_URL_ENV, REQUIRE_PG_ENV

    databases = getattr(pg_server, "databases", None)
    if databases is None:
        message = getattr(pg_server, "error", None) or "PostgreSQL unavailable"
        if os.environ.get(REQUIRE_PG_ENV) == "1":
            pytest.fail(f"{message} ({REQUIRE_PG_ENV}=1: PostgreSQL tests must run)", pytrace=False)
        pytest.skip(message)
    return os.environ.get(PG_URL_ENV, DEFAULT_PG_URL)
