"""A bot in another process, on the sandbox's simulated clock, killed with SIGKILL around a
due escalation step and started again: the step fires exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from datetime import datetime
from typing import Any

import pytest

from fieldbot.crypto import Cipher
from fieldbot.sandbox.driver import Sandbox, SandboxEnv
from fieldbot.sandbox.harness import prepare_database
from fieldbot.services.jobs import register_job
from fieldbot.services.registration import create_staff_invite
from fieldbot.settings import load_settings
from fieldbot.store import Store

pytestmark = pytest.mark.e2e


class ProcessBot:
    """``fieldbot run`` as a child process with ``FIELDBOT_CLOCK=sandbox``."""

    def __init__(self, env: SandboxEnv) -> None:
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None

    async def start(self) -> None:
        environ = {**os.environ, **self.env.environ(), "FIELDBOT_SWEEP_SECONDS": "0.2"}
        environ.pop("FIELDBOT_BOT_USERNAME", None)
        self.process = subprocess.Popen(  # noqa: ASYNC220 - a child we kill -9 on purpose
            [sys.executable, "-m", "fieldbot", "run"],
            env=environ,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    async def stop(self, *, abrupt: bool = False) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGKILL if abrupt else signal.SIGTERM)
        await asyncio.to_thread(self.process.wait, 10)

    def idle(self) -> bool:
        return True  # another process: the test waits for what the phones see

    async def run_due(self) -> None:
        return None  # the child sweeps on its own timer, on the sandbox's clock

    async def next_due(self) -> datetime | None:
        return None

    async def invite(self, staff_code: str) -> str:
        async with _store(self.env) as store, store.unit_of_work() as uow:
            invite = await create_staff_invite(
                uow, staff_code, now=self.env.clock.now(), hours=72, actor="test"
            )
            await uow.commit()
        return invite.payload


class _store:  # a context manager named like the function it stands for
    def __init__(self, env: SandboxEnv) -> None:
        settings = load_settings(dict(env.settings), read_env_file=False)
        self._store = Store.open(env.db_url, Cipher.from_master_key(settings.key_bytes()))

    async def __aenter__(self) -> Store:
        return self._store

    async def __aexit__(self, *exc: Any) -> None:
        await self._store.close()


async def _outbox_drained(store: Store, within: float = 10.0) -> None:
    """Another process delivers: poll the database until nothing waits to be sent."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while loop.time() < deadline:
        async with store.unit_of_work(readonly=True) as uow:
            waiting = await uow.outbox.messages(status="pending") + await uow.outbox.messages(
                status="in_flight"
            )
        if not waiting:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the outbox still holds {len(waiting)} message(s)")


async def _factory(env: SandboxEnv) -> ProcessBot:
    return ProcessBot(env)


async def test_a_killed_bot_fires_a_due_step_exactly_once_after_restart() -> None:
    async with Sandbox.start(factory=_factory, prepare=prepare_database) as sb:
        sup = sb.phone(user_id=2001, name="王芳", language="zh-hans")
        await sup.start(await sb.invite("S01"))
        await sup.wait_for("欢迎", timeout=20)
        env = sb.env
        async with _store(env) as store, store.unit_of_work() as uow:
            job = await register_job(
                uow,
                load_settings(dict(env.settings), read_env_file=False),
                sb.clock,
                customer="C001",
                equipment="RF25-0001",
                kind="repair",
                priority="emergency",
                fault="冷柜不制冷",
                actor="staff:test",
            )
            await uow.commit()
        await sb.clock.advance(hours=3)  # the assign deadline (2 h) and level 1 are due now
        await sb.restart_bot()  # SIGKILL, whatever the child was doing, and a new child
        message = await sup.wait_for(job.number, timeout=20)
        while "已知悉" not in str(message.buttons):  # the overdue nag comes first
            message = await sup.wait_for(job.number, timeout=20)
        async with _store(env) as store:
            await _outbox_drained(store)
            async with store.unit_of_work(readonly=True) as uow:
                steps = await uow.steps.for_subject("job", job.id)
        keys = [(s.clock, s.generation, s.step) for s in steps]
        assert keys.count(("assign", 1, "level1")) == 1
        level1_messages = [m for m in sup.inbox if "已知悉" in str(m.buttons)]
        assert len(level1_messages) == 1, [m.text for m in sup.inbox]
