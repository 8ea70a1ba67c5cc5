"""Complaints to the end (DESIGN.md §5 "Complaint", "Customers in the chat"): filed by the
customer (/complain), by staff for a customer, or from a low survey; numbered
``TS-YYYYMMDD-NNN``; classified by the supervisor (severity, cause: serious goes to the deputy
GM at once, ladder level 3); the reply and verify clocks on the ladder; the personal contact
recorded; the result told in writing, which the customer accepts or says is not resolved
(reopened, the manager told). Every step is an event of the complaint (its history, read by
the monthly performance).

Use cases work inside the caller's unit of work and do not commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from fieldbot.clock import Clock
from fieldbot.domain.errors import DomainError, NotAllowed
from fieldbot.domain.feedback import Cause, ContactKind, Severity
from fieldbot.domain.permissions import Permission
from fieldbot.domain.text import clean_text
from fieldbot.i18n import N_
from fieldbot.repositories.clocks import ClockRow
from fieldbot.repositories.complaints import ComplaintRow
from fieldbot.repositories.jobs import JobRecord
from fieldbot.repositories.people import CustomerRow, StaffRow
from fieldbot.services.calls import NoSuchPage
from fieldbot.services.deadlines.clocks import Calendars
from fieldbot.services.deadlines.feedback_clocks import (
    COMPLAINT,
    COMPLAINT_REPLY,
    COMPLAINT_VERIFY,
    start_complaint_clocks,
    stop_complaint_clock,
)
from fieldbot.services.deadlines.ladder import raise_level3
from fieldbot.services.recipients import managers_of, may_act_for_branch, supervisors_of
from fieldbot.services.surveys import open_candidate
from fieldbot.services.workflow import (
    customer_arg,
    customer_tag,
    load_customer,
    load_job,
    load_staff,
    notify_customer,
    notify_staff,
    require_customer_of,
    staff_tag,
)
from fieldbot.settings import Settings
from fieldbot.store import UnitOfWork

COMPLAINT_CARD_ACTION = "complaint.card"
ACCEPT_ACTION = "complaint.accept"
REJECT_ACTION = "complaint.reject"
OPEN_COMPLAINT = N_("Open complaint")
ACCEPT = N_("Accept the result")
NOT_RESOLVED = N_("Not resolved")

NEW_COMPLAINT = N_("New complaint {number} from {customer}: {description}")
REGISTERED_FOR_CUSTOMER = N_(
    "We have registered your complaint as {number}. A supervisor will contact you personally."
)
SERIOUS = N_("Serious complaint {number} from {customer}: {description}")
RESULT_TO_CUSTOMER = N_(
    "The result of your complaint {number}: {result}\nIs the matter resolved for you?"
)
ACCEPTED_TEXT = N_("The customer accepted the result of complaint {number}: resolved.")
REOPENED_TEXT = N_(
    "Complaint {number} ({customer}) is not resolved for the customer: it is reopened "
    "(reopened {times} times)."
)

FILED = "complaint.filed"
CLASSIFIED = "complaint.classified"
CONTACTED = "complaint.contacted"
RESULT_SENT = "complaint.result_sent"
ACCEPTED = "complaint.accepted"
REOPENED = "complaint.reopened"
RECENT_JOBS = 5
REGISTER_PAGE = 10


class UnknownComplaint(DomainError):
    code = "unknown_complaint"


class ComplaintState(DomainError):
    """The step does not fit where the complaint stands (``state``)."""

    code = "complaint_state"


@dataclass(frozen=True, slots=True)
class RegisterPage:
    complaints: tuple[ComplaintRow, ...]
    page: int
    pages: int
    total: int


# --- finding --------------------------------------------------------------------------------------


async def load_complaint(uow: UnitOfWork, ref: int | str) -> ComplaintRow:
    found = await (
        uow.complaints.get(ref)
        if isinstance(ref, int)
        else uow.complaints.by_number(ref.strip().upper())
    )
    if found is None:
        raise UnknownComplaint(f"no complaint {ref!r}", complaint=str(ref))
    return found


async def require_handler(uow: UnitOfWork, actor: str, complaint: ComplaintRow) -> StaffRow:
    """Who handles the complaint: a supervisor of its branch (or a manager, deputy GM)."""
    staff = await load_staff(uow, actor)
    if not await may_act_for_branch(uow, staff, complaint.branch_id, Permission.HANDLE_COMPLAINT):
        raise NotAllowed(
            f"{actor} does not handle the complaints of branch {complaint.branch_id}",
            staff=actor,
        )
    return staff


async def complaint_clocks(uow: UnitOfWork, complaint: ComplaintRow) -> list[ClockRow]:
    found = {c.clock: c for c in await uow.clocks.for_subject(COMPLAINT, complaint.id)}
    return [found[name] for name in (COMPLAINT_REPLY, COMPLAINT_VERIFY) if name in found]


async def register_page(uow: UnitOfWork, branch_id: int | None, page: int = 1) -> RegisterPage:
    """The register (of one branch, or every branch), newest first, paged like /calls."""
    total = await uow.complaints.count(branch_id)
    pages = max((total + REGISTER_PAGE - 1) // REGISTER_PAGE, 1)
    if page < 1 or page > pages:
        raise NoSuchPage(f"no page {page} of {pages}", page=page, pages=pages)
    every = await uow.complaints.register(branch_id)
    newest = list(reversed(every))
    shown = newest[(page - 1) * REGISTER_PAGE : page * REGISTER_PAGE]
    return RegisterPage(tuple(shown), page, pages, total)


async def complainable_jobs(uow: UnitOfWork, *, customer: str) -> list[JobRecord]:
    """The customer's own jobs a complaint may be about, newest first (never anyone else's)."""
    row = await load_customer(uow, customer)
    jobs = await uow.jobs.list(customer_id=row.id)
    return list(reversed(jobs[-RECENT_JOBS:]))


async def complainable_job(uow: UnitOfWork, *, job: int, customer: str) -> JobRecord:
    found = await load_job(uow, job)
    await require_customer_of(uow, customer, found, "complain about")
    return found


# --- filing ---------------------------------------------------------------------------------------


async def _event(
    uow: UnitOfWork,
    complaint: ComplaintRow,
    kind: str,
    actor: str,
    now: datetime,
    payload: Mapping[str, Any] | None = None,
) -> None:
    technician = None
    if complaint.job_id is not None:
        job = await uow.jobs.get(complaint.job_id)
        technician = None if job is None else job.technician_id
    await uow.events.append(
        actor=actor,
        kind=kind,
        subject_type=COMPLAINT,
        subject_id=complaint.id,
        payload={
            "number": complaint.number,
            "job_id": complaint.job_id,
            "technician_id": technician,
            "branch_id": complaint.branch_id,
            **dict(payload or {}),
        },
        at=now,
    )


async def _file(
    uow: UnitOfWork,
    settings: Settings,
    now: datetime,
    *,
    customer: CustomerRow,
    job: JobRecord | None,
    description: str,
    source: str,
    actor: str,
    filed_by: StaffRow | None = None,
    photos: tuple[str, ...] = (),
    survey_id: int | None = None,
) -> ComplaintRow:
    branch_id = job.branch_id if job is not None else customer.branch_id
    calendar = await Calendars(settings).of(uow, branch_id)
    number = await uow.complaints.next_number(now.astimezone(calendar.tz).date())
    complaint = await uow.complaints.add(
        number=number,
        branch_id=branch_id,
        customer_id=customer.id,
        source=source,
        description=description,
        now=now,
        job_id=None if job is None else job.id,
        survey_id=survey_id,
        filed_by=None if filed_by is None else filed_by.id,
        photos=photos,
    )
    await _event(uow, complaint, FILED, actor, now, {"source": source, "photos": len(photos)})
    await start_complaint_clocks(
        uow, settings, complaint_id=complaint.id, branch_id=branch_id, now=now
    )
    args = {
        "number": number,
        "customer": customer_arg(customer.id),
        "description": description or "—",
    }
    for row in await supervisors_of(uow, branch_id):
        await notify_staff(
            uow,
            row,
            NEW_COMPLAINT,
            args,
            now,
            buttons=((OPEN_COMPLAINT, COMPLAINT_CARD_ACTION, {"complaint_id": complaint.id}),),
        )
    if source != "customer":
        await notify_customer(uow, customer, REGISTERED_FOR_CUSTOMER, {"number": number}, now)
    return complaint


async def file_by_customer(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    customer: str,
    job: int | None,
    description: str,
    photos: tuple[str, ...] = (),
) -> ComplaintRow:
    """/complain: about one of the customer's jobs, or described; text and photos."""
    now = clock.now()
    row = await load_customer(uow, customer)
    found = None if job is None else await complainable_job(uow, job=job, customer=customer)
    text = clean_text(description, settings.text_max_chars)
    return await _file(
        uow,
        settings,
        now,
        customer=row,
        job=found,
        description=text,
        source="customer",
        actor=customer_tag(row),
        photos=photos,
    )


