"""The contract a job is under, and what it changes (DESIGN.md §3 "Fees", §8 contracts): the
customer's contract active on the call's local date (:func:`~fieldbot.domain.entitlement.
active_contract`). Type B is charged by it; its own response times (``assign_hours``,
``arrival_working_hours``) decide the job's assign and arrival targets
(:mod:`fieldbot.services.deadlines.targets`), and the cards say so.

Use cases work inside the caller's unit of work and do not commit.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from fieldbot.domain.entitlement import active_contract
from fieldbot.domain.model import Contract, WorkKind
from fieldbot.i18n import N_
from fieldbot.repositories.jobs import JobRecord
from fieldbot.services.deadlines.targets import (
    contract_arrival_hours,
    contract_assign_hours,
    runs_arrival,
)
from fieldbot.settings import Settings
from fieldbot.store import UnitOfWork

RESPONSE_BOTH = N_("Contract response: assign {assign} h, arrive {arrival} working hours")
RESPONSE_ASSIGN = N_("Contract response: assign {assign} h")
RESPONSE_ARRIVAL = N_("Contract response: arrive {arrival} working hours")


async def contract_on(uow: UnitOfWork, customer: str, day: date) -> Contract | None:
    """The customer's contract covering ``day`` (the one ending last when several do)."""
    return active_contract(day, customer, await uow.contracts.of_customer(customer))


async def job_contract(uow: UnitOfWork, settings: Settings, job: JobRecord) -> Contract | None:
    """The contract ``job`` is under: its customer's on the local date of the call."""
    customer = await uow.customers.row_by_id(job.customer_id)
    if customer is None:
        return None
    branch = (await uow.branches.stored_by_ids([job.branch_id])).get(job.branch_id)
    tz = (branch.timezone if branch is not None else None) or settings.timezone
    day = job.called_at.astimezone(ZoneInfo(tz)).date()
    return await contract_on(uow, customer.customer.code, day)


def response_line(
    settings: Settings, job: JobRecord, contract: Contract | None
) -> dict[str, Any] | None:
    """The card's line naming the contract's own response times where they decide this
    job's targets (general priority; an emergency where the contract's is shorter), or None."""
    assign = contract_assign_hours(settings, job.priority, contract)
    arrival = None
    if runs_arrival(WorkKind(job.kind), job.priority):
        arrival = contract_arrival_hours(settings, job.zone, job.priority, contract)
    if assign is not None and arrival is not None:
        return {"t": RESPONSE_BOTH, "args": {"assign": _hours(assign), "arrival": _hours(arrival)}}
    if assign is not None:
        return {"t": RESPONSE_ASSIGN, "args": {"assign": _hours(assign)}}
    if arrival is not None:
        return {"t": RESPONSE_ARRIVAL, "args": {"arrival": _hours(arrival)}}
    return None


def _hours(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
