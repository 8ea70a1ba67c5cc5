"""The harness that runs the real bot inside the sandbox: its settings, its databases and the
factory the driver starts bot instances with.

A :class:`Harness` owns what sandboxes of one process may share: the key that encrypts their
databases, the company templates (a SQLite file migrated and filled once per company, copied
for every sandbox after) and the gettext catalogs. ``Sandbox.start`` uses the one lazily made by
:meth:`Harness.shared` unless it is given its own, so a test session prepares the sample company
once. Nothing is created at import.
"""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
import shutil
import socket
import tempfile
import weakref
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any, ClassVar

from fieldbot.bot.runtime import BotRuntime
from fieldbot.clock import SystemClock
from fieldbot.crypto import Cipher
from fieldbot.dbadmin import upgrade
from fieldbot.i18n import Catalogs
from fieldbot.sandbox.bots import SandboxEnv
from fieldbot.services.imports import import_company
from fieldbot.settings import Settings, load_settings
from fieldbot.store import Store

__all__ = [
    "SANDBOX_KEY",
    "Harness",
    "create_bot_handle",
    "fresh_database",
    "prepare_database",
    "sandbox_settings",
]

# A fixed key for sandbox databases only (tests, the demo, benchmarks): never for real data.
SANDBOX_KEY = "ZmllbGRib3Qtc2FuZGJveC1rZXktMzItYnl0ZXMhISE="
EXAMPLES = "examples"  # the packaged sample company


def sandbox_settings(overrides: Mapping[str, Any], **fixed: Any) -> Settings:
    values: dict[str, Any] = {"encryption_key": SANDBOX_KEY, **dict(overrides), **fixed}
    return load_settings(values, read_env_file=False)


class Harness:
    """Builds the real bot for sandboxes and prepares their databases (see the module)."""

    _shared: ClassVar[Harness | None] = None

    def __init__(self) -> None:
        # A random key: sandboxes of one harness share its templates (encrypted with it); it
        # never protects real data.
        self.key = base64.urlsafe_b64encode(os.urandom(32)).decode("ascii")
        self._templates: dict[tuple[str, bytes], Path] = {}
        self._directory: Path | None = None
        self._catalogs: Catalogs | None = None

    @classmethod
    def shared(cls) -> Harness:
        """The process's harness, made on first use."""
        if cls._shared is None:
            cls._shared = cls()
        return cls._shared

    @property
    def catalogs(self) -> Catalogs:
        """Catalogs are read-only once loaded: instances in one process share them."""
        if self._catalogs is None:
            self._catalogs = Catalogs.load()
        return self._catalogs

    async def prepare_database(
        self, db_url: str, company: str | Path | None, settings: Mapping[str, Any]
    ) -> None:
        """Create the schema and import the company (``"examples"``: the packaged sample).

        SQLite files are copied from a template prepared once per harness for the same company
        and key, so a test suite that starts many sandboxes migrates and imports only once.
        """
        config = sandbox_settings(settings, database_url=db_url)
        target = _sqlite_path(db_url)
        if target is None or company is None:
            await _prepare(db_url, company, config)
            return
        key = (str(company), config.key_bytes())
        template = self._templates.get(key)
        if template is None:
            template = self._template_directory() / f"template-{len(self._templates)}.db"
            await _prepare(f"sqlite+aiosqlite:///{template}", company, config)
            self._templates[key] = template
        _copy_sqlite(template, target)

    async def create_bot(self, env: SandboxEnv) -> BotRuntime:
        """The real bot for one sandbox instance (the driver's ``BotFactory``)."""
        settings = sandbox_settings(
            env.settings,
            database_url=env.db_url,
            bot_token=env.token,
            bot_api_url=env.base_url,
            bot_username=env.bot_username,
        )
        role = str(env.settings.get("sandbox_role", "bot"))
        webhook_url: str | None = None
        if env.settings.get("sandbox_webhook") and role == "bot":
            # Each instance listens on its own port and registers itself with setWebhook; the
            # sandbox then delivers updates to the instances in turn, like a reverse proxy.
            port = _free_port()
            settings = settings.model_copy(update={"webhook_port": port})
            webhook_url = f"http://127.0.0.1:{port}/telegram/{env.instance}"
        # Only one instance may long-poll a token: spawned instances without webhooks are
        # workers.
        poll = role == "bot" and (webhook_url is not None or env.instance == 1)
        return BotRuntime(
            settings,
            env.clock,
            catalogs=self.catalogs,
            poll=poll,
            poll_timeout=1,
            webhook_url=webhook_url,
        )

    def _template_directory(self) -> Path:
        if self._directory is None:
            self._directory = Path(tempfile.mkdtemp(prefix="fieldbot-template-"))
            weakref.finalize(self, shutil.rmtree, self._directory, ignore_errors=True)
        return self._directory


async def prepare_database(
    db_url: str, company: str | Path | None, settings: Mapping[str, Any]
) -> None:
    """:meth:`Harness.prepare_database` of the shared harness (a ``PrepareDatabase``)."""
    await Harness.shared().prepare_database(db_url, company, settings)


async def create_bot_handle(env: SandboxEnv) -> BotRuntime:
    """:meth:`Harness.create_bot` of the shared harness (a ``BotFactory``)."""
    return await Harness.shared().create_bot(env)


@contextlib.asynccontextmanager
async def fresh_database(db_url: str | None) -> AsyncIterator[str]:
    """None: an SQLite file in a temporary directory. A PostgreSQL URL: a new database
    ``fieldbot_<hex>`` on that server, dropped afterwards. Any other URL is used as it is."""
    if db_url is None:
        with tempfile.TemporaryDirectory(prefix="fieldbot-sandbox-") as directory:
            yield f"sqlite+aiosqlite:///{Path(directory) / 'fieldbot.db'}"
        return
    from sqlalchemy import text
    from sqlalchemy.engine import make_url
    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlalchemy.pool import NullPool

    url = make_url(db_url)
    if url.get_backend_name() != "postgresql":
        yield db_url
        return
    url = url.set(drivername="postgresql+asyncpg")
    name = f"fieldbot_{secrets.token_hex(6)}"
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield url.set(database=name).render_as_string(hide_password=False)
        finally:
            async with admin.connect() as connection:
                await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


async def _prepare(db_url: str, company: str | Path | None, config: Settings) -> None:
    await upgrade(db_url)
    if company is None:
        return
    directory = _examples_dir() if str(company) == EXAMPLES else Path(company)
    store = Store.open(db_url, Cipher.from_master_key(config.key_bytes()))
    try:
        await import_company(store, directory, settings=config, clock=SystemClock())
    finally:
        await store.close()


def _sqlite_path(db_url: str) -> Path | None:
    prefix = "sqlite+aiosqlite:///"
    if not db_url.startswith(prefix) or db_url.endswith(":memory:"):
        return None
    return Path(db_url.removeprefix(prefix))


def _copy_sqlite(source: Path, target: Path) -> None:
    for suffix in ("", "-wal"):
        origin = source.with_name(source.name + suffix)
        if origin.exists():
            shutil.copyfile(origin, target.with_name(target.name + suffix))


def _examples_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "examples"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
