"""The deadline sweep (DESIGN.md §4, §7): one pass over what is due at the clock's now.

The database is the only truth about what is due; whatever wakes the sweep (the runtime's
periodic task, ``fieldbot sweep`` from cron, the sandbox driver) calls :func:`sweep`, and
:func:`next_wake` says when there will be something to do.

- Deadline clocks whose ``wake_at`` has come are claimed one per unit of work (``FOR UPDATE
  SKIP LOCKED`` on PostgreSQL, so several instances share them); their due steps fire exactly
  once, together with the messages they cause.
- At the start of each branch's working day, jobs still registered when the last working day
  ended are marked ``carried_over`` and the supervisors are told (once a day: the step
  ("branch", id, "carry_over", yyyymmdd, "morning")).
- Contracts ending within ``renewal_notice_days``: the customer (when bound) and the branch's
  supervisors are told once per contract end.
- From December on, when next year's make-up working days are not known, the branch's
  supervisors and the log are warned once a week.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from fieldbot.clock import Clock
from fieldbot.domain.model import JobState
from fieldbot.domain.sla import (
    day_number,
    day_start,
    next_day_start,
    previous_day_end,
    warns_unknown_year,
    week_key,
)
from fieldbot.i18n import N_
from fieldbot.repositories.clocks import ClockRow
from fieldbot.repositories.outbox import OutboxRepository
from fieldbot.repositories.people import StaffRow
from fieldbot.services.deadlines import (
    JOB,
    JOB_CLOCK_STATES,
    Calendars,
    Fired,
    advance_ladder,
    stop_clock,
    supervisors_or_managers,
)
from fieldbot.settings import Settings
from fieldbot.store import Store, UnitOfWork

log = logging.getLogger("fieldbot.scheduler")

CARRY_OVER_TEXT = N_(
    "Good morning. Carried over from the last working day, first in your queue: {numbers}."
)
RENEWAL_CUSTOMER_TEXT = N_(
    "Your maintenance contract {number} ends on {date}. Please contact us to renew it."
)
RENEWAL_STAFF_TEXT = N_(
    "Contract {number} of {customer} ends on {date}: please arrange its renewal."
)
YEAR_UNKNOWN_TEXT = N_(
    "The official make-up working days of {year} are not known yet: add them (fieldbot calendar)."
)
JOB_CARRIED_OVER = "job.carried_over"
RETRY_FAILED_CLOCK = timedelta(minutes=5)
MAX_CLOCKS_PER_SWEEP = 10_000


@dataclass(slots=True)
class SweepReport:
    """What one pass did."""

    clocks: int = 0
    fired: list[Fired] = field(default_factory=list)
    stale_stopped: int = 0
    failed: int = 0
    carried_over: list[str] = field(default_factory=list)  # job numbers
    renewals: list[str] = field(default_factory=list)  # contract numbers
    year_warnings: list[int] = field(default_factory=list)


async def sweep(store: Store, settings: Settings, clock: Clock) -> SweepReport:
    """One pass of the work due at ``clock.now()``."""
    now = clock.now()
    report = SweepReport()
    await _sweep_branches(store, settings, now, report)
    await _sweep_renewals(store, settings, now, report)
    await _sweep_clocks(store, settings, now, report)
    return report


async def next_wake(store: Store, settings: Settings, now: datetime) -> datetime | None:
    """The earliest instant after ``now`` at which :func:`sweep` has work: a clock's next
    step or the start of a branch's next working day."""
    found: list[datetime] = []
    async with store.unit_of_work(readonly=True) as uow:
        wake = await uow.clocks.next_wake_at()
        if wake is not None:
            found.append(wake)
        calendars = Calendars(settings)
        for branch_id in await _branch_ids(uow):
            start = next_day_start(await calendars.of(uow, branch_id), now)
            if start is not None:
                found.append(start)
    later = [instant for instant in found if instant > now]
    return min(later, default=None)


