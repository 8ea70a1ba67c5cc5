"""Settlement and closing (DESIGN.md §3): what the customer owes, how it may be settled (cash
within the cash limit, held by the technician until the accountant confirms, or an invoice),
and closing a signed-off job once its fees are settled (nothing due settles by itself).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from fieldbot.clock import Clock
from fieldbot.domain.entitlement import cash_allowed
from fieldbot.domain.errors import DomainError, NotAllowed
from fieldbot.domain.model import JobState
from fieldbot.domain.money import Money
from fieldbot.domain.permissions import Permission
from fieldbot.domain.states import Action
from fieldbot.i18n import N_
from fieldbot.repositories.jobs import JobRecord
from fieldbot.repositories.people import StaffRow
from fieldbot.repositories.signoffs import Settlement
from fieldbot.services.surveys import open_survey
from fieldbot.services.workflow import (
    SYSTEM,
    InvalidInput,
    JobChange,
    JobRef,
    Notices,
    apply,
    customer_of,
    job_id,
    load_job,
    load_staff,
    notify_customer,
    record,
    require_assigned,
    require_state,
    require_supervisor,
    staff_tag,
)
from fieldbot.settings import Settings
from fieldbot.store import UnitOfWork


class CashNotAllowed(DomainError):
    code = "cash_not_allowed"


async def amount_due(uow: UnitOfWork, job: JobRecord) -> int:
    """Fen the customer owes: the latest work record that is not waiting or rejected."""
    latest = await uow.fieldwork.latest_work_record(job_id(job))
    if latest is None or latest.approval in ("pending", "rejected"):
        return 0
    return latest.amount_due_fen


async def payment_options(
    uow: UnitOfWork, settings: Settings, job: JobRecord
) -> tuple[Literal["cash", "invoice"], ...]:
    """How the money due on the job may be settled now: nothing when it is settled or nothing
    is due; cash (within the cash limit) and an invoice; else an invoice only."""
    if await uow.fieldwork.settlement(job_id(job)) is not None:
        return ()
    due = await amount_due(uow, job)
    if due <= 0:
        return ()
    if cash_allowed(Money(due), settings.cash_limit_fen):
        return ("cash", "invoice")
    return ("invoice",)


async def close_if_settled(
    uow: UnitOfWork, settings: Settings, job: JobRecord, now: datetime
) -> JobChange | None:
    """Close a signed-off job once its fees are settled; nothing due settles by itself."""
    if job.state is not JobState.SIGNED_OFF:
        return None
    settlement = await uow.fieldwork.settlement(job_id(job))
    if settlement is None:
        if await amount_due(uow, job) > 0:
            return None
        settlement = await uow.fieldwork.settle(
            job_id=job_id(job), method="none", amount_fen=0, now=now
        )
    saved = await apply(
        uow,
        job,
        Action.CLOSE,
        SYSTEM,
        now,
        settings=settings,
        payload={"settlement": settlement.method, "amount_fen": settlement.amount_fen},
    )
    notices = Notices()
    notices.add(
        await notify_customer(
            uow,
            await customer_of(uow, saved),
            N_("Job {number} is complete. Thank you for choosing us."),
            {"number": saved.number},
            now,
        )
    )
    # Every closed job gets its survey, never a sample (DESIGN.md §5).
    await open_survey(uow, settings, saved, now)
    return JobChange(saved, Action.CLOSE, job.state, notices.tuple())


@dataclass(frozen=True, slots=True)
class Payment:
    settlement: Settlement
    cash_held_fen: int  # the collector's cash not yet confirmed by the accountant
    closed: JobChange | None


async def record_payment(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    job: JobRef,
    actor: str,
    method: Literal["cash", "invoice"],
    invoice_number: str | None = None,
) -> Payment:
    """Settle the fees: cash on site when the amount due is within the cash limit (the
    technician then holds it), otherwise an invoice. A signed-off job then closes."""
    now = clock.now()
    found = await load_job(uow, job)
    require_state(found, {JobState.AWAITING_SIGNOFF, JobState.SIGNED_OFF}, "settle")
    staff = await load_staff(uow, actor)
    collector: StaffRow
    if found.technician_id == staff.id:
        collector = await require_assigned(uow, actor, found, "settle")
    elif method == "invoice":
        collector = await require_supervisor(uow, actor, found, Permission.APPROVE_FEES, "settle")
    else:
        raise NotAllowed(
            f"only the assigned technician collects cash for job {found.number}",
            staff=staff.staff.code,
        )
    due = await amount_due(uow, found)
    if method == "cash" and not cash_allowed(Money(due), settings.cash_limit_fen):
        raise CashNotAllowed(
            f"{Money(due).fen} fen is above the cash limit: issue an invoice",
            due_fen=due,
            cash_limit_fen=settings.cash_limit_fen,
        )
    number = (invoice_number or "").strip() or None
    if method not in ("cash", "invoice"):
        raise InvalidInput(f"unknown payment method {method!r}", field="method")
    settlement = await uow.fieldwork.settle(
        job_id=job_id(found),
        method=method,
        amount_fen=due,
        invoice_number=number,
        collected_by=collector.id if method == "cash" else None,
        now=now,
    )
    await record(
        uow,
        found,
        "job.settled",
        staff_tag(collector),
        now,
        {"method": method, "amount_fen": due, "invoice_number": number},
    )
    held = await uow.fieldwork.cash_held(collector.id)
    return Payment(settlement, held, await close_if_settled(uow, settings, found, now))
