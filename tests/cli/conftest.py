"""Command-line fixtures: a migrated SQLite file and the settings in the environment."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import fieldbot
from fieldbot.clock import SystemClock
from fieldbot.crypto import Cipher, new_master_key
from fieldbot.services.imports import import_company
from fieldbot.settings import load_settings
from fieldbot.store import Store

EXAMPLES = Path(fieldbot.__file__).parent / "examples"


@pytest.fixture
def cli_db(tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """FIELDBOT_DATABASE_URL and FIELDBOT_ENCRYPTION_KEY set; a fresh migrated database."""
    path = tmp_path / "fieldbot.db"
    shutil.copyfile(sqlite_template, path)
    url = f"sqlite+aiosqlite:///{path}"
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("FIELDBOT_DATABASE_URL", url)
    monkeypatch.setenv("FIELDBOT_ENCRYPTION_KEY", new_master_key())
    return url


@pytest.fixture
def cli_company(cli_db: str) -> str:
    """The sample company imported into the command line's database."""
    config = load_settings(read_env_file=False)

    async def load() -> None:
        store = Store.open(cli_db, Cipher.from_master_key(config.key_bytes()))
        try:
            await import_company(store, EXAMPLES, settings=config, clock=SystemClock())
        finally:
            await store.close()

    asyncio.run(load())
    return cli_db


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()