async def _branch_ids(uow: UnitOfWork) -> list[int]:
    ids = []
    for code in sorted(await uow.branches.keys()):
        found = await uow.branches.id_of(code)
        if found is not None:
            ids.append(found)
    return ids


# --- clocks -----------------------------------------------------------------------------------


async def _sweep_clocks(
    store: Store, settings: Settings, now: datetime, report: SweepReport
) -> None:
    seen: set[int | None] = set()
    for _ in range(MAX_CLOCKS_PER_SWEEP):
        claimed: ClockRow | None = None
        try:
            async with store.unit_of_work() as uow:
                due = await uow.clocks.due(now, limit=1)
                if not due:
                    return
                claimed = due[0]
                if claimed.id in seen:  # never loop on a clock that stays due
                    raise RuntimeError(f"still due after its sweep (wake_at {claimed.wake_at})")
                seen.add(claimed.id)
                await _sweep_clock(uow, settings, claimed, now, report)
                await uow.commit()
            report.clocks += 1
        except Exception:
            if claimed is None:
                raise
            report.failed += 1
            log.exception(
                "deadline sweep failed for the %s clock of %s %s; trying again in %s",
                claimed.clock,
                claimed.subject_type,
                claimed.subject_id,
                RETRY_FAILED_CLOCK,
            )
            await _postpone(store, claimed, now)


async def _postpone(store: Store, clock: ClockRow, now: datetime) -> None:
    async with store.unit_of_work() as uow:
        current = await uow.clocks.get(clock.subject_type, clock.subject_id, clock.clock)
        if current is not None and current.state == "running":
            await uow.clocks.save(replace(current, wake_at=now + RETRY_FAILED_CLOCK), now)
            await uow.commit()


async def _sweep_clock(
    uow: UnitOfWork, settings: Settings, clock: ClockRow, now: datetime, report: SweepReport
) -> None:
    if clock.subject_type == JOB:
        job = await uow.jobs.get(clock.subject_id)
        states = JOB_CLOCK_STATES.get(clock.clock)
        if job is None or (states is not None and job.state not in states):
            # The transition that should have stopped it did not: stop it when the job
            # last changed rather than escalate a deadline that no longer applies.
            stopped_at = now if job is None or job.updated_at is None else job.updated_at
            await stop_clock(
                uow,
                settings,
                subject_type=clock.subject_type,
                subject_id=clock.subject_id,
                clock=clock.clock,
                now=min(stopped_at, now),
            )
            report.stale_stopped += 1
            return
    _, fired = await advance_ladder(uow, settings, clock, now)
    report.fired.extend(fired)


# --- working days: carry-over and the unknown year --------------------------------------------


async def _sweep_branches(
    store: Store, settings: Settings, now: datetime, report: SweepReport
) -> None:
    async with store.unit_of_work(readonly=True) as uow:
        branch_ids = await _branch_ids(uow)
    for branch_id in branch_ids:
        async with store.unit_of_work() as uow:
            calendar = await Calendars(settings).of(uow, branch_id)
            today = now.astimezone(calendar.tz).date()
            start = day_start(calendar, today)
            if start is None or now < start:
                continue
            if await uow.steps.fire(
                "branch", branch_id, "carry_over", day_number(today), "morning", now
            ):
                report.carried_over.extend(
                    await _carry_over(uow, branch_id, previous_day_end(calendar, today), now)
                )
            year = warns_unknown_year(calendar, today)
            if (
                year is not None
                and calendar.is_working_moment(now)
                and await uow.steps.fire(
                    "branch", branch_id, "year_unknown", year, week_key(today), now
                )
            ):
                log.warning(
                    "branch %s: the official make-up working days of %s are not known; "
                    "add them with `fieldbot calendar workday add`",
                    branch_id,
                    year,
                )
                await _tell(
                    uow,
                    await supervisors_or_managers(uow, branch_id),
                    YEAR_UNKNOWN_TEXT,
                    {"year": year},
                    now,
                    dedupe=f"year_unknown:{branch_id}:{year}:{week_key(today)}",
                )
                report.year_warnings.append(year)
            await uow.commit()


