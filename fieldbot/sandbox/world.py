"""The sandbox's world: one bot, people, chats, messages, files, and the updates waiting for the
bot. Both sides act on it: the Bot API methods (the bot) and the sandbox API (the phones).

All of it runs on one event loop; nothing here blocks or sleeps.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import secrets
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from fieldbot.clock import ManualClock
from fieldbot.sandbox.formatting import EntityParseError, detect_entities, parse_html
from fieldbot.sandbox.limits import Limits, SendRates
from fieldbot.sandbox.models import (
    ApiError,
    CallbackQueryRecord,
    Chat,
    JSONDict,
    StoredFile,
    StoredMessage,
    User,
    bad_request,
    image_size,
)

DEFAULT_BOT_USERNAME = "fieldbot_sandbox_bot"
START_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]+$")
# Telegram's default when getUpdates/setWebhook never named the kinds of update wanted.
_NOT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


class InvalidDeepLink(ValueError):
    """A /start payload Telegram would not carry (more than 64 of [A-Za-z0-9_-])."""


class SandboxError(Exception):
    """The sandbox API was asked for something a phone cannot do (no such chat or button)."""


class Signal:
    """Wakes every waiter at once; a waiter takes :meth:`waiter` before checking its condition."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    def waiter(self) -> asyncio.Event:
        return self._event


