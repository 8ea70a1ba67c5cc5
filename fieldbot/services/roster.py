"""The staff roster (``fieldbot staff list``, DESIGN.md §8): who is active, away (until when)
and bound to a chat."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from fieldbot.domain.model import Role
from fieldbot.services.absences import away_until, today_in
from fieldbot.settings import Settings
from fieldbot.store import UnitOfWork


@dataclass(frozen=True, slots=True)
class RosterEntry:
    code: str
    name: str
    roles: tuple[Role, ...]
    branch: str | None
    active: bool
    away_until: date | None  # the last day of the leave they are on today
    bound: bool  # a Telegram chat is bound to the record


async def roster(uow: UnitOfWork, settings: Settings, now: datetime) -> list[RosterEntry]:
    """Every member of staff, by code, those who left included."""
    rows = await uow.staff.rows(active_only=False)
    branches = await uow.branches.stored_by_ids(r.branch_id for r in rows if r.branch_id)
    by_day: dict[date, list[int]] = {}
    for row in rows:  # each person's "today" is their branch's
        branch = branches.get(row.branch_id) if row.branch_id is not None else None
        tz = (branch.timezone if branch is not None else None) or settings.timezone
        by_day.setdefault(today_in(tz, now), []).append(row.id)
    away: dict[int, date] = {}
    for today, ids in by_day.items():
        away.update(await away_until(uow, ids, today))
    return [
        RosterEntry(
            code=row.staff.code,
            name=row.staff.name,
            roles=tuple(sorted(row.staff.roles)),
            branch=row.staff.branch,
            active=row.staff.active,
            away_until=away.get(row.id) if row.staff.active else None,
            bound=row.chat_id is not None,
        )
        for row in rows
    ]
