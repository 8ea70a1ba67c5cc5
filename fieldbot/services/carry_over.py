"""The morning carry-over (DESIGN.md §3, §4): jobs called on an earlier day and still
registered when a branch's working day starts (:func:`fieldbot.domain.sla.carry_over_cutoff`:
the night and the days off since the last working day included) are marked ``carried_over``
(first in the supervisor's queue; the priority stays) and the supervisors of the branch are
told, once a day. The sweep decides when a branch's morning has come and calls
:func:`carry_over`.

Use cases work inside the caller's unit of work and do not commit.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from fieldbot.domain.model import JobState
from fieldbot.i18n import N_
from fieldbot.repositories.outbox import OutboxRepository
from fieldbot.services.recipients import supervisors_of
from fieldbot.services.workflow import SYSTEM, notify_staff
from fieldbot.store import UnitOfWork

CARRY_OVER_TEXT = N_(
    "Good morning. Carried over from the last working day, first in your queue: {numbers}."
)
JOB_CARRIED_OVER = "job.carried_over"


async def carry_over(
    uow: UnitOfWork, branch_id: int, called_before: datetime, now: datetime
) -> list[str]:
    """Mark the jobs of the branch called before ``called_before`` and still registered, and
    tell the supervisors (first in their queue; the priority stays). Returns the numbers."""
    jobs = await uow.jobs.list(
        branch_id=branch_id, states=[JobState.REGISTERED], called_before=called_before
    )
    numbers: list[str] = []
    for listed in jobs:
        assert listed.id is not None
        job = await uow.jobs.get_for_update(listed.id)
        if job is None or job.state is not JobState.REGISTERED:
            continue
        numbers.append(job.number)
        if not job.carried_over:
            await uow.jobs.update(replace(job, carried_over=True), now)
            await uow.events.append(
                SYSTEM, JOB_CARRIED_OVER, "job", listed.id, {"number": job.number}, now
            )
    if numbers:
        dedupe = f"carry_over:{branch_id}:{now.date().isoformat()}"
        for row in await supervisors_of(uow, branch_id):
            await notify_staff(
                uow,
                row,
                CARRY_OVER_TEXT,
                {"numbers": ", ".join(numbers)},
                now,
                priority=OutboxRepository.PRIORITY_ASSIGNMENT,
                dedupe_key=f"{dedupe}:{row.id}",
            )
    return numbers
