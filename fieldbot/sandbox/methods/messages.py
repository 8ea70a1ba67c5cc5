"""Sending, editing and deleting messages: text, photos, documents, locations, chat actions."""

from __future__ import annotations

from aiohttp import web

from fieldbot.sandbox.checks import check_can_write, check_markup, render_text
from fieldbot.sandbox.limits import Limits
from fieldbot.sandbox.methods.params import Params, Upload
from fieldbot.sandbox.models import ApiError, Chat, JSONDict, StoredFile, bad_request
from fieldbot.sandbox.world import World


class MessageMethods:
    def __init__(self, world: World, limits: Limits) -> None:
        self.world = world
        self.limits = limits

    def _writable_chat(self, p: Params) -> Chat:
        chat = self.world.target_chat(p.chat_id())
        check_can_write(chat)
        return chat

    async def send_message(self, p: Params, request: web.Request) -> JSONDict:
        chat = self._writable_chat(p)
        raw = p.text("text")
        text, entities = render_text(
            self.limits, raw, p.text("parse_mode"), p.json("entities"), caption=False
        )
        keyboard, reply_keyboard = check_markup(self.limits, p.json("reply_markup"))
        self.world.take_send_slot(chat)
        message = self.world.bot_message(chat)
        message.text, message.entities, message.raw_text = text, entities, raw
        message.inline_keyboard, message.reply_keyboard = keyboard, reply_keyboard
        return self.world.publish(message).to_api()

    def _file_for(self, p: Params, name: str, kind: str) -> StoredFile:
        given = p.upload(name)
        if isinstance(given, Upload):
            mime = given.content_type
            if mime == "application/octet-stream":
                mime = None
            if kind == "photos":
                return self.world.files.store(given.data, kind=kind, mime_type="image/jpeg")
            return self.world.files.store(
                given.data, kind=kind, file_name=given.filename, mime_type=mime
            )
        if not given:
            raise bad_request(f"there is no {name} in the request")
        stored = self.world.files.get(given)
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        return stored

    async def _send_media(self, p: Params, name: str, kind: str) -> JSONDict:
        chat = self._writable_chat(p)
        raw = p.text("caption")
        caption, entities = render_text(
            self.limits, raw, p.text("parse_mode"), p.json("caption_entities"), caption=True
        )
        keyboard, reply_keyboard = check_markup(self.limits, p.json("reply_markup"))
        stored = self._file_for(p, name, kind)
        self.world.take_send_slot(chat)
        message = self.world.bot_message(chat)
        if kind == "photos":
            message.photo = stored
        else:
            message.document = stored
        message.caption, message.caption_entities, message.raw_text = caption, entities, raw
        message.inline_keyboard, message.reply_keyboard = keyboard, reply_keyboard
        return self.world.publish(message).to_api()

    async def send_photo(self, p: Params, request: web.Request) -> JSONDict:
        return await self._send_media(p, "photo", "photos")

    async def send_document(self, p: Params, request: web.Request) -> JSONDict:
        return await self._send_media(p, "document", "documents")

    async def send_location(self, p: Params, request: web.Request) -> JSONDict:
        chat = self._writable_chat(p)
        latitude, longitude = p.number("latitude"), p.number("longitude")
        if latitude is None or not -90 <= latitude <= 90:
            raise bad_request("wrong latitude specified")
        if longitude is None or not -180 <= longitude <= 180:
            raise bad_request("wrong longitude specified")
        keyboard, reply_keyboard = check_markup(self.limits, p.json("reply_markup"))
        self.world.take_send_slot(chat)
        message = self.world.bot_message(chat)
        message.location = {"latitude": latitude, "longitude": longitude}
        live_period = p.integer("live_period")
        if live_period is not None:
            message.location["live_period"] = live_period
        message.inline_keyboard, message.reply_keyboard = keyboard, reply_keyboard
        return self.world.publish(message).to_api()

    # ----------------------------------------------------------------- editing

    def _inline_markup(self, p: Params) -> list[list[JSONDict]] | None:
        keyboard, reply_keyboard = check_markup(self.limits, p.json("reply_markup"))
        if reply_keyboard is not None:
            raise bad_request("inline keyboard expected")
        return keyboard

    def _message_to_edit(self, p: Params) -> tuple[Chat, int | None]:
        if p.text("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")
        chat = self.world.target_chat(p.chat_id())
        if chat.user is not None and chat.user.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat, p.integer("message_id")

    def _edit_slot(self, chat: Chat) -> None:
        if self.limits.limit_edits:
            self.world.take_send_slot(chat)

    async def edit_message_text(self, p: Params, request: web.Request) -> JSONDict:
        chat, message_id = self._message_to_edit(p)
        message = self.world.message_to_edit(chat, message_id)
        raw = p.text("text")
        text, entities = render_text(
            self.limits, raw, p.text("parse_mode"), p.json("entities"), caption=False
        )
        if message.text is None:
            raise bad_request("there is no text in the message to edit")
        keyboard = self._inline_markup(p)
        self._edit_slot(chat)
        edited = self.world.apply_edit(
            message, text=text, entities=entities, raw=raw, keyboard=keyboard, edit_text=True
        )
        return edited.to_api()

    async def edit_message_caption(self, p: Params, request: web.Request) -> JSONDict:
        chat, message_id = self._message_to_edit(p)
        message = self.world.message_to_edit(chat, message_id)
        if message.photo is None and message.document is None:
            raise bad_request("there is no caption in the message to edit")
        raw = p.text("caption")
        caption, entities = render_text(
            self.limits, raw, p.text("parse_mode"), p.json("caption_entities"), caption=True
        )
        keyboard = self._inline_markup(p)
        self._edit_slot(chat)
        edited = self.world.apply_edit(
            message,
            caption=caption,
            caption_entities=entities,
            raw=raw,
            keyboard=keyboard,
            edit_caption=True,
        )
        return edited.to_api()

    async def edit_message_reply_markup(self, p: Params, request: web.Request) -> JSONDict:
        chat, message_id = self._message_to_edit(p)
        message = self.world.message_to_edit(chat, message_id)
        keyboard = self._inline_markup(p)
        self._edit_slot(chat)
        return self.world.apply_edit(message, keyboard=keyboard).to_api()

    async def delete_message(self, p: Params, request: web.Request) -> bool:
        chat = self.world.target_chat(p.chat_id())
        self.world.delete(chat, p.integer("message_id"))
        return True

    async def send_chat_action(self, p: Params, request: web.Request) -> bool:
        self._writable_chat(p)
        if not p.text("action"):
            raise bad_request("action is empty")
        return True
