"""What a customer is told about their jobs and what they see of them (DESIGN.md §5
"Customers in the chat"): ``/mute`` and ``/unmute`` of the informational notices (the one check
is in :func:`fieldbot.services.workflow.notify_customer`), and ``/status``: their open jobs
with the next step of each, and those closed in the last :data:`CLOSED_SHOWN_DAYS` days —
never anyone else's.

Use cases work inside the caller's unit of work and do not commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from fieldbot.domain.states import FINAL_STATES, OPEN_STATES
from fieldbot.i18n import N_
from fieldbot.repositories.jobs import JobRecord
from fieldbot.repositories.people import CustomerRow
from fieldbot.services.workflow import customer_tag, load_customer, notify_customer
from fieldbot.store import UnitOfWork

NOTICES_MUTED = "customer.notices_muted"
NOTICES_UNMUTED = "customer.notices_unmuted"
# DESIGN.md §5: /status shows the jobs closed in the last 90 days.
CLOSED_SHOWN_DAYS = 90


async def tell_registered(
    uow: UnitOfWork, customer: CustomerRow, job: JobRecord, now: datetime
) -> int | None:
    """A job registered by staff tells its (bound) customer its number; a customer's own
    request does not: the reply to them carries it."""
    if job.own_request:
        return None
    return await notify_customer(
        uow,
        customer,
        N_("Job {number} is registered for you. We will tell you who comes and when."),
        {"number": job.number},
        now,
        informational=True,
    )


async def set_muted(uow: UnitOfWork, *, customer: str, muted: bool, now: datetime) -> bool:
    """Mute (or unmute) the informational notices of ``customer`` (a code); returns whether
    anything changed. Recorded in the audit log."""
    row = await load_customer(uow, customer)
    if row.notices_muted is muted:
        return False
    await uow.customers.set_notices_muted(row.id, muted)
    await uow.events.append(
        customer_tag(row),
        NOTICES_MUTED if muted else NOTICES_UNMUTED,
        "customer",
        row.id,
        {"code": row.customer.code},
        now,
    )
    return True


@dataclass(frozen=True, slots=True)
class CustomerStatus:
    """A customer's jobs as /status shows them, newest call first."""

    open: list[JobRecord]
    closed: list[JobRecord]  # closed or cancelled in the last CLOSED_SHOWN_DAYS days
    muted: bool


async def status_of(uow: UnitOfWork, *, customer_id: int, now: datetime) -> CustomerStatus:
    """The customer's own open jobs and those that ended in the last 90 days (a job that
    ended last changed when it closed)."""
    row = await uow.customers.row_by_id(customer_id)
    jobs = await uow.jobs.list(customer_id=customer_id)
    since = now - timedelta(days=CLOSED_SHOWN_DAYS)
    open_jobs = [job for job in jobs if job.state in OPEN_STATES]
    ended = [
        job
        for job in jobs
        if job.state in FINAL_STATES and job.updated_at is not None and job.updated_at >= since
    ]
    return CustomerStatus(
        open=list(reversed(open_jobs)),
        closed=list(reversed(ended)),
        muted=bool(row is not None and row.notices_muted),
    )


def closed_at(job: JobRecord) -> datetime | None:
    """When a job that ended (closed, cancelled) did so."""
    return job.updated_at if job.state in FINAL_STATES else None
