"""The bot's own account and the rest: getMe, getChat, the command lists, answering callback
queries, getFile, and the settings the sandbox accepts and forgets."""

from __future__ import annotations

import re

from aiohttp import web

from fieldbot.sandbox.limits import Limits
from fieldbot.sandbox.methods.params import Params
from fieldbot.sandbox.models import JSONDict, bad_request, dumps
from fieldbot.sandbox.world import World

_QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
_COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")


class BotMethods:
    def __init__(self, world: World, limits: Limits) -> None:
        self.world = world
        self.limits = limits

    async def accept(self, p: Params, request: web.Request) -> bool:
        return True

    async def get_me(self, p: Params, request: web.Request) -> JSONDict:
        return {
            **self.world.bot.to_api(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def get_chat(self, p: Params, request: web.Request) -> JSONDict:
        chat = self.world.target_chat(p.chat_id())
        no_gifts = dict.fromkeys(
            (
                "unlimited_gifts",
                "limited_gifts",
                "unique_gifts",
                "premium_subscription",
                "gifts_from_channels",
            ),
            False,
        )
        return {
            **chat.to_api(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": no_gifts,
        }

    async def answer_callback_query(self, p: Params, request: web.Request) -> bool:
        query = self.world.callback_queries.get(p.text("callback_query_id") or "")
        if query is None or query.answered:
            raise bad_request(_QUERY_TOO_OLD)
        text = p.text("text")
        if text is not None and len(text) > self.limits.callback_answer_chars:
            raise bad_request("MESSAGE_TOO_LONG")
        self.world.answer_callback_query(query, text, p.flag("show_alert"), p.text("url"))
        return True

    async def get_file(self, p: Params, request: web.Request) -> JSONDict:
        stored = self.world.files.get(p.text("file_id") or "")
        if stored is None:
            raise bad_request("invalid file_id")
        return stored.file()

    def _commands_key(self, p: Params) -> tuple[str, str]:
        scope = p.json("scope") or {"type": "default"}
        if not isinstance(scope, dict) or "type" not in scope:
            raise bad_request("can't parse BotCommandScope JSON object")
        normal = {
            k: (int(v) if k in ("chat_id", "user_id") and str(v).lstrip("-").isdigit() else v)
            for k, v in scope.items()
        }
        return dumps(dict(sorted(normal.items()))), p.text("language_code") or ""

    async def set_my_commands(self, p: Params, request: web.Request) -> bool:
        commands = p.json("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("can't parse commands JSON object")
        checked: list[JSONDict] = []
        for command in commands:
            if not isinstance(command, dict):
                raise bad_request("can't parse BotCommand JSON object")
            name = str(command.get("command", "")).lstrip("/")
            description = str(command.get("description", ""))
            if not _COMMAND_NAME.match(name):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            checked.append({"command": name, "description": description})
        self.world.commands[self._commands_key(p)] = checked
        return True

    async def get_my_commands(self, p: Params, request: web.Request) -> list[JSONDict]:
        return list(self.world.commands.get(self._commands_key(p), []))

    async def delete_my_commands(self, p: Params, request: web.Request) -> bool:
        self.world.commands.pop(self._commands_key(p), None)
        return True
