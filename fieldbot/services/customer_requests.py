"""A customer's own request (DESIGN.md §5 "Customers in the chat"): a bound customer reports
a fault at any hour — which of their units, what is wrong (text, photos), how urgent — and it
becomes a registered job through the one intake (:func:`fieldbot.services.jobs.register_job`:
type and zone derived), channel Telegram, marked as the customer's own request. The branch's
supervisors (:func:`fieldbot.services.recipients.supervisors_of`) get it with a button to open
it; its first-reply clock (§4, ``FIELDBOT_FIRST_REPLY_HOURS``) runs until a staff member
replies to the customer from the job card (:func:`reply_to_customer`) or dispatches it.

Use cases work inside the caller's unit of work and do not commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fieldbot.clock import Clock
from fieldbot.domain.errors import DomainError, NotAllowed
from fieldbot.domain.model import Channel, Equipment, Priority, WorkKind
from fieldbot.domain.permissions import Permission
from fieldbot.domain.states import OPEN_STATES
from fieldbot.domain.text import clean_text
from fieldbot.i18n import N_
from fieldbot.labels import PRIORITY_NAMES
from fieldbot.repositories.jobs import JobRecord
from fieldbot.repositories.people import StaffRow
from fieldbot.services.deadlines.clocks import JOB, stop_clock
from fieldbot.services.jobs import EquipmentNotCustomers, parse_choice, register_job
from fieldbot.services.workflow import (
    JOB_CARD_ACTION,
    customer_arg,
    customer_of,
    customer_tag,
    job_id,
    load_customer,
    load_job,
    notify_customer,
    notify_supervisors,
    record,
    require_state,
    require_supervisor,
    staff_arg,
    staff_tag,
)
from fieldbot.settings import Settings
from fieldbot.store import UnitOfWork

# The most photos one request keeps (their Telegram file ids).
MAX_PHOTOS = 10
OWN_REQUEST_PHOTOS = "job.fault_photos"
CUSTOMER_REPLIED = "job.customer_replied"
OPEN_JOB = N_("Open job")

NEW_REQUEST_TEXT = N_(
    "New request from the customer in the chat: job {number}, {customer}, {priority}. "
    "Fault: {fault}"
)
NEW_REQUEST_PHOTOS = N_(
    "New request from the customer in the chat: job {number}, {customer}, {priority}, "
    "{photos} photo(s). Fault: {fault}"
)
REPLY_TEXT = N_("Job {number}, a message from {name}: {text}")


class NoUnits(DomainError):
    """The customer has no equipment on record: they are told whom to call."""

    code = "no_units"


class CustomerNotBound(DomainError):
    """The customer cannot be written to in the chat (not bound to Telegram)."""

    code = "customer_not_bound"


class NotOwnRequest(DomainError):
    code = "not_own_request"


async def units_of(uow: UnitOfWork, customer: str) -> list[Equipment]:
    """The customer's own units (``customer`` a code), by serial; nobody else's."""
    return sorted(await uow.equipment.of_customer(customer), key=lambda unit: unit.serial)


def kind_for(priority: Priority) -> WorkKind:
    """A consultation when the customer asked for one, else a repair (DESIGN.md §3 "Kinds")."""
    return WorkKind.CONSULTATION if priority is Priority.CONSULT else WorkKind.REPAIR


@dataclass(frozen=True, slots=True)
class Reported:
    job: JobRecord
    notified: tuple[int, ...]


async def report_fault(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    customer: str,
    equipment: str,
    fault: str,
    priority: Priority | str,
    photos: Sequence[str] = (),
) -> Reported:
    """Register the customer's own request (``customer`` their code, ``equipment`` a serial
    of theirs) and tell the branch's supervisors, with a button opening the job."""
    row = await load_customer(uow, customer)
    units = await units_of(uow, row.customer.code)
    if not units:
        raise NoUnits(f"customer {row.customer.code} has no equipment", customer=customer)
    serials = {unit.serial.upper(): unit.serial for unit in units}
    serial = serials.get(equipment.strip().upper())
    if serial is None:
        raise EquipmentNotCustomers(
            f"equipment {equipment!r} is not customer {row.customer.code}'s",
            serial=equipment,
            customer=row.customer.code,
        )
    text = clean_text(fault, settings.text_max_chars)
    level = parse_choice(Priority, priority, "priority")
    job = await register_job(
        uow,
        settings,
        clock,
        customer=row.customer.code,
        equipment=serial,
        kind=kind_for(level),
        priority=level,
        fault=text,
        actor=customer_tag(row),
        channel=Channel.TELEGRAM,
        own_request=True,
    )
    kept = [str(p) for p in photos][:MAX_PHOTOS]
    now = clock.now()
    if kept:
        await record(uow, job, OWN_REQUEST_PHOTOS, customer_tag(row), now, {"photos": kept})
    args = {
        "number": job.number,
        "customer": customer_arg(row.id),
        "priority": {"t": PRIORITY_NAMES[level]},
        "fault": text,
        "photos": len(kept),
    }
    ids = await notify_supervisors(
        uow,
        job,
        NEW_REQUEST_PHOTOS if kept else NEW_REQUEST_TEXT,
        args,
        now,
        buttons=[(OPEN_JOB, JOB_CARD_ACTION, {"job_id": job_id(job)})],
    )
    return Reported(job, tuple(ids))


