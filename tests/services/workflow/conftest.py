"""The field workflow on the sample company: a :class:`Flow` runs each use case in its own
committed unit of work, as a handler would, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest

import fieldbot
from fieldbot.clock import ManualClock
from fieldbot.repositories.events import Event
from fieldbot.repositories.jobs import JobRecord
from fieldbot.repositories.outbox import OutboxMessage
from fieldbot.services.imports import import_company
from fieldbot.services.jobs import register_job
from fieldbot.settings import Settings, load_settings
from fieldbot.store import Store, UnitOfWork

EXAMPLES = Path(fieldbot.__file__).parent / "examples"
START = datetime(2026, 9, 14, 1, 30, tzinfo=UTC)  # Monday 09:30 Asia/Shanghai

# Telegram user id (= chat id) of each bound person.
STAFF_USERS = {
    "S01": 2001,
    "S02": 2002,
    "M01": 2101,
    "K01": 2201,
    "T01": 1001,
    "T02": 1002,
    "T03": 1003,
    "T04": 1004,
}
CUSTOMER_USERS = {"C001": 3001, "C002": 3002}  # C003 and C004 are not on Telegram

T = TypeVar("T")


class Flow:
    def __init__(self, store: Store, settings: Settings, clock: ManualClock) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock

    async def run(self, use_case: Callable[..., Awaitable[T]], **kwargs: Any) -> T:
        """One use case in its own unit of work, committed when it succeeds."""
        async with self.store.unit_of_work() as uow:
            result = await use_case(uow, self.settings, self.clock, **kwargs)
            await uow.commit()
        return result

    async def read(self, query: Callable[[UnitOfWork], Awaitable[T]]) -> T:
        async with self.store.unit_of_work(readonly=True) as uow:
            return await query(uow)

    async def new_job(self, customer: str, equipment: str | None, **kwargs: Any) -> JobRecord:
        async with self.store.unit_of_work() as uow:
            job = await register_job(
                uow,
                self.settings,
                self.clock,
                customer=customer,
                equipment=equipment,
                kind=kwargs.pop("kind", "repair"),
                priority=kwargs.pop("priority", "general"),
                fault=kwargs.pop("fault", "不制冷 not cooling"),
                actor="staff:test",
                **kwargs,
            )
            await uow.commit()
        return job

    async def job(self, job_id: int) -> JobRecord:
        async def get(uow: UnitOfWork) -> JobRecord:
            found = await uow.jobs.get(job_id)
            assert found is not None
            return found

        return await self.read(get)

    async def outbox(self, chat_id: int | None = None) -> list[OutboxMessage]:
        return await self.read(lambda uow: uow.outbox.messages(chat_id=chat_id))

    async def events(self, job_id: int) -> list[Event]:
        return await self.read(lambda uow: uow.events.for_subject("job", job_id))

    async def stock(self, location: str, part: str) -> int:
        return await self.read(lambda uow: uow.stock.quantity(location, part))

    async def staff_id(self, code: str) -> int:
        async def get(uow: UnitOfWork) -> int:
            return await uow.staff.require_id(code)

        return await self.read(get)


@pytest.fixture
def settings() -> Settings:
    return load_settings({}, read_env_file=False)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def flow(store: Store, settings: Settings, clock: ManualClock) -> Flow:
    await import_company(store, EXAMPLES, settings=settings, clock=clock)
    async with store.unit_of_work() as uow:
        for code, user in STAFF_USERS.items():
            await uow.staff.bind_telegram(code, user, user)
        for code, user in CUSTOMER_USERS.items():
            await uow.customers.bind_telegram(code, user, user)
        await uow.commit()
    return Flow(store, settings, clock)


async def to_on_site(flow: Flow, job: JobRecord, technician: str, supervisor: str = "S01") -> None:
    """Dispatch, accept, appointment in two hours, arrival by manual report."""
    from datetime import timedelta

    from fieldbot.services import dispatch, visit

    assert job.id is not None
    await flow.run(dispatch.dispatch, job=job.id, technician=technician, actor=supervisor)
    await flow.run(dispatch.accept, job=job.id, actor=technician)
    at = flow.clock.now() + timedelta(hours=2)
    await flow.run(visit.set_appointment, job=job.id, actor=technician, at=at)
    await flow.run(visit.arrive, job=job.id, actor=technician)


async def quote_accepted(flow: Flow, job: JobRecord, technician: str, estimate_fen: int) -> None:
    """A type A job on site: the customer accepts a quote of ``estimate_fen`` (labour) before
    the work, on the signed paper quote, so the finish that follows may be above the quote
    limit (DESIGN.md §3 Second pass)."""
    from fieldbot.services import quote

    assert job.id is not None
    await flow.run(
        quote.send_quote, job=job.id, actor=technician, labour_fen=estimate_fen, parts_fen=0
    )
    await flow.run(
        quote.answer, job=job.id, decision="accept", actor=technician, photo="signed-quote"
    )
