"""Calendar overrides (DESIGN.md §4): make a day a working day or a holiday, company-wide or
for one branch; the running working-hours clocks whose deadline moves follow at once. From
December on, when next year's official make-up working days are not known, the supervisors
of each branch are asked to add them, once a week (the sweep calls :func:`warn_unknown_year`).

Use cases work inside the caller's unit of work and do not commit.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

from fieldbot.clock import Clock
from fieldbot.i18n import N_
from fieldbot.services.calendars import COMPANY, require_branch
from fieldbot.services.deadlines.clocks import recompute_for_calendar
from fieldbot.services.recipients import supervisors_of
from fieldbot.services.workflow import notify_staff
from fieldbot.settings import Settings
from fieldbot.store import UnitOfWork

log = logging.getLogger("fieldbot.scheduler")

OVERRIDE_SET = "calendar.override_set"
OVERRIDE_REMOVED = "calendar.override_removed"
YEAR_UNKNOWN_TEXT = N_(
    "The official make-up working days of {year} are not known yet: add them (fieldbot calendar)."
)


async def set_override(
    uow: UnitOfWork,
    clock: Clock,
    *,
    day: date,
    is_working: bool,
    branch_code: str | None,
    actor: str,
    settings: Settings,
    note: str | None = None,
) -> bool:
    """Make ``day`` a working day or a holiday (company-wide when ``branch_code`` is None).

    Returns whether something changed; a change is recorded as an event, and the running
    working-hours clocks of the branch (company-wide: of all) whose deadline moves are
    recomputed.
    """
    if branch_code is not None:
        await require_branch(uow, branch_code)
    existing = await uow.calendar.get(day, branch=branch_code)
    if existing is not None and existing.is_working == is_working and existing.note == note:
        return False
    await uow.calendar.set(day, is_working, branch=branch_code, note=note)
    await uow.events.append(
        actor,
        OVERRIDE_SET,
        "calendar",
        branch_code or COMPANY,
        {"day": day, "is_working": is_working, "branch": branch_code},
        clock.now(),
    )
    await recompute_for_calendar(uow, settings, branch_code, clock.now(), actor)
    return True


async def remove_override(
    uow: UnitOfWork,
    clock: Clock,
    *,
    day: date,
    is_working: bool,
    branch_code: str | None,
    actor: str,
    settings: Settings,
) -> bool:
    """Remove the override of ``day`` when it is of the kind named (a holiday: ``is_working``
    False). Returns whether something changed; a change is recorded as an event, and the
    running working-hours clocks affected are recomputed."""
    if branch_code is not None:
        await require_branch(uow, branch_code)
    existing = await uow.calendar.get(day, branch=branch_code)
    if existing is None or existing.is_working != is_working:
        return False
    await uow.calendar.remove(day, branch=branch_code)
    await uow.events.append(
        actor,
        OVERRIDE_REMOVED,
        "calendar",
        branch_code or COMPANY,
        {"day": day, "is_working": is_working, "branch": branch_code},
        clock.now(),
    )
    await recompute_for_calendar(uow, settings, branch_code, clock.now(), actor)
    return True


async def warn_unknown_year(
    uow: UnitOfWork, branch_id: int, year: int, week: str, now: datetime
) -> None:
    """Warn the log and the supervisors of the branch that the official make-up working days
    of ``year`` are not known (the caller fires it once a week: ``week``)."""
    log.warning(
        "branch %s: the official make-up working days of %s are not known; "
        "add them with `fieldbot calendar workday add`",
        branch_id,
        year,
    )
    for row in await supervisors_of(uow, branch_id):
        await notify_staff(
            uow,
            row,
            YEAR_UNKNOWN_TEXT,
            {"year": year},
            now,
            dedupe_key=f"year_unknown:{branch_id}:{year}:{week}:{row.id}",
        )