async def file_by_staff(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    actor: str,
    description: str,
    job: int | str | None = None,
    customer: str | None = None,
) -> ComplaintRow:
    """Staff file a complaint for a customer (from a call): about a job, or a customer."""
    now = clock.now()
    staff = await load_staff(uow, actor)
    found = None if job is None else await load_job(uow, job)
    if found is not None:
        row = await uow.customers.row_by_id(found.customer_id)
        assert row is not None
    elif customer is not None:
        row = await load_customer(uow, customer)
    else:
        raise NotAllowed("a complaint is about a job or a customer")
    branch = found.branch_id if found is not None else row.branch_id
    if not await may_act_for_branch(uow, staff, branch, Permission.HANDLE_COMPLAINT):
        raise NotAllowed(f"{actor} does not handle the complaints of branch {branch}")
    text = clean_text(description, settings.text_max_chars)
    return await _file(
        uow,
        settings,
        now,
        customer=row,
        job=found,
        description=text,
        source="staff",
        actor=staff_tag(staff),
        filed_by=staff,
    )


async def file_from_survey(
    uow: UnitOfWork, settings: Settings, clock: Clock, *, survey: int, actor: str
) -> ComplaintRow:
    """The supervisor files a survey's complaint candidate (an item rated 1)."""
    now = clock.now()
    found, staff = await open_candidate(uow, survey=survey, actor=actor)
    job = await uow.jobs.get(found.job_id)
    customer = await uow.customers.row_by_id(found.customer_id)
    assert job is not None and customer is not None
    complaint = await _file(
        uow,
        settings,
        now,
        customer=customer,
        job=job,
        description=found.comment or "",
        source="survey",
        actor=staff_tag(staff),
        filed_by=staff,
        survey_id=found.id,
    )
    await uow.surveys.save(
        replace(found, candidate_state="filed", candidate_by=staff.id, candidate_at=now), now
    )
    await uow.events.append(
        actor=staff_tag(staff),
        kind="survey.candidate_filed",
        subject_type="survey",
        subject_id=found.id,
        payload={"job_id": found.job_id, "complaint": complaint.number},
        at=now,
    )
    return complaint


