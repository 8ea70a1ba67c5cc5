"""Long polling that hands each update to the Application, one at a time.

python-telegram-bot's own Updater confirms fetched updates with one more ``getUpdates`` when it
stops gracefully; fieldbot needs to know exactly when an update has been handled (``idle``) and
to die abruptly in crash tests, so it polls itself and calls ``Application.process_update``.
"""

from __future__ import annotations

import asyncio
import logging
import time

from aiohttp import web
from telegram import Update
from telegram.error import Conflict, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application

log = logging.getLogger(__name__)


class Poller:
    def __init__(self, application: Application, *, timeout: int = 10) -> None:  # type: ignore[type-arg]
        self._app = application
        self._timeout = timeout
        self._offset: int | None = None
        self._handling = 0
        self.handled = 0

    @property
    def offset(self) -> int | None:
        return self._offset

    @property
    def busy(self) -> bool:
        return self._handling > 0

    async def run(self) -> None:
        backoff = 0.05
        while True:
            try:
                updates = await self._app.bot.get_updates(
                    offset=self._offset,
                    timeout=self._timeout,
                    allowed_updates=Update.ALL_TYPES,
                    read_timeout=self._timeout + 5,
                )
                backoff = 0.05
            except RetryAfter as exc:
                await asyncio.sleep(_seconds(exc.retry_after))
                continue
            except (TimedOut, NetworkError, Conflict) as exc:
                log.warning("getUpdates failed (%s); retrying in %.2fs", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            for update in updates:
                self._offset = update.update_id + 1
                self._handling += 1
                started = time.monotonic()
                try:
                    await self._app.process_update(update)
                finally:
                    self._handling -= 1
                    self.handled += 1
                log.debug(
                    "update %s handled in %.1f ms",
                    update.update_id,
                    1000 * (time.monotonic() - started),
                )


def _seconds(value: object) -> float:
    from datetime import timedelta

    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)  # type: ignore[arg-type]


class WebhookReceiver:
    """Webhook mode: an aiohttp endpoint that hands each update to the Application.

    Several instances behind a reverse proxy each run one; Telegram's secret token header is
    checked when a secret is set.
    """

    def __init__(
        self,
        application: Application,  # type: ignore[type-arg]
        *,
        listen: str,
        port: int,
        path: str,
        secret: str | None,
    ) -> None:
        self._app = application
        self._listen = listen
        self._port = port
        self._path = path if path.startswith("/") else f"/{path}"
        self._secret = secret
        self._handling = 0
        self.handled = 0
        self._runner: web.AppRunner | None = None

    @property
    def busy(self) -> bool:
        return self._handling > 0

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post(self._path, self._receive)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, self._listen, self._port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _receive(self, request: web.Request) -> web.Response:
        if self._secret and request.headers.get("X-Telegram-Bot-Api-Secret-Token") != self._secret:
            log.warning("webhook call without the right secret token from %s", request.remote)
            return web.Response(status=403)
        update = Update.de_json(await request.json(), self._app.bot)
        self._handling += 1
        try:
            await self._app.process_update(update)
        finally:
            self._handling -= 1
            self.handled += 1
        return web.Response()
