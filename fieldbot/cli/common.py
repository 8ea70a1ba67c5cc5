"""What every command shares: settings, the clock, the store, one-line refusals."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, NoReturn, TypeVar

import typer

from fieldbot.settings import ENV_PREFIX, Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from fieldbot.clock import Clock
    from fieldbot.store import Store

T = TypeVar("T")
BY_HELP = "who runs the command, for the audit (default: the operating system's user)"


def refuse(reason: str) -> NoReturn:
    """Exit 1 with the reason on stderr."""
    print(reason, file=sys.stderr)
    raise typer.Exit(1)


def operator(by: str | None) -> str:
    """Who runs the command, as the audit records it (``cli:NAME``): ``--by``, else the user
    of the operating system."""
    import getpass

    if by is not None and by.strip():
        return by.strip()
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


def stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def confirmed(question: str, *, yes: bool) -> bool:
    """Whether to go on with a command that changes things: no question with ``--yes`` or when
    standard input is not a terminal (DESIGN.md §8), else the operator's answer."""
    if yes or not stdin_is_terminal():
        return True
    return typer.confirm(question, default=False)


def settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        refuse(str(exc))


def clock_for(config: Settings) -> Clock:
    """The configured clock (``FIELDBOT_CLOCK``): every command and the bot take time from it."""
    from fieldbot.clock import SystemClock
    from fieldbot.sandbox.clock import SandboxClock

    if config.clock == "sandbox":
        return SandboxClock(config.bot_api_url)
    return SystemClock()


def run(make: Callable[[], Awaitable[T]]) -> T:
    from fieldbot.sandbox.clock import SandboxClockError

    try:
        return asyncio.run(_await(make))
    except SettingsError as exc:
        refuse(str(exc))
    except SandboxClockError as exc:
        refuse(f"{ENV_PREFIX}CLOCK: sandbox, but {exc}")


async def _await(make: Callable[[], Awaitable[T]]) -> T:
    return await make()


@asynccontextmanager
async def open_store(config: Settings) -> AsyncIterator[Store]:
    from fieldbot.crypto import Cipher
    from fieldbot.store import Store

    store = Store.open(config.database_url, Cipher.from_master_key(config.key_bytes()))
    try:
        yield store
    finally:
        await store.close()