class World:
    def __init__(
        self,
        token: str,
        bot_username: str,
        clock: ManualClock,
        limits: Limits,
    ) -> None:
        self.token = token
        self.bot = User(
            id=int(token.split(":", 1)[0]),
            first_name="Fieldbot Sandbox",
            username=bot_username,
            is_bot=True,
        )
        self.clock = clock
        self.limits = limits
        self.rates = SendRates(limits)
        self.users: dict[int, User] = {}
        self.chats: dict[int, Chat] = {}
        self.files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self.callback_queries: dict[str, CallbackQueryRecord] = {}
        self.answered_queries: list[CallbackQueryRecord] = []  # in the order answered
        self.commands: dict[tuple[str, str], list[JSONDict]] = {}
        self.updates: list[tuple[int, JSONDict]] = []  # not yet confirmed by the bot
        self.allowed_updates: list[str] | None = None
        self._update_ids = itertools.count(100_000_001)
        self._file_numbers = itertools.count(1)
        self._callback_numbers = itertools.count(1)
        self._seq = 0
        self.updates_signal = Signal()
        self.output_signal = Signal()

    # ----------------------------------------------------------------- time and order

    def timestamp(self) -> int:
        return int(self.clock.now().timestamp())

    def now(self) -> datetime:
        return self.clock.now()

    def _touch(self, message: StoredMessage) -> None:
        self._seq += 1
        message.changed_seq = self._seq
        if message.from_bot:
            self.output_signal.fire()

    @property
    def seq(self) -> int:
        return self._seq

    # ----------------------------------------------------------------- people and chats

    def add_user(
        self,
        user_id: int,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> User:
        """A person with a private chat with the bot (chat id == user id); idempotent."""
        if user_id <= 0:
            raise SandboxError("user ids are positive")
        user = self.users.get(user_id)
        if user is None:
            user = User(user_id, first_name, last_name, username, language_code)
            self.users[user_id] = user
            self.chats[user_id] = Chat(user_id, "private", _chat_instance(), user=user)
        else:
            user.first_name, user.last_name = first_name, last_name
            user.username, user.language_code = username, language_code
        return user

    def add_group(
        self, chat_id: int, title: str, member_ids: Iterable[int] = (), *, supergroup: bool = False
    ) -> Chat:
        if chat_id >= 0:
            raise SandboxError("group chat ids are negative")
        chat = Chat(
            chat_id,
            "supergroup" if supergroup else "group",
            _chat_instance(),
            title=title,
            members=set(member_ids),
        )
        self.chats[chat_id] = chat
        return chat

    def user(self, user_id: int) -> User:
        user = self.users.get(user_id)
        if user is None:
            raise SandboxError(f"no user {user_id}: add_user first")
        return user

    def chat_of(self, user_id: int, chat_id: int | None) -> Chat:
        chat = self.chats.get(user_id if chat_id is None else chat_id)
        if chat is None:
            raise SandboxError(f"no chat {chat_id}")
        if chat.user is None and user_id not in chat.members:
            raise SandboxError(f"user {user_id} is not a member of chat {chat.id}")
        return chat

    def set_blocked(self, user_id: int, blocked: bool) -> None:
        """The person blocks (or unblocks) the bot; the bot gets ``my_chat_member``."""
        user = self.user(user_id)
        if user.blocked == blocked:
            return
        user.blocked = blocked
        before, after = ("member", "kicked") if blocked else ("kicked", "member")
        self.push_update(
            "my_chat_member",
            {
                "chat": self.chats[user_id].to_api(),
                "from": user.to_api(),
                "date": self.timestamp(),
                "old_chat_member": self._bot_member(before),
                "new_chat_member": self._bot_member(after),
            },
        )

    def _bot_member(self, status: str) -> JSONDict:
        member: JSONDict = {"status": status, "user": self.bot.to_api()}
        if status == "kicked":
            member["until_date"] = 0
        return member

    # ----------------------------------------------------------------- updates

    def push_update(self, kind: str, payload: JSONDict) -> int | None:
        """Queues an update for the bot; kinds the bot did not ask for are not made."""
        allowed = self.allowed_updates
        if (allowed and kind not in allowed) or (not allowed and kind in _NOT_BY_DEFAULT):
            return None
        update_id = next(self._update_ids)
        self.updates.append((update_id, {"update_id": update_id, kind: payload}))
        self.updates_signal.fire()
        return update_id

    def confirm_before(self, offset: int) -> None:
        """getUpdates ``offset``: updates below it are confirmed; negative keeps the last -n."""
        if offset < 0:
            del self.updates[: max(0, len(self.updates) + offset)]
        else:
            self.updates = [(uid, update) for uid, update in self.updates if uid >= offset]

    def drop_pending(self) -> None:
        self.updates.clear()

    def pending_updates(self) -> int:
        return len(self.updates)

    # ----------------------------------------------------------------- what people do

    def _user_message(self, user_id: int, chat_id: int | None) -> tuple[User, Chat, StoredMessage]:
        user = self.user(user_id)
        chat = self.chat_of(user_id, chat_id)
        if chat.user is not None:
            user.started = True
        message = StoredMessage(chat.take_message_id(), chat, user, self.timestamp())
        chat.messages[message.message_id] = message
        return user, chat, message

    def _push_message(self, message: StoredMessage) -> StoredMessage:
        self._touch(message)
        self.push_update("message", message.to_api())
        return message

    def send_text(self, user_id: int, text: str, chat_id: int | None = None) -> StoredMessage:
        if not text:
            raise SandboxError("a person cannot send an empty message")
        _, _, message = self._user_message(user_id, chat_id)
        message.text = text
        message.entities = detect_entities(text)
        return self._push_message(message)

    def send_start(self, user_id: int, payload: str | None = None) -> StoredMessage:
        """What Telegram sends when a person opens ``t.me/<bot>?start=<payload>``."""
        if payload is None or payload == "":
            return self.send_text(user_id, "/start")
        if len(payload) > self.limits.start_payload_chars or not START_PAYLOAD.match(payload):
            raise InvalidDeepLink(
                f"deep-link payload {payload!r} is not 1-{self.limits.start_payload_chars} "
                "characters of [A-Za-z0-9_-]; Telegram would not pass it to the bot"
            )
        return self.send_text(user_id, f"/start {payload}")

    def edit_text(
        self, user_id: int, message_id: int, text: str, chat_id: int | None = None
    ) -> StoredMessage:
        """The person edits a text message they sent: the bot gets ``edited_message`` (with
        ``edit_date``), as Telegram sends it."""
        if not text:
            raise SandboxError("a person cannot edit a message to nothing")
        chat = self.chat_of(user_id, chat_id)
        message = chat.messages.get(message_id)
        if message is None or message.sender.id != user_id or message.text is None:
            raise SandboxError(f"message {message_id} is not a text {user_id} sent")
        message.text = text
        message.entities = detect_entities(text)
        message.edit_date = self.timestamp()
        self._touch(message)
        self.push_update("edited_message", message.to_api())
        return message

    def send_location(
        self,
        user_id: int,
        latitude: float,
        longitude: float,
        chat_id: int | None = None,
        live_period: int | None = None,
    ) -> StoredMessage:
        _, _, message = self._user_message(user_id, chat_id)
        # Not checked: a modified client can send any coordinates, and the bot must cope.
        message.location = _location(latitude, longitude, live_period, checked=False)
        return self._push_message(message)

    def move_location(
        self,
        user_id: int,
        message_id: int,
        latitude: float,
        longitude: float,
        chat_id: int | None = None,
    ) -> StoredMessage:
        """A live location moves: the bot gets ``edited_message``."""
        chat = self.chat_of(user_id, chat_id)
        message = chat.messages.get(message_id)
        if message is None or message.sender.id != user_id or message.location is None:
            raise SandboxError(f"message {message_id} is not a location {user_id} shared")
        if "live_period" not in message.location:
            raise SandboxError(f"message {message_id} is not a live location")
        message.location = _location(latitude, longitude, message.location["live_period"])
        message.edit_date = self.timestamp()
        self._touch(message)
        self.push_update("edited_message", message.to_api())
        return message

    def send_contact(
        self,
        user_id: int,
        phone_number: str,
        contact_user_id: int | None,
        first_name: str | None = None,
        last_name: str | None = None,
        chat_id: int | None = None,
    ) -> StoredMessage:
        user, _, message = self._user_message(user_id, chat_id)
        contact: JSONDict = {
            "phone_number": phone_number,
            "first_name": first_name or user.first_name,
        }
        if last_name:
            contact["last_name"] = last_name
        if contact_user_id is not None:
            contact["user_id"] = contact_user_id
        message.contact = contact
        return self._push_message(message)

    def send_photo(
        self, user_id: int, data: bytes, caption: str | None = None, chat_id: int | None = None
    ) -> StoredMessage:
        _, _, message = self._user_message(user_id, chat_id)
        message.photo = self.store_file(data, kind="photos", mime_type="image/jpeg")
        if caption:
            message.caption = caption
            message.caption_entities = detect_entities(caption)
        return self._push_message(message)

    def send_document(
        self,
        user_id: int,
        data: bytes,
        file_name: str,
        mime_type: str | None = None,
        caption: str | None = None,
        chat_id: int | None = None,
    ) -> StoredMessage:
        _, _, message = self._user_message(user_id, chat_id)
        message.document = self.store_file(
            data, kind="documents", file_name=file_name, mime_type=mime_type
        )
        if caption:
            message.caption = caption
            message.caption_entities = detect_entities(caption)
        return self._push_message(message)

    def press_button(
        self, user_id: int, chat_id: int, message_id: int, callback_data: str
    ) -> CallbackQueryRecord:
        """The person presses an inline button: the bot gets ``callback_query``."""
        user = self.user(user_id)
        chat = self.chat_of(user_id, chat_id)
        message = chat.messages.get(message_id)
        if message is None or message.deleted or not message.from_bot:
            raise SandboxError(f"no bot message {message_id} in chat {chat.id}")
        datas = [b.get("callback_data") for row in message.inline_keyboard or [] for b in row]
        if callback_data not in datas:
            raise SandboxError(f"message {message_id} has no button with data {callback_data!r}")
        query = CallbackQueryRecord(
            f"{next(self._callback_numbers)}{secrets.randbelow(10**9):09d}",
            user_id,
            chat.id,
            message_id,
            callback_data,
        )
        self.callback_queries[query.id] = query
        self.push_update(
            "callback_query",
            {
                "id": query.id,
                "from": user.to_api(),
                "message": message.to_api(),
                "chat_instance": chat.instance,
                "data": callback_data,
            },
        )
        return query

    # ----------------------------------------------------------------- files

    def store_file(
        self,
        data: bytes,
        *,
        kind: str,
        file_name: str | None = None,
        mime_type: str | None = None,
    ) -> StoredFile:
        if len(data) > self.limits.file_bytes:
            raise ApiError(413, "Request Entity Too Large")
        number = next(self._file_numbers)
        width, height = image_size(data) if kind == "photos" else (0, 0)
        if kind == "photos" and (width, height) == (0, 0):
            width, height = 320, 320
        suffix = _suffix(file_name, mime_type, kind)
        stored = StoredFile(
            file_id=("AgAC" if kind == "photos" else "BQAC") + secrets.token_urlsafe(24),
            file_unique_id="AQAD" + secrets.token_urlsafe(8),
            file_path=f"{kind}/file_{number}{suffix}",
            data=data,
            file_name=file_name,
            mime_type=mime_type,
            width=width,
            height=height,
        )
        self.files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    def file_by_path(self, path: str) -> StoredFile | None:
        return self._files_by_path.get(path)

    # ----------------------------------------------------------------- the bot's side

    def target_chat(self, chat_id: int | str | None) -> Chat:
        if chat_id is None or chat_id == "":
            raise bad_request("chat_id is empty")
        chat: Chat | None = None
        if isinstance(chat_id, int) or re.fullmatch(r"-?\d+", str(chat_id)):
            chat = self.chats.get(int(chat_id))
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def check_can_write(self, chat: Chat) -> None:
        if chat.user is not None:
            if chat.user.blocked:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            if not chat.user.started:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")

    def take_send_slot(self, chat: Chat) -> None:
        retry_after = self.rates.acquire(chat.id, group=chat.user is None)
        if retry_after:
            raise ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)

    def render_text(
        self, text: str | None, parse_mode: str | None, entities: Any, *, caption: bool
    ) -> tuple[str | None, list[JSONDict]]:
        """Text after the parse mode, and its entities; checks Telegram's length limits."""
        if text is None or text == "":
            if caption:
                return None, []
            raise bad_request("message text is empty")
        if parse_mode:
            if parse_mode.lower() != "html":
                raise bad_request(f"unsupported parse_mode {parse_mode!r}")
            try:
                plain, found = parse_html(text)
            except EntityParseError as exc:
                raise bad_request(f"can't parse entities: {exc}") from None
        else:
            plain = text
            found = list(entities) if isinstance(entities, list) else []
        if not plain.strip() and not caption:
            raise bad_request("message text is empty")
        limit = self.limits.caption_chars if caption else self.limits.text_chars
        if len(plain) > limit:
            raise bad_request("message caption is too long" if caption else "message is too long")
        return plain, found

    def check_markup(self, markup: Any) -> tuple[list[list[JSONDict]] | None, JSONDict | None]:
        """Inline keyboard rows and/or the reply keyboard, checked as Telegram checks them."""
        if markup is None:
            return None, None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise bad_request(
                    'field "inline_keyboard" of the InlineKeyboardMarkup should be '
                    "an Array of Arrays"
                )
            for row in rows:
                for button in row:
                    self._check_inline_button(button)
            return [[dict(b) for b in row] for row in rows if row] or None, None
        if "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise bad_request(
                    'field "keyboard" of the ReplyKeyboardMarkup should be an Array of Arrays'
                )
            return None, dict(markup)
        if markup.get("remove_keyboard") or markup.get("force_reply"):
            return None, None
        raise bad_request("can't parse reply keyboard markup JSON object")

    def _check_inline_button(self, button: Any) -> None:
        if not isinstance(button, dict) or not button.get("text"):
            raise bad_request(
                "can't parse inline keyboard button: "
                "Text buttons are unallowed in the inline keyboard"
            )
        data = button.get("callback_data")
        if data is not None:
            size = len(str(data).encode("utf-8"))
            if size == 0 or size > self.limits.callback_data_bytes:
                raise bad_request("BUTTON_DATA_INVALID")
        url = button.get("url")
        if url is not None and not re.match(r"^(https?|tg)://\S+$", str(url)):
            raise bad_request("BUTTON_URL_INVALID")
        actions = {
            "callback_data",
            "url",
            "login_url",
            "switch_inline_query",
            "web_app",
            "switch_inline_query_current_chat",
            "switch_inline_query_chosen_chat",
            "callback_game",
            "pay",
            "copy_text",
        }
        if not actions & button.keys():
            raise bad_request(
                "can't parse inline keyboard button: "
                "InlineKeyboardButton must have exactly one optional field"
            )

    def bot_message(self, chat: Chat) -> StoredMessage:
        message = StoredMessage(chat.take_message_id(), chat, self.bot, self.timestamp())
        return message

    def publish(self, message: StoredMessage) -> StoredMessage:
        message.chat.messages[message.message_id] = message
        self._touch(message)
        return message

    def message_to_edit(self, chat: Chat, message_id: int | None) -> StoredMessage:
        message = chat.messages.get(message_id or 0)
        if message is None or message.deleted:
            raise bad_request("message to edit not found")
        if not message.from_bot:
            raise bad_request("message can't be edited")
        return message

    def apply_edit(
        self,
        message: StoredMessage,
        *,
        text: str | None = None,
        entities: list[JSONDict] | None = None,
        raw: str | None = None,
        caption: str | None = None,
        caption_entities: list[JSONDict] | None = None,
        keyboard: list[list[JSONDict]] | None,
        edit_text: bool = False,
        edit_caption: bool = False,
    ) -> StoredMessage:
        before = (
            message.text,
            message.entities,
            message.caption,
            message.caption_entities,
            message.inline_keyboard,
        )
        if edit_text:
            message.text, message.entities, message.raw_text = text, entities or [], raw
        if edit_caption:
            message.caption, message.caption_entities = caption, caption_entities or []
            message.raw_text = raw
        message.inline_keyboard = keyboard
        after = (
            message.text,
            message.entities,
            message.caption,
            message.caption_entities,
            message.inline_keyboard,
        )
        if before == after:
            raise bad_request(_NOT_MODIFIED)
        message.edit_date = self.timestamp()
        self._touch(message)
        return message

    def delete(self, chat: Chat, message_id: int | None) -> None:
        message = chat.messages.get(message_id or 0)
        if message is None or message.deleted:
            raise bad_request("message to delete not found")
        message.deleted = True
        self._touch(message)

    # ----------------------------------------------------------------- reading what the bot did

    def answer_callback_query(
        self, query: CallbackQueryRecord, text: str | None, show_alert: bool, url: str | None
    ) -> None:
        """The bot answers a callback query (once): what the person's app pops up, if any."""
        query.answered = True
        query.answer = {"text": text, "show_alert": show_alert, "url": url}
        self.answered_queries.append(query)

    def bot_messages(self, chat_id: int) -> list[StoredMessage]:
        """What the bot sent to a chat and did not delete, in order, edits applied."""
        chat = self.chats.get(chat_id)
        if chat is None:
            return []
        return [m for m in chat.messages.values() if m.from_bot and not m.deleted]

    async def wait_output(self, chat_id: int, after_seq: int, within: float) -> bool:
        """Waits until the bot sends, edits or deletes something in ``chat_id`` after
        ``after_seq``; False when ``within`` seconds pass first."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            event = self.output_signal.waiter()
            chat = self.chats.get(chat_id)
            if chat is not None and any(
                m.from_bot and m.changed_seq > after_seq for m in chat.messages.values()
            ):
                return True
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                return False


def _chat_instance() -> str:
    return str(secrets.randbits(63))


def _location(
    latitude: float, longitude: float, live_period: int | None, *, checked: bool = True
) -> JSONDict:
    if checked and not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise SandboxError(f"no such place: {latitude}, {longitude}")
    location: JSONDict = {"latitude": float(latitude), "longitude": float(longitude)}
    if live_period is not None:
        location["live_period"] = live_period
    return location


def _suffix(file_name: str | None, mime_type: str | None, kind: str) -> str:
    if kind == "photos":
        return ".jpg"  # Telegram recompresses photos to JPEG
    if file_name and "." in file_name:
        return "." + file_name.rsplit(".", 1)[1].lower()
    known = {
        "application/pdf": ".pdf",
        "image/png": ".png",
        "text/plain": ".txt",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    }
    return known.get(mime_type or "", "")


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
