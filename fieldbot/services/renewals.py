"""Contract renewals (DESIGN.md §3): a maintenance contract ending within
``FIELDBOT_RENEWAL_NOTICE_DAYS`` is announced once per contract end, in working hours, to the
customer (when bound) and to the supervisors of the customer's branch. The sweep calls
:func:`notify_renewals`.

Use cases work inside the caller's unit of work and do not commit.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from fieldbot.domain.sla import day_number
from fieldbot.i18n import N_
from fieldbot.services.deadlines.clocks import Calendars
from fieldbot.services.recipients import supervisors_of
from fieldbot.services.workflow import (
    SYSTEM,
    customer_arg,
    day_arg,
    notify_customer,
    notify_staff,
)
from fieldbot.settings import Settings
from fieldbot.store import UnitOfWork

RENEWAL_CUSTOMER_TEXT = N_(
    "Your maintenance contract {number} ends on {date}. Please contact us to renew it."
)
RENEWAL_STAFF_TEXT = N_(
    "Contract {number} of {customer} ends on {date}: please arrange its renewal."
)
RENEWAL_NOTICE = "contract.renewal_notice"


async def notify_renewals(uow: UnitOfWork, settings: Settings, now: datetime) -> list[str]:
    """Tell the customer and the supervisors about each contract ending soon, once per
    contract end; outside working hours (or with nobody to tell yet) a contract waits for a
    later sweep. Returns the contract numbers announced now."""
    calendars = Calendars(settings)
    company = await calendars.of(uow, None)
    today = now.astimezone(company.tz).date()
    ending = await uow.contracts.ending_between(
        today, today + timedelta(days=settings.renewal_notice_days)
    )
    announced: list[str] = []
    for contract in ending:
        contract_id = await uow.contracts.id_of(contract.number)
        customer = await uow.customers.row(contract.customer)
        if contract_id is None or customer is None:
            continue
        calendar = await calendars.of(uow, customer.branch_id)
        if not calendar.is_working_moment(now):
            continue  # no notices outside working hours: the next morning's sweep
        staff = await supervisors_of(uow, customer.branch_id)
        if customer.chat_id is None and not staff:
            continue  # nobody to tell yet: try again at the next sweep
        if not await uow.steps.fire(
            "contract", contract_id, "renewal", day_number(contract.ends_on), "notice", now
        ):
            continue
        args: dict[str, object] = {"number": contract.number, "date": day_arg(contract.ends_on)}
        dedupe = f"renewal:{contract_id}:{contract.ends_on.isoformat()}"
        await notify_customer(
            uow, customer, RENEWAL_CUSTOMER_TEXT, args, now, dedupe_key=f"{dedupe}:customer"
        )
        for row in staff:
            await notify_staff(
                uow,
                row,
                RENEWAL_STAFF_TEXT,
                {**args, "customer": customer_arg(customer.id)},
                now,
                dedupe_key=f"{dedupe}:{row.id}",
            )
        await uow.events.append(
            SYSTEM,
            RENEWAL_NOTICE,
            "contract",
            contract_id,
            {"number": contract.number, "ends_on": contract.ends_on},
            now,
        )
        announced.append(contract.number)
    return announced