# --- handling -------------------------------------------------------------------------------------


def _require_open(complaint: ComplaintRow, *states: str) -> None:
    if complaint.state not in states:
        raise ComplaintState(
            f"complaint {complaint.number} is {complaint.state}", state=complaint.state
        )


async def classify(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    complaint: int | str,
    actor: str,
    severity: str | None = None,
    cause: str | None = None,
) -> ComplaintRow:
    """Severity (general, serious) and cause (quality, not quality); a complaint becoming
    serious goes to every deputy GM at once (ladder level 3, once)."""
    now = clock.now()
    found = await load_complaint(uow, complaint)
    staff = await require_handler(uow, actor, found)
    _require_open(found, "open", "result_sent")
    new_severity = found.severity if severity is None else Severity(severity).value
    new_cause = found.cause if cause is None else Cause(cause).value
    saved = await uow.complaints.save(
        replace(found, severity=new_severity, cause=new_cause, classified_by=staff.id), now
    )
    await _event(
        uow,
        saved,
        CLASSIFIED,
        staff_tag(staff),
        now,
        {"severity": new_severity, "cause": new_cause},
    )
    if new_severity == Severity.SERIOUS and found.severity != Severity.SERIOUS:
        await raise_level3(
            uow,
            subject_type=COMPLAINT,
            subject_id=saved.id,
            clock=COMPLAINT_VERIFY,
            generation=1,
            template=SERIOUS,
            args={
                "number": saved.number,
                "customer": customer_arg(saved.customer_id),
                "description": saved.description or "—",
            },
            now=now,
        )
    return saved


async def _first_reply(
    uow: UnitOfWork, settings: Settings, complaint: ComplaintRow, now: datetime, actor: str
) -> None:
    await stop_complaint_clock(uow, settings, complaint.id, COMPLAINT_REPLY, now, actor)


async def record_contact(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    complaint: int | str,
    actor: str,
    kind: str,
    at: datetime,
    outcome: str,
) -> ComplaintRow:
    """The supervisor's personal contact with the customer: a visit or a call, when, and what
    came of it (the first reply to the customer stops the reply clock)."""
    now = clock.now()
    found = await load_complaint(uow, complaint)
    staff = await require_handler(uow, actor, found)
    _require_open(found, "open", "result_sent")
    text = clean_text(outcome, settings.text_max_chars)
    saved = await uow.complaints.save(
        replace(
            found,
            contact_kind=ContactKind(kind).value,
            contact_at=min(at, now),
            contact_outcome=text,
            contact_by=staff.id,
        ),
        now,
    )
    await _event(
        uow,
        saved,
        CONTACTED,
        staff_tag(staff),
        now,
        {"kind": saved.contact_kind, "at": min(at, now), "outcome": text},
    )
    await _first_reply(uow, settings, saved, now, staff_tag(staff))
    return saved