async def _carry_over(
    uow: UnitOfWork, branch_id: int, last_day_end: datetime | None, now: datetime
) -> list[str]:
    """Mark the jobs still registered at the end of the last working day and tell the
    supervisors (first in their queue; the priority stays)."""
    if last_day_end is None:
        return []
    jobs = await uow.jobs.list(
        branch_id=branch_id, states=[JobState.REGISTERED], called_before=last_day_end
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
                "system", JOB_CARRIED_OVER, JOB, listed.id, {"number": job.number}, now
            )
    if numbers:
        await _tell(
            uow,
            await supervisors_or_managers(uow, branch_id),
            CARRY_OVER_TEXT,
            {"numbers": ", ".join(numbers)},
            now,
            dedupe=f"carry_over:{branch_id}:{now.date().isoformat()}",
            priority=OutboxRepository.PRIORITY_ASSIGNMENT,
        )
    return numbers


async def _tell(
    uow: UnitOfWork,
    recipients: list[StaffRow],
    template: str,
    args: dict[str, object],
    now: datetime,
    *,
    dedupe: str,
    priority: int = OutboxRepository.PRIORITY_NORMAL,
) -> None:
    for row in recipients:
        if row.chat_id is None:
            continue
        await uow.outbox.enqueue(
            chat_id=row.chat_id,
            recipient_kind="staff",
            recipient_id=row.id,
            template=template,
            params={"args": args},
            now=now,
            priority=priority,
            dedupe_key=f"{dedupe}:{row.id}",
        )


# --- contract renewals ------------------------------------------------------------------------


async def _sweep_renewals(
    store: Store, settings: Settings, now: datetime, report: SweepReport
) -> None:
    async with store.unit_of_work() as uow:
        calendars = Calendars(settings)
        company = await calendars.of(uow, None)
        today = now.astimezone(company.tz).date()
        ending = await uow.contracts.ending_between(
            today, today + timedelta(days=settings.renewal_notice_days)
        )
        for contract in ending:
            contract_id = await uow.contracts.id_of(contract.number)
            customer = await uow.customers.row(contract.customer)
            if contract_id is None or customer is None:
                continue
            calendar = await calendars.of(uow, customer.branch_id)
            if not calendar.is_working_moment(now):
                continue  # no notices outside working hours: the next morning's sweep
            staff = await supervisors_or_managers(uow, customer.branch_id)
            if customer.chat_id is None and not staff:
                continue  # nobody to tell yet: try again at the next sweep
            if not await uow.steps.fire(
                "contract", contract_id, "renewal", day_number(contract.ends_on), "notice", now
            ):
                continue
            args: dict[str, object] = {
                "number": contract.number,
                "date": contract.ends_on.isoformat(),
            }
            if customer.chat_id is not None:
                await uow.outbox.enqueue(
                    chat_id=customer.chat_id,
                    recipient_kind="customer",
                    recipient_id=customer.id,
                    template=RENEWAL_CUSTOMER_TEXT,
                    params={"args": args},
                    now=now,
                    dedupe_key=f"renewal:{contract_id}:{contract.ends_on.isoformat()}:customer",
                )
            await _tell(
                uow,
                staff,
                RENEWAL_STAFF_TEXT,
                {**args, "customer": {"customer": customer.id, "field": "name"}},
                now,
                dedupe=f"renewal:{contract_id}:{contract.ends_on.isoformat()}",
            )
            await uow.events.append(
                "system",
                "contract.renewal_notice",
                "contract",
                contract_id,
                {"number": contract.number, "ends_on": contract.ends_on},
                now,
            )
            report.renewals.append(contract.number)
        await uow.commit()
