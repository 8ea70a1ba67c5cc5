"""Personal data on request (DESIGN.md §6, PIPL): everything held about a customer, decrypted
(``fieldbot customer export``), and the erasure of their personal data with their jobs kept,
anonymised (``fieldbot customer erase``).

What the erasure removes: name, phone (and its blind index: no phone finds them any more) and
address (the ciphertexts of nothing take their place; SQLite's ``secure_delete`` overwrites
the old cells), the site's coordinates (the branch's instead), the language, the chat binding
with every trace of that Telegram account in the conversation rows (buttons, an open form),
the outbox (every message to them or their chat: nothing more is sent to them) and the
sign-off links; and the photos of signatures (the Telegram file ids of the signed paper
voucher, receipt and quote). Afterwards the write-ahead log is checkpointed and truncated, so
no former page image of their row stays in it.

What stays: the customer's code, units and contracts, every job with its fault text, work,
fees, sign-offs (method and outcome), surveys and complaints (their texts are the service
record, as the fault is), the access log, and the event log untouched (its chain still
verifies), which gains one ``customer.erased`` event naming who erased it. Staff and cards
that refer to the customer render a dash where the name, phone or address was.

A customer with open jobs is not erased (close or cancel them first); erasing twice changes
nothing.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from fieldbot.clock import Clock
from fieldbot.domain.errors import NotAllowed
from fieldbot.domain.states import OPEN_STATES
from fieldbot.repositories.events import Event
from fieldbot.repositories.jobs import JobRecord
from fieldbot.repositories.people import CustomerRow
from fieldbot.services.access_log import EXPORT, Showing, accesses, cli_actor, phone_shown
from fieldbot.services.workflow import UnknownCustomer
from fieldbot.store import Store, UnitOfWork

CUSTOMER_ERASED = "customer.erased"


def plain(value: Any) -> Any:
    """A record as JSON data: dataclasses as objects, instants as ISO 8601 (UTC), enums as
    their values, sets sorted."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, frozenset | set):
        return sorted(plain(v) for v in value)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


async def _customer(uow: UnitOfWork, code: str) -> CustomerRow:
    row = await uow.customers.row(code.strip())
    if row is None:
        raise UnknownCustomer(f"unknown customer {code.strip()!r}", query=code.strip())
    return row


def _event(event: Event) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "at": event.at.isoformat(),
        "actor": event.actor,
        "kind": event.kind,
        "payload": event.payload,
    }


async def _job(uow: UnitOfWork, job: JobRecord) -> dict[str, Any]:
    assert job.id is not None
    data: dict[str, Any] = plain(job)
    work = uow.fieldwork
    survey = await uow.surveys.for_job(job.id)
    data.update(
        events=[_event(e) for e in await uow.events.for_subject("job", job.id)],
        work_records=plain(await work.work_records(job.id)),
        parts_used=plain(await work.part_uses(job.id)),
        signoffs=plain(await work.signoffs(job.id)),
        quote=plain(await work.latest_quote(job.id)),
        receipts=plain(await work.receipts(job.id)),
        repair_cards=plain(await work.repair_cards(job.id)),
        settlement=plain(await work.settlement(job.id)),
        survey=plain(survey),
    )
    return data


async def export_customer(
    uow: UnitOfWork, code: str, *, operator: str, now: datetime
) -> dict[str, Any]:
    """Everything held about the customer, decrypted, as JSON data; the export is itself a
    showing of their phone (an access event, in this unit of work: commit it)."""
    row = await _customer(uow, code)
    customer = row.customer
    jobs = await uow.jobs.list(customer_id=row.id)
    technicians = await uow.staff.stored_by_ids(
        j.technician_id for j in jobs if j.technician_id is not None
    )
    exported_jobs = []
    for job in jobs:
        data = await _job(uow, job)
        tech = None if job.technician_id is None else technicians.get(job.technician_id)
        data["technician"] = None if tech is None else tech.code
        exported_jobs.append(data)
    await phone_shown(uow, Showing(row.id), shown=EXPORT, now=now, operator=operator)
    messages = await uow.outbox.to_customer(row.id)
    return {
        "exported_at": now.isoformat(),
        "customer": {
            "code": customer.code,
            "name": customer.name,
            "phone": customer.phone,
            "address": customer.address,
            "location": {"latitude": customer.latitude, "longitude": customer.longitude},
            "language": plain(customer.language),
            "branch": customer.branch,
            "chat": None
            if row.telegram_user_id is None
            else {"telegram_user_id": row.telegram_user_id, "chat_id": row.chat_id},
            "notices_muted": row.notices_muted,
            "erased_at": plain(row.erased_at),
        },
        "events": [_event(e) for e in await uow.events.for_subject("customer", row.id)],
        "units": plain(await uow.equipment.of_customer(customer.code)),
        "contracts": plain(await uow.contracts.of_customer(customer.code)),
        "jobs": exported_jobs,
        "complaints": plain(await uow.complaints.of_customer(row.id)),
        "messages": [
            {
                "template": m.template,
                "method": m.method,
                "status": m.status,
                "created_at": m.created_at.isoformat(),
                "sent_at": plain(m.sent_at),
            }
            for m in messages
        ],
        "phone_shown": plain(await accesses(uow, customer.code)),
    }


@dataclass(frozen=True, slots=True)
class Erased:
    code: str
    at: datetime  # when it was erased (the first time, for ``already``)
    jobs: int  # the jobs kept, anonymised
    messages: int  # outbox messages removed
    already: bool = False  # erased before: nothing changed
    log_emptied: bool | None = None  # SQLite: the WAL truncated (None: PostgreSQL)


async def erase_customer(uow: UnitOfWork, code: str, *, operator: str, now: datetime) -> Erased:
    """Remove the customer's personal data in this unit of work (see the module's text)."""
    row = await _customer(uow, code)
    customer = row.customer
    if row.erased_at is not None:
        return Erased(customer.code, row.erased_at, 0, 0, already=True)
    jobs = await uow.jobs.list(customer_id=row.id)
    still_open = [j.number for j in jobs if j.state in OPEN_STATES]
    if still_open:
        raise NotAllowed(
            f"customer {customer.code} has open jobs ({', '.join(still_open)}): "
            "close or cancel them before erasing",
            customer=customer.code,
        )
    job_ids = [j.id for j in jobs if j.id is not None]
    await uow.fieldwork.forget_signoff_photos(job_ids)
    await uow.fieldwork.forget_receipt_photos(job_ids)
    await uow.fieldwork.forget_quote_photos(job_ids)
    if row.telegram_user_id is not None:
        await uow.buttons.forget_user(row.telegram_user_id)
        await uow.forms.clear(row.telegram_user_id)
    messages = await uow.outbox.forget_customer(row.id, row.chat_id)
    await uow.invites.forget_customer(row.id)
    branch = await uow.branches.get(customer.branch)
    assert branch is not None
    await uow.customers.erase(row.id, latitude=branch.latitude, longitude=branch.longitude, now=now)
    await uow.events.append(
        cli_actor(operator),
        CUSTOMER_ERASED,
        "customer",
        row.id,
        {"jobs": len(jobs), "messages_removed": messages},
        now,
    )
    return Erased(customer.code, now, len(jobs), messages)


async def erase(store: Store, clock: Clock, code: str, *, operator: str) -> Erased:
    """``fieldbot customer erase``: the erasure committed, then the write-ahead log emptied."""
    async with store.unit_of_work() as uow:
        erased = await erase_customer(uow, code, operator=operator, now=clock.now())
        await uow.commit()
    if erased.already:
        return erased
    return dataclasses.replace(erased, log_emptied=await store.checkpoint())
