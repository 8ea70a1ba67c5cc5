"""getUpdates: one long poll at a time, confirmed by its offset; refused while a webhook is set."""

from __future__ import annotations

import asyncio
import contextlib

from aiohttp import web

from fieldbot.sandbox.methods.params import Params
from fieldbot.sandbox.methods.webhooks import Webhooks
from fieldbot.sandbox.models import ApiError, JSONDict
from fieldbot.sandbox.world import World

_POLL_CONFLICT = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance "
    "is running"
)
_WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
    "delete the webhook first"
)
_POLLER_GRACE_S = 0.05  # an abandoned long poll may take a moment to be noticed as closed


class Polling:
    def __init__(self, world: World, webhooks: Webhooks) -> None:
        self.world = world
        self.webhooks = webhooks
        self._poller: web.Request | None = None
        self._poller_released = asyncio.Event()

    @property
    def polling(self) -> bool:
        """A getUpdates long poll is waiting now."""
        return self._poller is not None

    async def get_updates(self, p: Params, request: web.Request) -> list[JSONDict]:
        if self.webhooks.active:
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
                if self.webhooks.active:
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


def _alive(request: web.Request) -> bool:
    transport = request.transport
    return transport is not None and not transport.is_closing()
