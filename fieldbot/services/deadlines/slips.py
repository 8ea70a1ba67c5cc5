"""Telling the customer about a slip (DESIGN.md §3, second pass): when a job clock that
:data:`~.targets.JOB_CLOCKS` marks ``tells_customer`` (arrival, on_time, resolution,
workshop) is missed, a bound customer is told in their language that it is late and that a
new time follows; when the new appointment or the new promised date is set, they are told the
new time.

The slip notice goes with the clock's overdue step, in the same unit of work (the ladder's
exactly-once key: one fired step, one dedupe key), so it is as held as the overdue is:
emergencies at once, day or night; other jobs at the branch's next working moment (a
customer is not woken at night about a general call; a deadline of a working-hours clock
falls in working hours anyway). A breach is told once: while a slip of that clock is still
waiting for its new time, a recomputed deadline missed again says nothing more.

Use cases work inside the caller's unit of work and do not commit.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from fieldbot.i18n import N_
from fieldbot.repositories.clocks import ClockRow
from fieldbot.repositories.jobs import JobRecord
from fieldbot.services.deadlines.clocks import JOB
from fieldbot.services.deadlines.targets import JOB_CLOCKS
from fieldbot.services.workflow import (
    customer_of,
    job_id,
    notify_customer,
    record,
    when_arg,
)
from fieldbot.store import UnitOfWork

SLIP_TOLD = "job.slip_told"
NEW_TIME_TOLD = "job.new_time_told"

SLIP_TEXTS: dict[str, str] = {
    "arrival": N_(
        "Job {number}: we are sorry, our technician is late (the visit was due {due}). "
        "We will tell you the new time shortly."
    ),
    "on_time": N_(
        "Job {number}: we are sorry, our technician is late for the appointment at {due}. "
        "We will tell you the new time shortly."
    ),
    "resolution": N_(
        "Job {number}: we are sorry, the repair is taking longer than promised "
        "(it was due {due}). We will tell you the new time shortly."
    ),
    "workshop": N_(
        "Job {number}: we are sorry, the workshop repair of your unit is late "
        "(it was promised for {due}). We will tell you the new date shortly."
    ),
}
# The slips a new appointment answers, and those a new promised workshop date answers.
ANSWERED_BY_APPOINTMENT = ("arrival", "on_time", "resolution")
ANSWERED_BY_PROMISED_DATE = ("workshop",)
NEW_VISIT_TIME = N_("Job {number}: the new time: {technician} will visit you at {when}.")
NEW_PROMISED_DATE = N_("Job {number}: the new date: we promise your unit back by {when}.")


def tells_customer(clock: ClockRow) -> bool:
    spec = JOB_CLOCKS.get(clock.clock)
    return clock.subject_type == JOB and spec is not None and spec.tells_customer


async def pending_slips(uow: UnitOfWork, job: JobRecord) -> set[str]:
    """The clocks whose slip the customer was told of and whose new time they were not yet
    told (from the job's events)."""
    pending: set[str] = set()
    for event in await uow.events.for_subject(JOB, job_id(job)):
        if event.kind == SLIP_TOLD:
            pending.add(str(event.payload.get("clock")))
        elif event.kind == NEW_TIME_TOLD:
            pending.difference_update(str(c) for c in event.payload.get("clocks", []))
    return pending


async def tell_slip(
    uow: UnitOfWork, clock: ClockRow, due_at: datetime, tz: str, now: datetime
) -> int | None:
    """The clock's deadline passed (its overdue step fires now): a bound customer is told it
    is late and that a new time follows, once per breach. Returns the outbox id."""
    if not tells_customer(clock):
        return None
    job = await uow.jobs.get(clock.subject_id)
    if job is None or clock.clock in await pending_slips(uow, job):
        return None
    customer = await customer_of(uow, job)
    if customer.chat_id is None:
        return None
    # a booked visit: the customer knows the appointment, not the tolerance after it
    shown = job.appointment_at if clock.clock == "on_time" and job.appointment_at else due_at
    message = await notify_customer(
        uow,
        customer,
        SLIP_TEXTS[clock.clock],
        {"number": job.number, "due": when_arg(shown, tz)},
        now,
        dedupe_key=f"slip:{clock.subject_type}:{clock.subject_id}:{clock.clock}:{clock.generation}",
    )
    if message is not None:
        await record(
            uow,
            job,
            SLIP_TOLD,
            "system",
            now,
            {"clock": clock.clock, "generation": clock.generation, "message": message},
        )
    return message


async def answer_slips(
    uow: UnitOfWork, job: JobRecord, clocks: Collection[str], actor: str, now: datetime
) -> list[str]:
    """A new time was set (an appointment, a promised date): the slips of ``clocks`` still
    waiting for it are answered. Returns them (empty: no slip was waiting, the caller's usual
    notice is enough); the caller tells the customer the new time in its own notice."""
    answered = sorted(await pending_slips(uow, job) & set(clocks))
    if answered:
        await record(uow, job, NEW_TIME_TOLD, actor, now, {"clocks": answered})
    return answered


async def tell_new_promised_date(
    uow: UnitOfWork, job: JobRecord, promised_at: datetime, tz: str, actor: str, now: datetime
) -> int | None:
    """A new promised workshop date: the customer is told it (it answers a workshop slip they
    were told of, if any). Returns the outbox id (None: not bound)."""
    await answer_slips(uow, job, ANSWERED_BY_PROMISED_DATE, actor, now)
    return await notify_customer(
        uow,
        await customer_of(uow, job),
        NEW_PROMISED_DATE,
        {"number": job.number, "when": when_arg(promised_at, tz)},
        now,
    )
