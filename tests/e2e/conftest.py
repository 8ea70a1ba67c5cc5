"""End-to-end tests start the real bot on the Bot API sandbox with the sample company."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from fieldbot.sandbox.driver import Sandbox
from fieldbot.sandbox.models import CallbackQueryRecord


@pytest.fixture
async def sb() -> AsyncIterator[Sandbox]:
    async with Sandbox.start() as sandbox:
        yield sandbox


def push_callback(sb: Sandbox, user_id: int, message_id: int, data: str) -> str:
    """A callback query as a modified client could send it: any data, any message.
    Returns the query's id, to read the bot's answer from the sandbox."""
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


def answer_text(sb: Sandbox, query_id: str) -> str:
    answer = sb.server.world.callback_queries[query_id].answer or {}
    return str(answer.get("text") or "")
