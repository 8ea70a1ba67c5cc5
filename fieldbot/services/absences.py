"""Staff away (DESIGN.md §6): ``/away FROM TO [reason]`` by the technician for themself or by
their supervisor, ``/back``; who is away on a day (dispatch suggestions skip them, the staff
list shows until when).

A period is days, both included, in the technician's branch calendar (its timezone). A
technician going away with open jobs: the branch's supervisors are told to reassign them, each
with its Dispatch button, and the reply lists them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from fieldbot.clock import Clock
from fieldbot.domain.errors import DomainError, NotAllowed
from fieldbot.domain.model import Role
from fieldbot.domain.permissions import Permission
from fieldbot.domain.states import OPEN_STATES
from fieldbot.domain.text import clean_text
from fieldbot.i18n import N_
from fieldbot.labels import STATE_NAMES
from fieldbot.repositories.absences import Absence
from fieldbot.repositories.jobs import JobRecord
from fieldbot.repositories.people import StaffRow
from fieldbot.services.recipients import may_act_for_branch
from fieldbot.services.workflow import (
    InvalidInput,
    day_arg,
    job_button,
    load_staff,
    notify_supervisors,
    staff_arg,
    staff_tag,
)
from fieldbot.settings import Settings
from fieldbot.store import UnitOfWork

MAX_DAYS = 366  # the longest period one /away records

AWAY_EVENT = "staff.away"
BACK_EVENT = "staff.back"
REASSIGN_IT = N_("Reassign")
GOING_AWAY = N_(
    "{technician} is away from {starts} to {ends}: job {number} ({state}) is theirs; please "
    "reassign it."
)


class AwayOverlap(DomainError):
    """The person is already away on one of those days; nothing was recorded."""

    code = "away_overlap"


class NotAway(DomainError):
    """/back from someone who is not away (nor about to be); nothing changed."""

    code = "not_away"


@dataclass(frozen=True, slots=True)
class Away:
    absence: Absence
    technician: StaffRow
    open_jobs: tuple[JobRecord, ...]  # theirs, for the supervisor to reassign
    told: tuple[int, ...]  # outbox ids of the notices to the supervisors


def today_in(tz: str, now: datetime) -> date:
    return now.astimezone(ZoneInfo(tz)).date()


async def staff_timezone(uow: UnitOfWork, settings: Settings, row: StaffRow) -> str:
    """The timezone a person's days are counted in: their branch's, else the company's."""
    if row.branch_id is None:
        return settings.timezone
    branch = (await uow.branches.stored_by_ids([row.branch_id])).get(row.branch_id)
    return (branch.timezone if branch is not None else None) or settings.timezone


async def _subject(uow: UnitOfWork, actor: StaffRow, technician: str | None) -> StaffRow:
    """Whose period it is: the actor's own (a technician), or the named technician's when the
    actor supervises their branch (:data:`Permission.MARK_AWAY`)."""
    if technician is None or technician == actor.staff.code:
        if Role.TECHNICIAN not in actor.staff.roles:
            raise NotAllowed(f"{actor.staff.code} is not a technician", staff=actor.staff.code)
        return actor
    row = await load_staff(uow, technician)
    if Role.TECHNICIAN not in row.staff.roles or not row.staff.active:
        raise NotAllowed(f"{row.staff.code} is not an active technician", staff=row.staff.code)
    branch = row.branch_id
    if branch is None or not await may_act_for_branch(uow, actor, branch, Permission.MARK_AWAY):
        raise NotAllowed(
            f"{actor.staff.code} may not mark {row.staff.code} away", staff=row.staff.code
        )
    return row


async def go_away(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    actor: str,
    starts_on: date,
    ends_on: date,
    reason: str | None = None,
    technician: str | None = None,
) -> Away:
    """Record a period of leave. Refused: a period that ends before it starts, ends in the
    past or is longer than :data:`MAX_DAYS`; one that overlaps a period already recorded."""
    now = clock.now()
    by = await load_staff(uow, actor)
    row = await _subject(uow, by, technician)
    today = today_in(await staff_timezone(uow, settings, row), now)
    if ends_on < starts_on or ends_on < today or (ends_on - starts_on).days >= MAX_DAYS:
        raise InvalidInput(f"no period {starts_on}…{ends_on}", field="period")
    text = None if reason is None else clean_text(reason, settings.text_max_chars)
    if await uow.absences.overlapping(row.id, starts_on, ends_on):
        raise AwayOverlap(f"{row.staff.code} is already away then", staff=row.staff.code)
    absence = await uow.absences.add(
        staff_id=row.id,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=text,
        recorded_by=by.id,
        now=now,
    )
    jobs = await uow.jobs.list(technician_id=row.id, states=OPEN_STATES)
    await uow.events.append(
        staff_tag(by),
        AWAY_EVENT,
        "staff",
        str(row.id),
        {
            "code": row.staff.code,
            "absence_id": absence.id,
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat(),
            "reason": text,
            "open_jobs": [job.number for job in jobs],
        },
        now,
    )
    told: list[int] = []
    for job in jobs:
        told += await notify_supervisors(
            uow,
            job,
            GOING_AWAY,
            {
                "technician": staff_arg(row.id),
                "starts": day_arg(starts_on),
                "ends": day_arg(ends_on),
                "number": job.number,
                "state": {"t": STATE_NAMES[job.state]},
            },
            now,
            buttons=[(REASSIGN_IT, "sup.suggest", job_button(job))],
        )
    return Away(absence, row, tuple(jobs), tuple(told))


async def come_back(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    actor: str,
    technician: str | None = None,
) -> Absence:
    """End the period the technician is in (or, before it starts, the next one): they are
    suggested again at once. :class:`NotAway` when there is none."""
    now = clock.now()
    by = await load_staff(uow, actor)
    row = await _subject(uow, by, technician)
    today = today_in(await staff_timezone(uow, settings, row), now)
    periods = await uow.absences.not_over([row.id], today)
    if not periods:
        raise NotAway(f"{row.staff.code} is not away", staff=row.staff.code)
    period = periods[0]
    await uow.absences.end(period.id, by=by.id, now=now)
    await uow.events.append(
        staff_tag(by),
        BACK_EVENT,
        "staff",
        str(row.id),
        {"code": row.staff.code, "absence_id": period.id},
        now,
    )
    return period


async def away_until(uow: UnitOfWork, staff_ids: Iterable[int], today: date) -> dict[int, date]:
    """Who of ``staff_ids`` is away on ``today``, and the last day of their leave (periods
    that follow on without a gap count as one)."""
    until: dict[int, date] = {}
    for period in await uow.absences.not_over(staff_ids, today):
        last = until.get(period.staff_id)
        if last is None and period.starts_on <= today:
            until[period.staff_id] = period.ends_on
        elif last is not None and period.starts_on <= last + timedelta(days=1):
            until[period.staff_id] = max(last, period.ends_on)
    return until
