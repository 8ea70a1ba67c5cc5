"""What every command shares: settings, the store, one-line refusals."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, NoReturn, TypeVar

import typer

from fieldbot.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from fieldbot.store import Store

T = TypeVar("T")


def refuse(reason: str) -> NoReturn:
    """Exit 1 with the reason on stderr."""
    print(reason, file=sys.stderr)
    raise typer.Exit(1)


def settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        refuse(str(exc))


def run(make: Callable[[], Awaitable[T]]) -> T:
    try:
        return asyncio.run(_await(make))
    except SettingsError as exc:
        refuse(str(exc))


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
