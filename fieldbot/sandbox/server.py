"""A local imitation of the Telegram Bot API (10.x shapes) over HTTP, for tests and the demo.

python-telegram-bot talks to it unchanged with ``base_url=f"{root}/bot"`` and
``base_file_url=f"{root}/file/bot"``. Routes: ``/bot<token>/<method>`` (GET or POST; query
string, form, multipart or JSON; method names case-insensitive), ``/file/bot<token>/<path>``
and ``/sandbox/clock`` (the simulated clock, for a bot in another process).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
from aiohttp import web

from fieldbot.clock import ManualClock
from fieldbot.sandbox.faults import Faults
from fieldbot.sandbox.limits import Limits
from fieldbot.sandbox.models import ApiError, Chat, JSONDict, StoredFile, bad_request
from fieldbot.sandbox.world import DEFAULT_BOT_USERNAME, World, dumps

log = logging.getLogger(__name__)

_TOKEN_SHAPE = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
_POLL_CONFLICT = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance "
    "is running"
)
_WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
    "delete the webhook first"
)
_QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
_POLLER_GRACE_S = 0.05  # an abandoned long poll may take a moment to be noticed as closed
_COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
SANDBOX_KEY: web.AppKey[SandboxServer] = web.AppKey("sandbox")

Handler = Callable[["Params", web.Request], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class Upload:
    data: bytes
    filename: str | None
    content_type: str | None


class Params:
    """A call's parameters from the query string, a form, multipart or JSON.

    Form values arrive as text, with objects JSON-encoded (as python-telegram-bot sends them);
    JSON bodies arrive typed. The accessors accept both.
    """

    def __init__(self, values: dict[str, Any], uploads: dict[str, Upload]) -> None:
        self._values = values
        self._uploads = uploads

    def raw(self, name: str) -> Any:
        return self._values.get(name)

    def text(self, name: str) -> str | None:
        value = self._values.get(name)
        return None if value is None else str(value)

    def integer(self, name: str) -> int | None:
        value = self._values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            raise bad_request(f"invalid {name} specified")
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def number(self, name: str) -> float | None:
        value = self._values.get(name)
        if value is None or value == "":
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def flag(self, name: str) -> bool:
        value = self._values.get(name)
        if isinstance(value, str):
            return value.lower() in ("true", "1")
        return bool(value)

    def json(self, name: str) -> Any:
        value = self._values.get(name)
        if isinstance(value, str):
            if value == "":
                return None
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {name} JSON object") from None
        return value

    def chat_id(self) -> int | str | None:
        value = self._values.get("chat_id")
        return value if value is None or isinstance(value, int) else str(value)

    def upload(self, name: str) -> Upload | str | None:
        """An uploaded file (also ``attach://<part>``), or the text given (a file_id or URL)."""
        if name in self._uploads:
            return self._uploads[name]
        value = self.text(name)
        if value and value.startswith("attach://"):
            part = self._uploads.get(value.removeprefix("attach://"))
            if part is None:
                raise bad_request(f'can\'t find attached file "{value}"')
            return part
        return value


@dataclass(slots=True)
class WebhookTarget:
    url: str
    secret_token: str | None = None
    down_until: float = 0.0  # monotonic: skipped while a previous delivery failed


@dataclass(slots=True)
class WebhookState:
    targets: list[WebhookTarget] = field(default_factory=list)
    turn: int = 0
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None
    delivering: int = 0

    def target(self, url: str) -> WebhookTarget | None:
        return next((t for t in self.targets if t.url == url), None)


def make_token(bot_id: int = 7000000001) -> str:
    return f"{bot_id}:AA{secrets.token_urlsafe(25)[:33]}"


class SandboxServer:
    """The Bot API imitation; :attr:`world` is the sandbox-level API the phones use."""

    def __init__(
        self,
        token: str | None = None,
        *,
        now: datetime | None = None,
        limits: Limits | None = None,
        bot_username: str = DEFAULT_BOT_USERNAME,
    ) -> None:
        self.token = token or make_token()
        if not _TOKEN_SHAPE.match(self.token):
            raise ValueError("a bot token looks like 123456:ABC-def_ghi")
        self.clock = ManualClock(now or datetime(2026, 9, 14, 0, 30, tzinfo=UTC))
        self.limits = limits or Limits()
        self.world = World(self.token, bot_username, self.clock, self.limits)
        self.faults = Faults()
        self.webhook = WebhookState()
        self.call_log: list[tuple[str, int]] = []  # (method, HTTP status; 0: connection dropped)
        self._in_flight = 0
        self._poller: web.Request | None = None
        self._poller_released = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._delivery: asyncio.Task[None] | None = None
        self._base_url: str | None = None
        self._methods: dict[str, tuple[str, Handler]] = {
            name.lower(): (name, handler)
            for name, handler in {
                "getMe": self._get_me,
                "logOut": self._accept,
                "close": self._accept,
                "getUpdates": self._get_updates,
                "setWebhook": self._set_webhook,
                "deleteWebhook": self._delete_webhook,
                "getWebhookInfo": self._get_webhook_info,
                "sendMessage": self._send_message,
                "sendPhoto": self._send_photo,
                "sendDocument": self._send_document,
                "sendLocation": self._send_location,
                "editMessageText": self._edit_message_text,
                "editMessageCaption": self._edit_message_caption,
                "editMessageReplyMarkup": self._edit_message_reply_markup,
                "deleteMessage": self._delete_message,
                "answerCallbackQuery": self._answer_callback_query,
                "getFile": self._get_file,
                "getChat": self._get_chat,
                "setMyCommands": self._set_my_commands,
                "getMyCommands": self._get_my_commands,
                "deleteMyCommands": self._delete_my_commands,
                "sendChatAction": self._send_chat_action,
                "setChatMenuButton": self._accept,
                "setMyDescription": self._accept,
                "setMyShortDescription": self._accept,
                "setMyName": self._accept,
            }.items()
        }

    # ----------------------------------------------------------------- lifecycle

    @property
    def base_url(self) -> str:
        if self._base_url is None:
            raise RuntimeError("the sandbox server is not started")
        return self._base_url

    @property
    def bot_username(self) -> str:
        return self.world.bot.username or DEFAULT_BOT_USERNAME

    def make_app(self) -> web.Application:
        app = web.Application(client_max_size=self.limits.file_bytes + 1024 * 1024)
        app[SANDBOX_KEY] = self
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        app.router.add_get("/sandbox/clock", self._clock_get)
        app.router.add_post("/sandbox/clock", self._clock_post)
        app.on_startup.append(self._on_startup)
        app.on_cleanup.append(self._on_cleanup)
        return app

    async def _on_startup(self, app: web.Application) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        self._delivery = asyncio.create_task(self._deliver_webhooks(), name="sandbox-webhooks")

    async def _on_cleanup(self, app: web.Application) -> None:
        if self._delivery is not None:
            self._delivery.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._delivery
            self._delivery = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Listens (port 0: a free one) and returns the root URL."""
        runner = web.AppRunner(self.make_app(), handler_cancellation=True, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._runner = runner
        bound = runner.addresses[0][1]
        self._base_url = f"http://{host}:{bound}"
        return self._base_url

    @property
    def runner(self) -> web.AppRunner:
        if self._runner is None:
            raise RuntimeError("the sandbox server is not started")
        return self._runner

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # ----------------------------------------------------------------- sandbox-level API

    def set_now(self, instant: datetime) -> None:
        """Moves the simulated clock (forward only); message dates and /sandbox/clock follow."""
        self.clock.set(instant)

    def now(self) -> datetime:
        return self.clock.now()

    def pending_updates(self) -> int:
        """Updates the bot has not yet confirmed (getUpdates offset, or a 2xx webhook answer)."""
        return self.world.pending_updates()

    @property
    def polling(self) -> bool:
        """A getUpdates long poll is waiting now."""
        return self._poller is not None

    def busy(self) -> int:
        """Bot API calls being answered now (long polls excluded) plus webhook posts."""
        return self._in_flight + self.webhook.delivering

    def add_webhook_target(self, url: str, secret_token: str | None = None) -> None:
        """Another instance behind the 'reverse proxy': webhook updates go to targets in turn."""
        target = self.webhook.target(url)
        if target is None:
            self.webhook.targets.append(WebhookTarget(url, secret_token))
        else:
            target.secret_token = secret_token
        self.world.updates_signal.fire()

    def calls(self, method: str) -> list[int]:
        """HTTP statuses answered to ``method`` so far, in order (0: connection dropped)."""
        wanted = method.lower()
        return [status for name, status in self.call_log if name.lower() == wanted]

    # ----------------------------------------------------------------- HTTP

    async def _api(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        if not _TOKEN_SHAPE.match(token):
            return _answer_error(ApiError(404, "Not Found"))
        if token != self.token:
            return _answer_error(ApiError(401, "Unauthorized"))
        entry = self._methods.get(request.match_info["method"].lower())
        if entry is None:
            return _answer_error(ApiError(404, "Not Found: method not found"))
        name, handler = entry
        long_poll = name == "getUpdates"
        if not long_poll:
            self._in_flight += 1
        try:
            return await self._call(request, name, handler)
        finally:
            if not long_poll:
                self._in_flight -= 1

    async def _call(self, request: web.Request, name: str, handler: Handler) -> web.StreamResponse:
        delay = self.faults.delay_for(name)
        if delay:
            await asyncio.sleep(delay)
        fault = self.faults.take(name)
        if fault is not None and fault.failure is not None:
            failure = fault.failure
            self.call_log.append((name, failure.status))
            return _answer_error(ApiError(failure.status, failure.description, failure.retry_after))
        if fault is not None and not fault.processed:
            return self._drop(request, name)
        try:
            params = await _read_params(request)
            result = await handler(params, request)
        except ApiError as error:
            self.call_log.append((name, error.status))
            return _answer_error(error)
        if fault is not None:
            return self._drop(request, name)
        self.call_log.append((name, 200))
        return web.json_response({"ok": True, "result": result}, dumps=dumps)

    def _drop(self, request: web.Request, name: str) -> web.StreamResponse:
        self.call_log.append((name, 0))
        if request.transport is not None:
            request.transport.abort()
        return web.Response(status=500)

    async def _download(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _answer_error(ApiError(401, "Unauthorized"))
        stored = self.world.file_by_path(request.match_info["path"])
        if stored is None:
            return _answer_error(ApiError(404, "Not Found"))
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )

    async def _clock_get(self, request: web.Request) -> web.StreamResponse:
        return web.json_response({"now": self.clock.now().isoformat()})

    async def _clock_post(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        try:
            self.set_now(datetime.fromisoformat(str(body["now"])))
        except (KeyError, ValueError) as exc:
            return web.json_response({"ok": False, "description": str(exc)}, status=400)
        return web.json_response({"now": self.clock.now().isoformat()})

    # ----------------------------------------------------------------- updates

    async def _get_updates(self, p: Params, request: web.Request) -> list[JSONDict]:
        if self.webhook.targets:
            raise ApiError(409, _WEBHOOK_CONFLICT)
        await self._claim_poller(request)
        try:
            offset = p.integer("offset")
            limit = min(100, max(1, p.integer("limit") or 100))
            timeout = max(0.0, p.number("timeout") or 0.0)
            allowed = p.json("allowed_updates")
            if isinstance(allowed, list):
                self.world.allowed_updates = [str(kind) for kind in allowed] or None
            if offset is not None:
                self.world.confirm_before(offset)
            loop = asyncio.get_running_loop()
            deadline = loop.time() + timeout
            while True:
                event = self.world.updates_signal.waiter()
                if self.webhook.targets:
                    raise ApiError(409, _WEBHOOK_CONFLICT)
                if self.world.updates:
                    return [update for _, update in self.world.updates[:limit]]
                remaining = deadline - loop.time()
                if remaining <= 0:
                    return []
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), remaining)
        finally:
            if self._poller is request:
                self._poller = None
                self._poller_released.set()

    async def _claim_poller(self, request: web.Request) -> None:
        """One long poll at a time: a second concurrent poller gets 409, the first goes on."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + _POLLER_GRACE_S
        while self._poller is not None and _alive(self._poller):
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise ApiError(409, _POLL_CONFLICT)
            self._poller_released.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._poller_released.wait(), remaining)
        self._poller = request

    async def _set_webhook(self, p: Params, request: web.Request) -> bool:
        url = p.text("url") or ""
        if p.flag("drop_pending_updates"):
            self.world.drop_pending()
        allowed = p.json("allowed_updates")
        if isinstance(allowed, list):
            self.world.allowed_updates = [str(kind) for kind in allowed] or None
        if not url:
            self.webhook.targets.clear()
            return True
        if not re.match(r"^https?://[^\s/]+", url):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = p.text("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise bad_request("secret token contains unallowed characters")
        self.webhook.max_connections = p.integer("max_connections") or 40
        self.add_webhook_target(url, secret)
        return True

    async def _delete_webhook(self, p: Params, request: web.Request) -> bool:
        if p.flag("drop_pending_updates"):
            self.world.drop_pending()
        self.webhook.targets.clear()
        return True

    async def _get_webhook_info(self, p: Params, request: web.Request) -> JSONDict:
        state = self.webhook
        info: JSONDict = {
            "url": state.targets[0].url if state.targets else "",
            "has_custom_certificate": False,
            "pending_update_count": self.world.pending_updates(),
        }
        if state.targets:
            info["max_connections"] = state.max_connections
            info["ip_address"] = "127.0.0.1"
        if state.last_error_date is not None:
            info["last_error_date"] = state.last_error_date
            info["last_error_message"] = state.last_error_message
        if self.world.allowed_updates:
            info["allowed_updates"] = list(self.world.allowed_updates)
        return info

    async def _deliver_webhooks(self) -> None:
        """Posts pending updates in order, one at a time, to the targets in turn; a target
        that fails is skipped for a moment and the next one tried; when all fail, retry."""
        backoff = 0.05
        while True:
            event = self.world.updates_signal.waiter()
            state = self.webhook
            if not state.targets or not self.world.updates:
                await event.wait()
                continue
            update_id, update = self.world.updates[0]
            delivered = False
            for target in self._targets_in_turn():
                if await self._post(target, update):
                    delivered = True
                    break
            if delivered:
                backoff = 0.05
                self.world.updates = [(u, x) for u, x in self.world.updates if u != update_id]
                self.world.updates_signal.fire()
            else:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), backoff)
                backoff = min(1.0, backoff * 2)

    def _targets_in_turn(self) -> list[WebhookTarget]:
        state = self.webhook
        count = len(state.targets)
        start = state.turn % count
        state.turn = start + 1
        ordered = state.targets[start:] + state.targets[:start]
        now = time.monotonic()
        up = [t for t in ordered if t.down_until <= now]
        return up + [t for t in ordered if t.down_until > now]

    async def _post(self, target: WebhookTarget, update: JSONDict) -> bool:
        assert self._session is not None
        headers = {"Content-Type": "application/json"}
        if target.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = target.secret_token
        self.webhook.delivering += 1
        try:
            async with self._session.post(target.url, data=dumps(update), headers=headers) as r:
                await r.read()
                if 200 <= r.status < 300:
                    target.down_until = 0.0
                    return True
                error = f"Wrong response from the webhook: {r.status} {r.reason}"
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            error = f"Connection failed: {exc.__class__.__name__}"
        finally:
            self.webhook.delivering -= 1
        target.down_until = time.monotonic() + 1.0
        self.webhook.last_error_date = self.world.timestamp()
        self.webhook.last_error_message = error
        log.debug("webhook delivery to %s failed: %s", target.url, error)
        return False

    # ----------------------------------------------------------------- sending

    def _writable_chat(self, p: Params) -> Chat:
        chat = self.world.target_chat(p.chat_id())
        self.world.check_can_write(chat)
        return chat

    async def _send_message(self, p: Params, request: web.Request) -> JSONDict:
        chat = self._writable_chat(p)
        raw = p.text("text")
        text, entities = self.world.render_text(
            raw, p.text("parse_mode"), p.json("entities"), caption=False
        )
        keyboard, reply_keyboard = self.world.check_markup(p.json("reply_markup"))
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
                return self.world.store_file(given.data, kind=kind, mime_type="image/jpeg")
            return self.world.store_file(
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
        caption, entities = self.world.render_text(
            raw, p.text("parse_mode"), p.json("caption_entities"), caption=True
        )
        keyboard, reply_keyboard = self.world.check_markup(p.json("reply_markup"))
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

    async def _send_photo(self, p: Params, request: web.Request) -> JSONDict:
        return await self._send_media(p, "photo", "photos")

    async def _send_document(self, p: Params, request: web.Request) -> JSONDict:
        return await self._send_media(p, "document", "documents")

    async def _send_location(self, p: Params, request: web.Request) -> JSONDict:
        chat = self._writable_chat(p)
        latitude, longitude = p.number("latitude"), p.number("longitude")
        if latitude is None or not -90 <= latitude <= 90:
            raise bad_request("wrong latitude specified")
        if longitude is None or not -180 <= longitude <= 180:
            raise bad_request("wrong longitude specified")
        keyboard, reply_keyboard = self.world.check_markup(p.json("reply_markup"))
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
        keyboard, reply_keyboard = self.world.check_markup(p.json("reply_markup"))
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

    async def _edit_message_text(self, p: Params, request: web.Request) -> JSONDict:
        chat, message_id = self._message_to_edit(p)
        message = self.world.message_to_edit(chat, message_id)
        raw = p.text("text")
        text, entities = self.world.render_text(
            raw, p.text("parse_mode"), p.json("entities"), caption=False
        )
        if message.text is None:
            raise bad_request("there is no text in the message to edit")
        keyboard = self._inline_markup(p)
        self._edit_slot(chat)
        edited = self.world.apply_edit(
            message, text=text, entities=entities, raw=raw, keyboard=keyboard, edit_text=True
        )
        return edited.to_api()

    async def _edit_message_caption(self, p: Params, request: web.Request) -> JSONDict:
        chat, message_id = self._message_to_edit(p)
        message = self.world.message_to_edit(chat, message_id)
        if message.photo is None and message.document is None:
            raise bad_request("there is no caption in the message to edit")
        raw = p.text("caption")
        caption, entities = self.world.render_text(
            raw, p.text("parse_mode"), p.json("caption_entities"), caption=True
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

    async def _edit_message_reply_markup(self, p: Params, request: web.Request) -> JSONDict:
        chat, message_id = self._message_to_edit(p)
        message = self.world.message_to_edit(chat, message_id)
        keyboard = self._inline_markup(p)
        self._edit_slot(chat)
        return self.world.apply_edit(message, keyboard=keyboard).to_api()

    async def _delete_message(self, p: Params, request: web.Request) -> bool:
        chat = self.world.target_chat(p.chat_id())
        self.world.delete(chat, p.integer("message_id"))
        return True

    # ----------------------------------------------------------------- the rest

    async def _accept(self, p: Params, request: web.Request) -> bool:
        return True

    async def _get_me(self, p: Params, request: web.Request) -> JSONDict:
        return {
            **self.world.bot.to_api(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_chat(self, p: Params, request: web.Request) -> JSONDict:
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

    async def _answer_callback_query(self, p: Params, request: web.Request) -> bool:
        query = self.world.callback_queries.get(p.text("callback_query_id") or "")
        if query is None or query.answered:
            raise bad_request(_QUERY_TOO_OLD)
        text = p.text("text")
        if text is not None and len(text) > self.limits.callback_answer_chars:
            raise bad_request("MESSAGE_TOO_LONG")
        self.world.answer_callback_query(query, text, p.flag("show_alert"), p.text("url"))
        return True

    async def _get_file(self, p: Params, request: web.Request) -> JSONDict:
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

    async def _set_my_commands(self, p: Params, request: web.Request) -> bool:
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

    async def _get_my_commands(self, p: Params, request: web.Request) -> list[JSONDict]:
        return list(self.world.commands.get(self._commands_key(p), []))

    async def _delete_my_commands(self, p: Params, request: web.Request) -> bool:
        self.world.commands.pop(self._commands_key(p), None)
        return True

    async def _send_chat_action(self, p: Params, request: web.Request) -> bool:
        self._writable_chat(p)
        if not p.text("action"):
            raise bad_request("action is empty")
        return True


def _alive(request: web.Request) -> bool:
    transport = request.transport
    return transport is not None and not transport.is_closing()


def _answer_error(error: ApiError) -> web.Response:
    return web.json_response(error.to_api(), status=error.status, dumps=dumps)


async def _read_params(request: web.Request) -> Params:
    values: dict[str, Any] = dict(request.query)
    uploads: dict[str, Upload] = {}
    if request.method == "POST" and request.can_read_body:
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise bad_request("can't parse JSON request body") from None
            if not isinstance(body, dict):
                raise bad_request("can't parse JSON request body")
            values.update(body)
        else:
            form = await request.post()
            for name, value in form.items():
                if isinstance(value, web.FileField):
                    uploads[name] = Upload(value.file.read(), value.filename, value.content_type)
                else:
                    values[name] = value
    return Params(values, uploads)


async def serve(
    host: str = "127.0.0.1", port: int = 0, token: str | None = None
) -> tuple[web.AppRunner, str, str]:
    """Starts a sandbox; returns its runner (``runner.app[SANDBOX_KEY]`` is the server), the root
    URL and the bot token."""
    server = SandboxServer(token)
    base_url = await server.start(host, port)
    return server.runner, base_url, server.token


def run_standalone(port: int = 0, host: str = "127.0.0.1", token: str | None = None) -> None:
    """Runs a sandbox until interrupted, printing its root URL and the bot token."""

    async def main() -> None:
        server = SandboxServer(token)
        base_url = await server.start(host, port)
        print(f"Bot API sandbox at {base_url}", flush=True)
        print(f"bot token: {server.token}", flush=True)
        print(f"bot username: @{server.bot_username}", flush=True)
        print(f"FIELDBOT_BOT_API_URL={base_url} FIELDBOT_BOT_TOKEN={server.token}", flush=True)
        try:
            await asyncio.Event().wait()
        finally:
            await server.stop()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
