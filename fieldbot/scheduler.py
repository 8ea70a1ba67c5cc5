"""The deadline sweep (DESIGN.md §4, §7): one pass over what is due at the clock's now.

The database is the only truth about what is due; whatever wakes the sweep (the runtime's
periodic task, ``fieldbot sweep`` from cron, the sandbox driver) calls :func:`sweep`, and
:func:`next_wake` says when there will be something to do.

- Deadline clocks whose ``wake_at`` has come are claimed one per unit of work (``FOR UPDATE
  SKIP LOCKED`` on PostgreSQL, so several instances share them); their due steps fire exactly
  once, together with the messages they cause.
- At the start of each branch's working day the morning carry-over runs, once a day (the step
  ("branch", id, "carry_over", yyyymmdd, "morning")): :mod:`fieldbot.services.carry_over`.
- At the end of each branch's working day its daily reports are made, once a day (the step
  ("branch", id, "daily_report", yyyymmdd, "evening")):
  :func:`fieldbot.services.daily_reports.make_daily_reports`.
- Contracts ending soon are announced: :mod:`fieldbot.services.renewals`.
- Planned maintenance visits whose day to generate has come become jobs, and visits whose
  window ended are judged made or missed, each once: :mod:`fieldbot.services.maintenance`.
- From December on, when next year's make-up working days are not known, the branch's
  supervisors and the log are warned once a week:
  :func:`fieldbot.services.calendar_overrides.warn_unknown_year`.

The sweep only decides when each of these is due and calls the service that does it.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from fieldbot.clock import Clock
from fieldbot.domain.sla import (
    carry_over_cutoff,
    day_end,
    day_number,
    day_start,
    next_day_end,
    next_day_start,
    warns_unknown_year,
    week_key,
)
from fieldbot.i18n import Catalogs
from fieldbot.logs import bind, log_context
from fieldbot.repositories.clocks import ClockRow
from fieldbot.services.calendar_overrides import warn_unknown_year
from fieldbot.services.carry_over import carry_over
from fieldbot.services.daily_reports import file_reports, prepare_reports, render_files
from fieldbot.services.deadlines.clocks import JOB, Calendars, stop_clock
from fieldbot.services.deadlines.feedback_clocks import SURVEY
from fieldbot.services.deadlines.ladder import Fired, advance_ladder
from fieldbot.services.deadlines.targets import JOB_CLOCK_STATES
from fieldbot.services.maintenance import generate_visit, judge_visit, latest_local_day
from fieldbot.services.renewals import notify_renewals
from fieldbot.services.surveys import sweep_survey
from fieldbot.settings import Settings
from fieldbot.store import Store, UnitOfWork

log = logging.getLogger("fieldbot.scheduler")

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
    maintenance_jobs: list[str] = field(default_factory=list)  # job numbers generated
    visits_missed: list[str] = field(default_factory=list)  # job numbers of missed visits
    year_warnings: list[int] = field(default_factory=list)
    daily_reports: list[str] = field(default_factory=list)  # "SH01 2026-09-14"


async def sweep(
    store: Store, settings: Settings, clock: Clock, catalogs: Catalogs | None = None
) -> SweepReport:
    """One pass of the work due at ``clock.now()`` (``catalogs``: the texts the report files
    are written in, loaded when needed without them)."""
    now = clock.now()
    report = SweepReport()
    await _sweep_branches(store, settings, now, report)
    await _sweep_renewals(store, settings, now, report)
    await _sweep_maintenance(store, settings, clock, report)
    await _sweep_clocks(store, settings, now, report)
    # last: what the clocks fired at the end of the day is in the day's report
    await _sweep_daily_reports(store, settings, now, report, catalogs)
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
            calendar = await calendars.of(uow, branch_id)
            for instant in (next_day_start(calendar, now), next_day_end(calendar, now)):
                if instant is not None:
                    found.append(instant)
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
            with log_context():
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
        if job is not None:
            bind(job=job.number)  # the lines of this clock's unit of work name the job
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
    if clock.subject_type == SURVEY:
        # the survey's own two steps: the reminder, then the follow-up clerk's list
        await sweep_survey(uow, settings, clock, now)
        return
    _, fired = await advance_ladder(uow, settings, clock, now)
    for step in fired:
        log.info(
            "%s clock: %s fired, %d message(s)", clock.clock, step.step.value, len(step.messages)
        )
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
                    await carry_over(uow, branch_id, carry_over_cutoff(calendar, today), now)
                )
            year = warns_unknown_year(calendar, today)
            if (
                year is not None
                and calendar.is_working_moment(now)
                and await uow.steps.fire(
                    "branch", branch_id, "year_unknown", year, week_key(today), now
                )
            ):
                await warn_unknown_year(uow, branch_id, year, week_key(today), now)
                report.year_warnings.append(year)
            await uow.commit()


# --- the end of the working day: daily reports -----------------------------------------------


async def _sweep_daily_reports(
    store: Store,
    settings: Settings,
    now: datetime,
    report: SweepReport,
    catalogs: Catalogs | None,
) -> None:
    due: list[tuple[str, int, date]] = []
    async with store.unit_of_work(readonly=True) as uow:
        for code in sorted(await uow.branches.keys()):
            branch_id = await uow.branches.require_id(code)
            calendar = await Calendars(settings).of(uow, branch_id)
            today = now.astimezone(calendar.tz).date()
            end = day_end(calendar, today)
            key = ("branch", branch_id, "daily_report", day_number(today), "evening")
            if end is not None and now >= end and await uow.steps.get(*key) is None:
                due.append((code, branch_id, today))
    for code, branch_id, today in due:
        async with store.unit_of_work(readonly=True) as uow:
            prepared = await prepare_reports(uow, settings, code, today, now)
        if catalogs is None:
            catalogs = Catalogs.load()
        # the files take a while to draw: in a thread, outside any transaction
        prepared = await asyncio.to_thread(render_files, prepared, catalogs.translator)
        async with store.unit_of_work() as uow:
            if not await uow.steps.fire(
                "branch", branch_id, "daily_report", day_number(today), "evening", now
            ):
                continue
            await file_reports(uow, prepared, now)
            await uow.commit()
        report.daily_reports.append(f"{code} {today.isoformat()}")


# --- contract renewals ------------------------------------------------------------------------


async def _sweep_renewals(
    store: Store, settings: Settings, now: datetime, report: SweepReport
) -> None:
    async with store.unit_of_work() as uow:
        report.renewals.extend(await notify_renewals(uow, settings, now))
        await uow.commit()


# --- planned maintenance ----------------------------------------------------------------------


async def _sweep_maintenance(
    store: Store, settings: Settings, clock: Clock, report: SweepReport
) -> None:
    """Each due visit in its own unit of work; the visit's row is claimed by a conditional
    update in it, so a visit is generated (and judged) once, also with several instances."""
    now = clock.now()
    latest = latest_local_day(now)
    async with store.unit_of_work(readonly=True) as uow:
        to_generate = [row.id for row in await uow.maintenance.due_to_generate(latest)]
        to_judge = [row.id for row in await uow.maintenance.due_to_judge(latest)]
    for row_id in to_generate + to_judge:
        try:
            async with store.unit_of_work() as uow:
                if row_id in to_generate:
                    job = await generate_visit(uow, settings, clock, row_id)
                    if job is not None:
                        report.maintenance_jobs.append(job.number)
                else:
                    missed = await judge_visit(uow, settings, row_id, now)
                    if missed is not None:
                        report.visits_missed.append(missed)
                await uow.commit()
        except Exception:
            report.failed += 1
            log.exception("planned maintenance visit %s failed; trying again later", row_id)
