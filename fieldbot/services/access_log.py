"""Who was shown a customer's phone, and when (DESIGN.md §6): the one way a showing is recorded
(the dispatch card, a job's card, the clerk's call list and phone survey, ``job show``, an
export) and the list ``fieldbot audit access CODE`` prints.

A showing is one insert in the unit of work that shows the phone (the card is queued in the
same transaction; its text is rendered at send time). Staff are named ``staff:ID`` like the
event log's actors; the command line's operator ``cli:NAME``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from fieldbot.repositories.access_log import Showing
from fieldbot.services.workflow import UnknownCustomer
from fieldbot.store import UnitOfWork

__all__ = ["Access", "Showing", "accesses", "cli_actor", "phone_shown"]

# Where a phone was shown.
DISPATCH_CARD = "dispatch_card"
JOB_CARD = "job_card"
CALLS_DUE = "calls_due"
PHONE_SURVEY = "phone_survey"
JOB_SHOW = "job_show"
EXPORT = "export"


def cli_actor(operator: str) -> str:
    """The command line's operator as an actor (``cli:alice``)."""
    return f"cli:{operator.strip() or 'unknown'}"


async def phone_shown(
    uow: UnitOfWork,
    showings: Showing | Iterable[Showing],
    *,
    shown: str,
    now: datetime,
    staff_id: int | None = None,
    operator: str | None = None,
) -> None:
    """Record that the phone of each customer in ``showings`` was shown (``shown``: where) to
    the member of staff ``staff_id``, or to the command line's ``operator``."""
    if (staff_id is None) == (operator is None):
        raise ValueError("a phone is shown to one member of staff or one operator")
    actor = f"staff:{staff_id}" if staff_id is not None else cli_actor(operator or "")
    found = [showings] if isinstance(showings, Showing) else list(showings)
    await uow.access.record(found, actor=actor, shown=shown, at=now, staff_id=staff_id)


@dataclass(frozen=True, slots=True)
class Access:
    """A line of ``fieldbot audit access``: when, who (a staff code, or ``cli:NAME``), where
    and about which job."""

    at: datetime
    who: str
    name: str | None  # the member of staff's name
    shown: str
    job: str | None  # the job's number


async def accesses(uow: UnitOfWork, code: str) -> list[Access]:
    """Every showing of the customer's phone, oldest first."""
    row = await uow.customers.row(code.strip())
    if row is None:
        raise UnknownCustomer(f"unknown customer {code.strip()!r}", query=code.strip())
    found = await uow.access.of_customer(row.id)
    staff = await uow.staff.stored_by_ids(a.staff_id for a in found if a.staff_id is not None)
    numbers: dict[int, str] = {}
    for job_id in {a.job_id for a in found if a.job_id is not None}:
        job = await uow.jobs.get(job_id)
        if job is not None:
            numbers[job_id] = job.number
    result = []
    for a in found:
        person = None if a.staff_id is None else staff.get(a.staff_id)
        result.append(
            Access(
                at=a.at,
                who=a.actor if person is None else person.code,
                name=None if person is None else person.name,
                shown=a.shown,
                job=None if a.job_id is None else numbers.get(a.job_id),
            )
        )
    return result
