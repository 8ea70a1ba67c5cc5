"""Settlement and closing (DESIGN.md §3): what the customer owes, how it may be settled (cash
within the cash limit, held by the technician until the accountant confirms, or an invoice),
and closing a signed-off job once its fees are settled (nothing due settles by itself). An
invoice stays a receivable after the job is closed: :mod:`fieldbot.services.receivables`.
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
from fieldbot.domain.text import invoice_number as read_invoice_number
from fieldbot.i18n import N_
from fieldbot.repositories.jobs import JobRecord
from fieldbot.repositories.people import StaffRow
from fieldbot.repositories.signoffs import Settlement
from fieldbot.services.cash import cash_held
from fieldbot.services.deadlines.job_clocks import start_receivable_clock
from fieldbot.services.surveys import open_survey
from fieldbot.services.workflow import (
    CASH,
    INVOICE,
    SYSTEM,
    ButtonSpec,
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


async def payment_buttons(uow: UnitOfWork, settings: Settings, job: JobRecord) -> list[ButtonSpec]:
    """The buttons that settle the money due now (:func:`payment_options`), for the
    technician's job card and the notice that the customer confirmed."""
    ref = {"job_id": job_id(job)}
    buttons: dict[str, ButtonSpec] = {
        "cash": (CASH, "job.cash", ref),
        "invoice": (INVOICE, "job.invoice", ref),
    }
    return [buttons[option] for option in await payment_options(uow, settings, job)]


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
            informational=True,
        )
    )
    # Every closed job gets its survey, never a sample (DESIGN.md §5).
    await open_survey(uow, settings, saved, now)
    return JobChange(saved, Action.CLOSE, job.state, notices.tuple())


async def require_settler(
    uow: UnitOfWork, job: JobRecord, actor: str, method: Literal["cash", "invoice"]
) -> StaffRow:
    """Who settles the job's fees (before any is asked, so a refusal comes at the tap): the
    assigned technician (cash or invoice), or a supervisor of the branch (an invoice), while
    the job awaits or has its sign-off."""
    require_state(job, {JobState.AWAITING_SIGNOFF, JobState.SIGNED_OFF}, "settle")
    staff = await load_staff(uow, actor)
    if job.technician_id == staff.id:
        return await require_assigned(uow, actor, job, "settle")
    if method == "invoice":
        return await require_supervisor(uow, actor, job, Permission.APPROVE_FEES, "settle")
    raise NotAllowed(
        f"only the assigned technician collects cash for job {job.number}",
        staff=staff.staff.code,
    )


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
    technician then holds it), otherwise an invoice, whose number is required
    (:func:`fieldbot.domain.text.invoice_number`); the invoice stays a receivable, its clock
    running, until the accountant records it paid (:mod:`fieldbot.services.receivables`).
    A signed-off job then closes."""
    now = clock.now()
    found = await load_job(uow, job)
    collector = await require_settler(uow, found, actor, method)
    due = await amount_due(uow, found)
    if method == "cash" and not cash_allowed(Money(due), settings.cash_limit_fen):
        raise CashNotAllowed(
            f"{Money(due).fen} fen is above the cash limit: issue an invoice",
            due_fen=due,
            cash_limit_fen=settings.cash_limit_fen,
        )
    if method not in ("cash", "invoice"):
        raise InvalidInput(f"unknown payment method {method!r}", field="method")
    number: str | None = None
    if method == "invoice":
        number = read_invoice_number(invoice_number)
        if number is None:
            raise InvalidInput("not an invoice number", field="invoice_number")
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
    if method == "invoice":
        await start_receivable_clock(uow, settings, found, settlement.settled_at, now)
    held = await cash_held(uow, collector.id)
    return Payment(settlement, held, await close_if_settled(uow, settings, found, now))
