"""Deadlines on the sample company, on SQLite and PostgreSQL: a manual clock, bound staff,
helpers to register jobs, run the sweep and read the outbox."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import fieldbot
from fieldbot.clock import ManualClock
from fieldbot.domain.model import Language, Role, Staff
from fieldbot.rendering import LINES
from fieldbot.repositories.clocks import ClockRow, FiredStep
from fieldbot.repositories.jobs import JobRecord
from fieldbot.repositories.outbox import OutboxMessage
from fieldbot.scheduler import SweepReport, sweep
from fieldbot.services.imports import import_company
from fieldbot.services.jobs import register_job
from fieldbot.settings import Settings, load_settings
from fieldbot.store import Store

EXAMPLES = Path(fieldbot.__file__).parent / "examples"
SH = ZoneInfo("Asia/Shanghai")
STAFF_USERS = {"S01": 2001, "S02": 2002, "M01": 2101, "G01": 2301, "T01": 1001, "T02": 1002}
UNITS = {"C001": "RF25-0001", "C002": "CF22-0107", "C004": "IM24-0210"}


def local(month: int, day: int, hour: int = 0, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SH)


class Desk:
    """The sample company with its staff bound, driven by a manual clock."""

    def __init__(self, store: Store, settings: Settings, clock: ManualClock) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        self.users = dict(STAFF_USERS)

    async def at(self, instant: datetime) -> SweepReport:
        """Move the clock to ``instant`` and sweep once."""
        self.clock.set(instant)
        return await sweep(self.store, self.settings, self.clock)

    async def job(
        self, customer: str = "C001", called_at: datetime | None = None, **kwargs: Any
    ) -> JobRecord:
        async with self.store.unit_of_work() as uow:
            job = await register_job(
                uow,
                self.settings,
                self.clock,
                customer=customer,
                equipment=kwargs.pop("equipment", UNITS.get(customer)),
                kind="repair",
                priority=kwargs.pop("priority", "general"),
                fault="不制冷",
                actor="staff:test",
                called_at=called_at,
                **kwargs,
            )
            await uow.commit()
        return job

    async def clock_of(self, job: JobRecord, name: str) -> ClockRow:
        assert job.id is not None
        async with self.store.unit_of_work(readonly=True) as uow:
            found = await uow.clocks.get("job", job.id, name)
        assert found is not None
        return found

    async def steps(self, job: JobRecord, name: str) -> list[FiredStep]:
        assert job.id is not None
        async with self.store.unit_of_work(readonly=True) as uow:
            return await uow.steps.for_subject("job", job.id, name)

    async def outbox(self, staff: str | None = None) -> list[OutboxMessage]:
        async with self.store.unit_of_work(readonly=True) as uow:
            chat = None if staff is None else self.users[staff]
            return await uow.outbox.messages(chat_id=chat)

    async def templates(self, staff: str) -> list[str]:
        """The texts of the staff member's messages: each line of a message of several."""
        return [v.template for v in views(await self.outbox(staff))]

    async def add_supervisor(self, code: str, user_id: int, branch: str = "SH01") -> None:
        async with self.store.unit_of_work() as uow:
            await uow.staff.upsert(
                Staff(
                    code=code,
                    name="Second Supervisor",
                    roles=frozenset({Role.SUPERVISOR}),
                    phone="+8613800009999",
                    language=Language.EN,
                    branch=branch,
                )
            )
            await uow.staff.bind_telegram(code, user_id, user_id)
            await uow.commit()
        self.users[code] = user_id

    async def set_job(self, job: JobRecord, **changes: Any) -> JobRecord:
        assert job.id is not None
        async with self.store.unit_of_work() as uow:
            current = await uow.jobs.get(job.id)
            assert current is not None
            saved = await uow.jobs.update(replace(current, **changes), self.clock.now())
            await uow.commit()
        return saved


@pytest.fixture
def settings() -> Settings:
    return load_settings(read_env_file=False)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(local(9, 14, 8, 30))


@pytest.fixture
async def desk(store: Store, settings: Settings, clock: ManualClock) -> Desk:
    await import_company(store, EXAMPLES, settings=settings, clock=clock)
    async with store.unit_of_work() as uow:
        for code, user_id in STAFF_USERS.items():
            if await uow.staff.get(code) is not None:
                await uow.staff.bind_telegram(code, user_id, user_id)
        await uow.commit()
    return Desk(store, settings, clock)


def views(messages: list[OutboxMessage]) -> list[OutboxMessage]:
    """Each text of the messages as a message of its own (a message of several lines, such as
    an escalation with its details, gives one per line, each with the message's buttons)."""
    found: list[OutboxMessage] = []
    for m in messages:
        if m.template != LINES:
            found.append(m)
            continue
        for line in m.params["lines"]:
            params = {"args": line.get("args", {}), "buttons": m.params.get("buttons", [])}
            found.append(replace(m, template=line["t"], params=params))
    return found
