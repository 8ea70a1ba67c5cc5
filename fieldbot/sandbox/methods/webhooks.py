"""Webhook mode: setWebhook, deleteWebhook, getWebhookInfo, and posting the updates in order to
the targets in turn (several instances behind a 'reverse proxy')."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

from fieldbot.sandbox.methods.params import Params
from fieldbot.sandbox.models import JSONDict, bad_request, dumps
from fieldbot.sandbox.world import World

log = logging.getLogger(__name__)


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


class Webhooks:
    def __init__(self, world: World) -> None:
        self.world = world
        self.state = WebhookState()
        self._session: aiohttp.ClientSession | None = None
        self._delivery: asyncio.Task[None] | None = None

    @property
    def active(self) -> bool:
        """A webhook is set: updates are posted, getUpdates is refused."""
        return bool(self.state.targets)

    @property
    def delivering(self) -> int:
        """Webhook posts under way now."""
        return self.state.delivering

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        self._delivery = asyncio.create_task(self._deliver(), name="sandbox-webhooks")

    async def stop(self) -> None:
        if self._delivery is not None:
            self._delivery.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._delivery
            self._delivery = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    def add_target(self, url: str, secret_token: str | None = None) -> None:
        """Another instance behind the 'reverse proxy': webhook updates go to targets in turn."""
        target = self.state.target(url)
        if target is None:
            self.state.targets.append(WebhookTarget(url, secret_token))
        else:
            target.secret_token = secret_token
        self.world.updates_signal.fire()

    async def set_webhook(self, p: Params, request: web.Request) -> bool:
        url = p.text("url") or ""
        if p.flag("drop_pending_updates"):
            self.world.drop_pending()
        allowed = p.json("allowed_updates")
        if isinstance(allowed, list):
            self.world.allowed_updates = [str(kind) for kind in allowed] or None
        if not url:
            self.state.targets.clear()
            return True
        if not re.match(r"^https?://[^\s/]+", url):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = p.text("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise bad_request("secret token contains unallowed characters")
        self.state.max_connections = p.integer("max_connections") or 40
        self.add_target(url, secret)
        return True

    async def delete_webhook(self, p: Params, request: web.Request) -> bool:
        if p.flag("drop_pending_updates"):
            self.world.drop_pending()
        self.state.targets.clear()
        return True

    async def get_webhook_info(self, p: Params, request: web.Request) -> JSONDict:
        state = self.state
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

    async def _deliver(self) -> None:
        """Posts pending updates in order, one at a time, to the targets in turn; a target
        that fails is skipped for a moment and the next one tried; when all fail, retry."""
        backoff = 0.05
        while True:
            event = self.world.updates_signal.waiter()
            state = self.state
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
        state = self.state
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
        self.state.delivering += 1
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
            self.state.delivering -= 1
        target.down_until = time.monotonic() + 1.0
        self.state.last_error_date = self.world.timestamp()
        self.state.last_error_message = error
        log.debug("webhook delivery to %s failed: %s", target.url, error)
        return False
