"""The clocks of surveys and complaints (DESIGN.md §4): ``survey`` (from the close until it
is answered: one reminder to the customer after ``FIELDBOT_SURVEY_REMINDER_WORKING_DAYS``, the
follow-up clerk's call list at ``FIELDBOT_SURVEY_WORKING_DAYS``), ``complaint_reply`` (calendar
hours until the first reply to the customer) and ``complaint_verify`` (working days until the
customer accepts the result). The complaint clocks run the ladder of every clock
(:mod:`fieldbot.services.deadlines.ladder`); the survey clock has its own two steps, each fired
exactly once (its key is unique like every step's).

Use cases work inside the caller's unit of work and do not commit.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from fieldbot.domain.calendar import WorkCalendar
from fieldbot.domain.sla import ClockCalendar, Step, advance
from fieldbot.repositories.clocks import ClockRow
from fieldbot.services.deadlines.clocks import Calendars, fired_steps, start_clock, stop_clock
from fieldbot.settings import Settings
from fieldbot.store import UnitOfWork

SURVEY = "survey"  # subject type and clock name
COMPLAINT = "complaint"  # subject type
COMPLAINT_REPLY = "complaint_reply"
COMPLAINT_VERIFY = "complaint_verify"
# The survey clock's two steps: the reminder to the customer, the hand-over to the clerk.
SURVEY_REMINDER = Step.REMINDER
SURVEY_HANDOVER = Step.OVERDUE


def working_days(calendar: WorkCalendar, days: int) -> timedelta:
    """A number of working days as working time on the calendar (a day's nominal hours)."""
    return calendar.windows.per_day * days


async def start_survey_clock(
    uow: UnitOfWork, settings: Settings, *, survey_id: int, branch_id: int, now: datetime
) -> ClockRow:
    calendar = await Calendars(settings).of(uow, branch_id)
    started = await start_clock(
        uow,
        settings,
        subject_type=SURVEY,
        subject_id=survey_id,
        clock=SURVEY,
        calendar=ClockCalendar.WORKING,
        target=working_days(calendar, settings.survey_working_days),
        started_at=now,
        branch_id=branch_id,
        urgent=False,
        now=now,
    )
    return await uow.clocks.save(
        replace(started, wake_at=survey_instants(settings, started, calendar)[0]), now
    )


def survey_instants(
    settings: Settings, clock: ClockRow, calendar: WorkCalendar
) -> tuple[datetime, datetime]:
    """When the survey's reminder is due and when it goes to the clerk."""
    reminder = advance(
        clock.calendar,
        calendar,
        clock.started_at,
        working_days(calendar, settings.survey_reminder_working_days),
    )
    handover = advance(
        clock.calendar, calendar, clock.started_at, timedelta(seconds=clock.target_seconds)
    )
    return min(reminder, handover), handover


async def due_survey_steps(
    uow: UnitOfWork, settings: Settings, clock: ClockRow, now: datetime
) -> list[Step]:
    """Fire the survey clock's steps due at ``now`` (each once: a step fired before is not
    returned again) and schedule its next wake (none once handed over)."""
    if clock.state != "running":
        return []
    calendar = await Calendars(settings).of(uow, clock.branch_id)
    reminder, handover = survey_instants(settings, clock, calendar)
    fired = set(await fired_steps(uow, clock))
    due = [
        step
        for step, at in ((SURVEY_REMINDER, reminder), (SURVEY_HANDOVER, handover))
        if at <= now and step not in fired
    ]
    firing = [
        step
        for step in due
        if await uow.steps.fire(
            clock.subject_type, clock.subject_id, clock.clock, clock.generation, step, now
        )
    ]
    done = fired | set(firing)
    wake = (
        reminder
        if SURVEY_REMINDER not in done
        else handover
        if SURVEY_HANDOVER not in done
        else None
    )
    await uow.clocks.save(replace(clock, due_at=handover, wake_at=wake), now)
    return firing


async def stop_survey_clock(
    uow: UnitOfWork, settings: Settings, survey_id: int, now: datetime, actor: str
) -> ClockRow | None:
    return await stop_clock(
        uow, settings, subject_type=SURVEY, subject_id=survey_id, clock=SURVEY, now=now, actor=actor
    )


async def start_complaint_clocks(
    uow: UnitOfWork, settings: Settings, *, complaint_id: int, branch_id: int, now: datetime
) -> list[ClockRow]:
    """The reply clock (calendar hours) and the verify clock (working days) of a complaint."""
    calendar = await Calendars(settings).of(uow, branch_id)
    reply = await start_clock(
        uow,
        settings,
        subject_type=COMPLAINT,
        subject_id=complaint_id,
        clock=COMPLAINT_REPLY,
        calendar=ClockCalendar.CALENDAR,
        target=timedelta(hours=settings.complaint_reply_hours),
        started_at=now,
        branch_id=branch_id,
        urgent=False,
        now=now,
    )
    verify = await start_clock(
        uow,
        settings,
        subject_type=COMPLAINT,
        subject_id=complaint_id,
        clock=COMPLAINT_VERIFY,
        calendar=ClockCalendar.WORKING,
        target=working_days(calendar, settings.complaint_verify_working_days),
        started_at=now,
        branch_id=branch_id,
        urgent=False,
        now=now,
    )
    return [reply, verify]


async def stop_complaint_clock(
    uow: UnitOfWork, settings: Settings, complaint_id: int, clock: str, now: datetime, actor: str
) -> ClockRow | None:
    return await stop_clock(
        uow,
        settings,
        subject_type=COMPLAINT,
        subject_id=complaint_id,
        clock=clock,
        now=now,
        actor=actor,
    )
