"""The sandbox's world: one bot, people, chats, messages, files, and the updates waiting for the
bot. Both sides act on it: the Bot API methods (the bot) and the sandbox API (the phones).

All of it runs on one event loop; nothing here blocks or sleeps.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import secrets
from collections.abc import Iterable
from datetime import datetime

from fieldbot.clock import ManualClock
from fieldbot.sandbox.files import Files
from fieldbot.sandbox.formatting import detect_entities
from fieldbot.sandbox.limits import Limits, SendRates
from fieldbot.sandbox.models import (
    ApiError,
    CallbackQueryRecord,
    Chat,
    JSONDict,
    StoredMessage,
    User,
    bad_request,
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
        self.files = Files(limits)
        self.callback_queries: dict[str, CallbackQueryRecord] = {}
        self.answered_queries: list[CallbackQueryRecord] = []  # in the order answered
        self.commands: dict[tuple[str, str], list[JSONDict]] = {}
        self.updates: list[tuple[int, JSONDict]] = []  # not yet confirmed by the bot
        self.allowed_updates: list[str] | None = None
        self._update_ids = itertools.count(100_000_001)
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
        message.photo = self.files.store(data, kind="photos", mime_type="image/jpeg")
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
        message.document = self.files.store(
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

    def take_send_slot(self, chat: Chat) -> None:
        retry_after = self.rates.acquire(chat.id, group=chat.user is None)
        if retry_after:
            raise ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)

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
