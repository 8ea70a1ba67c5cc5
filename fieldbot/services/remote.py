"""Resolving a job remotely (DESIGN.md §3 Second pass, seed 004 远程协助): a consultation, or any
job fixed by phone guidance, goes from registered … scheduled to awaiting_signoff with what was
advised, without a visit. It charges nothing: its work record has no fee lines.

The customer then signs off in their own chat like any job (the summary names what was
advised), or staff record that the customer confirmed by phone (method ``phone``, weaker
evidence like the paper photo); the job then closes as usual (settlement none). Leaving
registered … scheduled stops the assign, contact and arrival clocks like any transition out of
their states (:mod:`fieldbot.services.deadlines.job_clocks`).
"""

from __future__ import annotations

from dataclasses import dataclass

from fieldbot.clock import Clock
from fieldbot.domain.errors import DomainError
from fieldbot.domain.model import JobState
from fieldbot.domain.permissions import Permission
from fieldbot.domain.states import Action
from fieldbot.domain.text import clean_text
from fieldbot.repositories.jobs import JobRecord
from fieldbot.repositories.people import StaffRow
from fieldbot.repositories.work_records import WorkRecordRow
from fieldbot.services.settlement import close_if_settled
from fieldbot.services.signoff import SignedOff, request_signoff
from fieldbot.services.signoff_summary import remote_record
from fieldbot.services.work_record import fee_record
from fieldbot.services.workflow import (
    JobChange,
    JobRef,
    apply,
    customer_of,
    job_id,
    load_job,
    load_staff,
    require_assigned,
    require_state,
    require_supervisor,
    staff_tag,
)
from fieldbot.settings import Settings
from fieldbot.store import UnitOfWork

REMOTE_STATES = frozenset(
    {JobState.REGISTERED, JobState.DISPATCHED, JobState.ACCEPTED, JobState.SCHEDULED}
)


class NotResolvedRemotely(DomainError):
    """Only a remote resolution is confirmed by phone: after a visit the customer confirms in
    the chat or signs the paper voucher."""

    code = "not_resolved_remotely"


@dataclass(frozen=True, slots=True)
class Resolved:
    change: JobChange
    record: WorkRecordRow
    signoff_link: str
    customer_in_chat: bool  # False: staff record the customer's confirmation by phone


async def _resolver(uow: UnitOfWork, actor: str, job: JobRecord, action: Action | str) -> StaffRow:
    """The job's assigned technician, or a supervisor of its branch."""
    row = await load_staff(uow, actor)
    if job.technician_id is not None and job.technician_id == row.id:
        return await require_assigned(uow, actor, job, action)
    return await require_supervisor(uow, actor, job, Permission.DISPATCH, action)


async def resolve_remotely(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    job: JobRef,
    actor: str,
    advice: str,
    expected_version: int | None = None,
) -> Resolved:
    """The supervisor or the assigned technician records what was advised (free text,
    :func:`fieldbot.domain.text.clean_text`); the job awaits the customer's sign-off."""
    now = clock.now()
    text = clean_text(advice, settings.text_max_chars)
    found = await load_job(uow, job, expected_version)
    staff = await _resolver(uow, actor, found, Action.RESOLVE_REMOTELY)
    require_state(found, REMOTE_STATES, Action.RESOLVE_REMOTELY.value)
    record, _charges = await fee_record(
        uow, settings, found, staff_id=staff.id, description=text, fees=(), now=now
    )
    saved = await apply(
        uow,
        found,
        Action.RESOLVE_REMOTELY,
        staff_tag(staff),
        now,
        settings=settings,
        payload={"work_record_id": record.id},
    )
    link, ids = await request_signoff(uow, settings, saved, record, now)
    customer = await customer_of(uow, saved)
    in_chat = customer.chat_id is not None and customer.telegram_user_id is not None
    change = JobChange(saved, Action.RESOLVE_REMOTELY, found.state, tuple(ids))
    return Resolved(change, record, link, in_chat)


async def resolved_remotely(uow: UnitOfWork, job: JobRecord) -> bool:
    """Whether the job awaits the sign-off of a remote resolution (no visit happened)."""
    if job.state is not JobState.AWAITING_SIGNOFF:
        return False
    latest = await uow.fieldwork.latest_work_record(job_id(job))
    return latest is not None and await remote_record(uow, job, latest)


async def confirm_by_phone(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    job: JobRef,
    actor: str,
    expected_version: int | None = None,
) -> SignedOff:
    """The technician or the supervisor records that the customer confirmed the remote
    resolution by phone: signed off with method ``phone`` (weaker evidence), then closed once
    settled (nothing is due)."""
    now = clock.now()
    found = await load_job(uow, job, expected_version)
    staff = await _resolver(uow, actor, found, Action.CONFIRM)
    require_state(found, {JobState.AWAITING_SIGNOFF}, Action.CONFIRM.value)
    if not await resolved_remotely(uow, found):
        raise NotResolvedRemotely(f"job {found.number} was not resolved remotely")
    saved = await apply(
        uow,
        found,
        Action.CONFIRM,
        staff_tag(staff),
        now,
        settings=settings,
        payload={"method": "phone"},
    )
    await uow.fieldwork.add_signoff(
        job_id=job_id(saved),
        outcome="confirmed",
        method="phone",
        staff_id=staff.id,
        customer_id=saved.customer_id,
        now=now,
    )
    change = JobChange(saved, Action.CONFIRM, found.state)
    return SignedOff(change, await close_if_settled(uow, settings, saved, now))
