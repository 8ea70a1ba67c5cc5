"""The driver's ``sb.db_url`` on the real bot: it is the database the bot runs on, so the
command line pointed at it works on the bot's data (here: an invite the bot then honours)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from fieldbot.cli import app
from fieldbot.sandbox.driver import Sandbox

pytestmark = pytest.mark.e2e


async def _cli(args: list[str], env: dict[str, str]) -> Result:
    # in a thread: the command line runs its own event loop and reads the sandbox's clock over
    # HTTP from the server running on this one
    return await asyncio.to_thread(CliRunner().invoke, app, args, env=env)


@pytest.mark.parametrize(
    ("backend", "code", "user_id", "language", "welcome"),
    [
        pytest.param("sqlite", "T02", 1001, "en", "Welcome", id="sqlite-en"),
        pytest.param(
            "postgresql", "S01", 2001, "zh-hans", "欢迎", id="postgresql-zh", marks=pytest.mark.pg
        ),
    ],
)
async def test_the_command_line_on_db_url_reaches_the_database_the_bot_runs_on(
    backend: str,
    code: str,
    user_id: int,
    language: str,
    welcome: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    db_url = request.getfixturevalue("pg_url") if backend == "postgresql" else None
    async with Sandbox.start(db_url=db_url) as sb:
        if db_url is not None:
            assert sb.db_url.startswith("postgresql+asyncpg://") and sb.db_url != db_url
        env = {
            "FIELDBOT_DATABASE_URL": sb.db_url,
            "FIELDBOT_ENCRYPTION_KEY": sb.harness.key,
            "FIELDBOT_BOT_USERNAME": sb.bot_username,
            "FIELDBOT_BOT_API_URL": sb.base_url,
            "FIELDBOT_CLOCK": "sandbox",
        }
        made = await _cli(["invite", code], env)
        assert made.exit_code == 0, made.output
        payload = made.output.splitlines()[0]
        phone = sb.phone(user_id=user_id, name="Someone", language=language)
        await phone.start(payload)
        await phone.wait_for(welcome)
        await phone.send("/me")
        await phone.wait_for(code)