async def send_result(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    complaint: int | str,
    actor: str,
    result: str,
) -> ComplaintRow:
    """The result, in writing, to the customer's chat: they accept it or say it is not
    resolved."""
    now = clock.now()
    found = await load_complaint(uow, complaint)
    staff = await require_handler(uow, actor, found)
    _require_open(found, "open", "result_sent")
    text = clean_text(result, settings.text_max_chars)
    customer = await uow.customers.row_by_id(found.customer_id)
    assert customer is not None
    outbox_id = await notify_customer(
        uow,
        customer,
        RESULT_TO_CUSTOMER,
        {"number": found.number, "result": text},
        now,
        buttons=(
            (ACCEPT, ACCEPT_ACTION, {"complaint_id": found.id}),
            (NOT_RESOLVED, REJECT_ACTION, {"complaint_id": found.id}),
        ),
    )
    saved = await uow.complaints.save(
        replace(found, state="result_sent", result=text, result_at=now, result_outbox_id=outbox_id),
        now,
    )
    await _event(
        uow,
        saved,
        RESULT_SENT,
        staff_tag(staff),
        now,
        {"result": text, "in_chat": outbox_id is not None},
    )
    await _first_reply(uow, settings, saved, now, staff_tag(staff))
    return saved


async def _customers_result(
    uow: UnitOfWork, complaint: int, customer: str
) -> tuple[ComplaintRow, CustomerRow]:
    found = await load_complaint(uow, complaint)
    row = await load_customer(uow, customer)
    if found.customer_id != row.id:
        raise NotAllowed(f"complaint {found.number} is not {row.customer.code}'s")
    _require_open(found, "result_sent")
    return found, row


async def accept_result(
    uow: UnitOfWork, settings: Settings, clock: Clock, *, complaint: int, customer: str
) -> ComplaintRow:
    """The customer accepts the result: verified, the verify clock stops."""
    now = clock.now()
    found, row = await _customers_result(uow, complaint, customer)
    saved = await uow.complaints.save(replace(found, state="resolved", resolved_at=now), now)
    await _event(uow, saved, ACCEPTED, customer_tag(row), now)
    await stop_complaint_clock(uow, settings, saved.id, COMPLAINT_VERIFY, now, customer_tag(row))
    for staff in await supervisors_of(uow, saved.branch_id):
        await notify_staff(uow, staff, ACCEPTED_TEXT, {"number": saved.number}, now)
    return saved


async def reject_result(
    uow: UnitOfWork, settings: Settings, clock: Clock, *, complaint: int, customer: str
) -> ComplaintRow:
    """The customer says it is not resolved: the complaint reopens and the manager(s) and the
    branch's supervisors are told."""
    now = clock.now()
    found, row = await _customers_result(uow, complaint, customer)
    saved = await uow.complaints.save(
        replace(found, state="open", reopened=found.reopened + 1), now
    )
    await _event(uow, saved, REOPENED, customer_tag(row), now, {"times": saved.reopened})
    args = {
        "number": saved.number,
        "customer": customer_arg(saved.customer_id),
        "times": saved.reopened,
    }
    told: set[int] = set()
    for staff in [
        *await managers_of(uow, saved.branch_id),
        *await supervisors_of(uow, saved.branch_id),
    ]:
        if staff.id in told:
            continue
        told.add(staff.id)
        await notify_staff(
            uow,
            staff,
            REOPENED_TEXT,
            args,
            now,
            buttons=((OPEN_COMPLAINT, COMPLAINT_CARD_ACTION, {"complaint_id": saved.id}),),
        )
    return saved


# --- the register for the command line ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ComplaintSummary:
    complaint: ComplaintRow
    branch: str
    customer: str  # the customer's code
    job: str | None  # the job's number
    clocks: tuple[ClockRow, ...]


async def register_summaries(uow: UnitOfWork, branch: str | None = None) -> list[ComplaintSummary]:
    """The whole register in the order filed (of one branch by code), with its clocks."""
    branch_id = None
    if branch is not None:
        branch_id = await uow.branches.id_of(branch)
        if branch_id is None:
            raise UnknownComplaint(f"unknown branch {branch!r}", branch=branch)
    found = []
    codes = {}
    for complaint in await uow.complaints.register(branch_id):
        if complaint.branch_id not in codes:
            stored = await uow.branches.stored_by_ids([complaint.branch_id])
            codes[complaint.branch_id] = stored[complaint.branch_id].code
        customer = await uow.customers.row_by_id(complaint.customer_id)
        job = None if complaint.job_id is None else await uow.jobs.get(complaint.job_id)
        found.append(
            ComplaintSummary(
                complaint,
                codes[complaint.branch_id],
                "" if customer is None else customer.customer.code,
                None if job is None else job.number,
                tuple(await complaint_clocks(uow, complaint)),
            )
        )
    return found