async def fault_photos(uow: UnitOfWork, job: JobRecord) -> list[str]:
    """The Telegram file ids of the photos the customer sent with their request."""
    found: list[str] = []
    for event in await uow.events.for_subject("job", job_id(job)):
        if event.kind == OWN_REQUEST_PHOTOS:
            found.extend(str(p) for p in event.payload.get("photos", []))
    return found


@dataclass(frozen=True, slots=True)
class Replied:
    job: JobRecord
    message_id: int
    first: bool  # this reply stopped the first-reply clock


async def replyable(uow: UnitOfWork, *, job: int | str, actor: str) -> tuple[JobRecord, StaffRow]:
    """The customer's own request ``actor`` (a supervisor of its branch) may reply to, and
    the supervisor."""
    found = await load_job(uow, job)
    row = await require_supervisor(
        uow, actor, found, Permission.REGISTER_JOB, "reply to the customer"
    )
    if not found.own_request:
        raise NotOwnRequest(f"job {found.number} is not a customer's own request", job=found.number)
    require_state(found, OPEN_STATES, "reply to the customer about")
    customer = await customer_of(uow, found)
    if customer.chat_id is None:
        raise CustomerNotBound(f"the customer of job {found.number} is not in the chat")
    return found, row


async def reply_to_customer(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    job: int | str,
    actor: str,
    text: str,
) -> Replied:
    """A staff member's reply to the customer from the job card, delivered in the customer's
    chat with the writer's name (never their phone); it stops the first-reply clock."""
    now = clock.now()
    found, row = await replyable(uow, job=job, actor=actor)
    body = clean_text(text, settings.text_max_chars)
    customer = await customer_of(uow, found)
    message_id = await notify_customer(
        uow,
        customer,
        REPLY_TEXT,
        {"number": found.number, "name": staff_arg(row.id), "text": body},
        now,
    )
    if message_id is None:  # not bound (checked above): never silently lost
        raise NotAllowed(f"the customer of job {found.number} cannot be written to")
    await record(uow, found, CUSTOMER_REPLIED, staff_tag(row), now, {"text": body})
    before = await uow.clocks.get(JOB, job_id(found), "first_reply")
    first = before is not None and before.state != "stopped"
    if first:
        await stop_clock(
            uow,
            settings,
            subject_type=JOB,
            subject_id=job_id(found),
            clock="first_reply",
            now=now,
            actor=staff_tag(row),
        )
    return Replied(found, message_id, first)
