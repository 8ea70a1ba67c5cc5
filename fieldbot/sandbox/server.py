"""A local imitation of the Telegram Bot API (10.x shapes) over HTTP, for tests and the demo.

python-telegram-bot talks to it unchanged with ``base_url=f"{root}/bot"`` and
``base_file_url=f"{root}/file/bot"``. Routes: ``/bot<token>/<method>`` (GET or POST; query
string, form, multipart or JSON; method names case-insensitive), ``/file/bot<token>/<path>``
and ``/sandbox/clock`` (the simulated clock, for a bot in another process).

This module is the HTTP plumbing: routing, faults, the call log, the lifecycle and the
sandbox-level API. The methods themselves live in :mod:`fieldbot.sandbox.methods`, one module
per concept, routed from the one table in :class:`SandboxServer`.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import secrets
from datetime import UTC, datetime

from aiohttp import web

from fieldbot.clock import ManualClock
from fieldbot.sandbox.faults import Faults
from fieldbot.sandbox.limits import Limits
from fieldbot.sandbox.methods.bot import BotMethods
from fieldbot.sandbox.methods.messages import MessageMethods
from fieldbot.sandbox.methods.params import Handler, read_params
from fieldbot.sandbox.methods.polling import Polling
from fieldbot.sandbox.methods.webhooks import Webhooks
from fieldbot.sandbox.models import ApiError, dumps
from fieldbot.sandbox.world import DEFAULT_BOT_USERNAME, World

_TOKEN_SHAPE = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
SANDBOX_KEY: web.AppKey[SandboxServer] = web.AppKey("sandbox")


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
        self.webhooks = Webhooks(self.world)
        self._polling = Polling(self.world, self.webhooks)
        bot = BotMethods(self.world, self.limits)
        messages = MessageMethods(self.world, self.limits)
        self.call_log: list[tuple[str, int]] = []  # (method, HTTP status; 0: connection dropped)
        self._in_flight = 0
        self._runner: web.AppRunner | None = None
        self._base_url: str | None = None
        self._methods: dict[str, tuple[str, Handler]] = {
            name.lower(): (name, handler)
            for name, handler in {
                "getMe": bot.get_me,
                "logOut": bot.accept,
                "close": bot.accept,
                "getUpdates": self._polling.get_updates,
                "setWebhook": self.webhooks.set_webhook,
                "deleteWebhook": self.webhooks.delete_webhook,
                "getWebhookInfo": self.webhooks.get_webhook_info,
                "sendMessage": messages.send_message,
                "sendPhoto": messages.send_photo,
                "sendDocument": messages.send_document,
                "sendLocation": messages.send_location,
                "editMessageText": messages.edit_message_text,
                "editMessageCaption": messages.edit_message_caption,
                "editMessageReplyMarkup": messages.edit_message_reply_markup,
                "deleteMessage": messages.delete_message,
                "answerCallbackQuery": bot.answer_callback_query,
                "getFile": bot.get_file,
                "getChat": bot.get_chat,
                "setMyCommands": bot.set_my_commands,
                "getMyCommands": bot.get_my_commands,
                "deleteMyCommands": bot.delete_my_commands,
                "sendChatAction": messages.send_chat_action,
                "setChatMenuButton": bot.accept,
                "setMyDescription": bot.accept,
                "setMyShortDescription": bot.accept,
                "setMyName": bot.accept,
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
        await self.webhooks.start()

    async def _on_cleanup(self, app: web.Application) -> None:
        await self.webhooks.stop()

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
        return self._polling.polling

    def busy(self) -> int:
        """Bot API calls being answered now (long polls excluded) plus webhook posts."""
        return self._in_flight + self.webhooks.delivering

    def add_webhook_target(self, url: str, secret_token: str | None = None) -> None:
        """Another instance behind the 'reverse proxy': webhook updates go to targets in turn."""
        self.webhooks.add_target(url, secret_token)

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
            params = await read_params(request)
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
        stored = self.world.files.by_path(request.match_info["path"])
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


def _answer_error(error: ApiError) -> web.Response:
    return web.json_response(error.to_api(), status=error.status, dumps=dumps)


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
