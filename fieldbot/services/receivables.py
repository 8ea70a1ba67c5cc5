"""Receivables (DESIGN.md §3 "Invoices and receivables"): an invoice issued at settlement stays
unpaid after its job is closed until the accountant records it paid; its clock (§4
``receivable``) takes it to the accountants and the branch's supervisors when it is older than
``FIELDBOT_RECEIVABLE_DAYS``.

``unpaid`` lists them oldest first (the chat's /receivables pages them, ``fieldbot receivables
list`` prints them); ``record_paid`` records one paid, once.

Use cases work inside the caller's unit of work and do not commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from fieldbot.clock import Clock
from fieldbot.domain.errors import DomainError, NotAllowed
from fieldbot.domain.permissions import Permission, covers_branch
from fieldbot.repositories.signoffs import Receivable, Settlement
from fieldbot.services.calendars import require_branch
from fieldbot.services.calls import NoSuchPage
from fieldbot.services.deadlines.job_clocks import stop_receivable_clock
from fieldbot.services.deadlines.targets import receivable_target
from fieldbot.services.workflow import (
    load_job,
    load_staff,
    record,
    require_permission,
    staff_tag,
)
from fieldbot.settings import Settings
from fieldbot.store import UnitOfWork

PAGE_SIZE = 20
PAID = "job.invoice_paid"  # the audit event


class UnknownInvoice(DomainError):
    """No invoice behind that (a tampered button, or the job was settled otherwise)."""

    code = "unknown_invoice"


class AlreadyPaid(DomainError):
    """The invoice was recorded paid before (a stale or repeated Paid); ``paid_by`` is the
    staff id and ``paid_at`` the instant of that record."""

    code = "already_paid"


@dataclass(frozen=True, slots=True)
class Unpaid:
    """One unpaid invoice as the lists show it (codes for the command line, ids for the chat)."""

    settlement_id: int
    job_id: int
    job_number: str
    branch: str
    customer: str  # the customer's code
    customer_id: int
    amount_fen: int
    invoice_number: str | None
    issued_at: datetime
    due_at: datetime
    days_open: int  # whole days since the invoice was issued
    overdue: bool


@dataclass(frozen=True, slots=True)
class UnpaidPage:
    invoices: list[Unpaid]
    page: int  # 1-based
    pages: int  # at least 1
    total: int
    total_fen: int  # of every unpaid invoice listed, not only this page's

    @property
    def next_page(self) -> int | None:
        return self.page + 1 if self.page < self.pages else None


def _unpaid(
    settings: Settings, found: Receivable, branch: str, customer: str, now: datetime
) -> Unpaid:
    settlement = found.settlement
    due = settlement.settled_at + receivable_target(settings)
    return Unpaid(
        settlement_id=settlement.id,
        job_id=settlement.job_id,
        job_number=found.job_number,
        branch=branch,
        customer=customer,
        customer_id=found.customer_id,
        amount_fen=settlement.amount_fen,
        invoice_number=settlement.invoice_number,
        issued_at=settlement.settled_at,
        due_at=due,
        days_open=max((now - settlement.settled_at) // timedelta(days=1), 0),
        overdue=now > due,
    )


async def unpaid(
    uow: UnitOfWork, settings: Settings, now: datetime, branch: str | None = None
) -> list[Unpaid]:
    """The invoices not yet recorded paid, of a branch (every branch when None), oldest
    first; overdue once older than ``FIELDBOT_RECEIVABLE_DAYS``."""
    branch_id: int | None = None
    if branch is not None:
        await require_branch(uow, branch)
        branch_id = await uow.branches.require_id(branch)
    found = await uow.fieldwork.receivables(branch_id)
    branches = await uow.branches.stored_by_ids(r.branch_id for r in found)
    customers = await uow.customers.stored_by_ids(r.customer_id for r in found)
    return [
        _unpaid(settings, r, branches[r.branch_id].code, customers[r.customer_id].code, now)
        for r in found
    ]


async def unpaid_page(
    uow: UnitOfWork,
    settings: Settings,
    now: datetime,
    branch: str | None,
    page: int = 1,
    size: int = PAGE_SIZE,
) -> UnpaidPage:
    """A page of :func:`unpaid` (:class:`~fieldbot.services.calls.NoSuchPage` past the last)."""
    found = await unpaid(uow, settings, now, branch)
    pages = max(1, -(-len(found) // size))
    if page < 1 or page > pages:
        raise NoSuchPage("past the last page", page=page, pages=pages)
    start = (page - 1) * size
    return UnpaidPage(
        found[start : start + size], page, pages, len(found), sum(u.amount_fen for u in found)
    )


@dataclass(frozen=True, slots=True)
class PaidInvoice:
    settlement: Settlement
    job_number: str


async def record_paid(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    settlement_id: int,
    actor: str,
) -> PaidInvoice:
    """The accountant records an invoice paid: once (a second record, or a stale Paid, is
    :class:`AlreadyPaid` and changes nothing); the receivable clock stops."""
    now = clock.now()
    staff = await load_staff(uow, actor)
    require_permission(staff, Permission.RECORD_PAYMENT, "record_payment")
    found = await uow.fieldwork.settlement_by_id(settlement_id)
    if found is None or found.method != "invoice":
        raise UnknownInvoice(f"no invoice {settlement_id}", settlement=settlement_id)
    job = await load_job(uow, found.job_id)
    if not covers_branch(staff.branch_id, job.branch_id):
        raise NotAllowed(
            f"{actor} does not record payments of the branch of job {job.number}", staff=actor
        )
    if found.paid_at is not None or not await uow.fieldwork.record_paid(
        settlement_id, staff.id, now
    ):
        before = await uow.fieldwork.settlement_by_id(settlement_id)
        assert before is not None
        raise AlreadyPaid(
            f"the invoice of job {job.number} was recorded paid already",
            paid_by=before.paid_by,
            paid_at=before.paid_at,
            job=job.number,
        )
    tag = staff_tag(staff)
    await stop_receivable_clock(uow, settings, found.job_id, now, tag)
    await record(
        uow,
        job,
        PAID,
        tag,
        now,
        {"invoice_number": found.invoice_number, "amount_fen": found.amount_fen},
    )
    paid = await uow.fieldwork.settlement_by_id(settlement_id)
    assert paid is not None
    return PaidInvoice(paid, job.number)
