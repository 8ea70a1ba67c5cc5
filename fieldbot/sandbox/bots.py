"""The bot's side of the sandbox: what a bot instance is given (:class:`SandboxEnv`) and what
the driver asks of it (:class:`BotHandle`). The driver re-exports these names."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from fieldbot.clock import Clock

__all__ = ["BotFactory", "BotHandle", "PrepareDatabase", "SandboxEnv"]


@dataclass(frozen=True, slots=True)
class SandboxEnv:
    """What a bot instance needs to run against the sandbox."""

    base_url: str  # the sandbox's root; python-telegram-bot's base_url is base_url + "/bot"
    token: str
    bot_username: str
    db_url: str
    settings: dict[str, Any]  # overrides: names without FIELDBOT_, lower case
    clock: Clock  # the sandbox's simulated clock, in-process
    instance: int  # 1 for the first bot; spawn_bot() counts up

    def environ(self) -> dict[str, str]:
        """The environment for a bot in another process (it reads the clock over HTTP)."""
        env = {
            f"FIELDBOT_{name.upper()}": _env_value(value) for name, value in self.settings.items()
        }
        env["FIELDBOT_CLOCK"] = "sandbox"
        return env


class BotHandle(Protocol):
    async def start(self) -> None:
        """Connect, start taking updates (polling or webhook), the sender and the scheduler."""
        ...

    async def stop(self, *, abrupt: bool = False) -> None:
        """Stop; ``abrupt``: die like kill -9 (no clean-up, updates fetched stay unconfirmed)."""
        ...

    def idle(self) -> bool:
        """No update queued or being handled (an update fetched from the sandbox counts until
        its handler has finished), nothing due in the outbox now, no send in flight."""
        ...

    async def run_due(self) -> None:
        """One sweep of the work due at the current simulated time."""
        ...

    async def next_due(self) -> datetime | None:
        """The earliest instant after now with work due (deadline step, retry, report), or
        None. An instant at or before now counts as due now."""
        ...

    async def invite(self, staff_code: str) -> str:
        """Creates an invite for the staff member; returns its /start payload."""
        ...


BotFactory = Callable[[SandboxEnv], Awaitable[BotHandle]]
PrepareDatabase = Callable[[str, str, dict[str, Any]], Awaitable[None]]


def _env_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
