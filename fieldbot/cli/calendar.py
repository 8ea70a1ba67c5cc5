"""``fieldbot calendar``: the working-hours calendar, its overrides and due instants (§4, §8)."""

from __future__ import annotations

import json
import math
import secrets
import sys
from collections.abc import Callable, Coroutine
from datetime import date, datetime, timedelta
from typing import Annotated, Any, TypeVar

import typer

from fieldbot.cli.common import clock_for, open_store, refuse, run, settings
from fieldbot.domain.calendar import DayKind, WorkCalendar
from fieldbot.domain.errors import DomainError
from fieldbot.services.calendars import YearDay, YearView
from fieldbot.settings import ENV_PREFIX, Settings
from fieldbot.store import UnitOfWork

ACTOR = "admin"
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
BranchOption = Annotated[
    str | None, typer.Option("--branch", help="a branch code; company-wide without it")
]
T = TypeVar("T")


def register(app: typer.Typer) -> None:
    calendar = typer.Typer(help="Working days and hours.", no_args_is_help=True)
    holiday = typer.Typer(help="Holiday overrides.", no_args_is_help=True)
    workday = typer.Typer(help="Working-day overrides.", no_args_is_help=True)
    app.add_typer(calendar, name="calendar")
    calendar.add_typer(holiday, name="holiday")
    calendar.add_typer(workday, name="workday")

    @calendar.command("show")
    def show(
        year: Annotated[int, typer.Argument(help="the year, e.g. 2026")],
        branch: BranchOption = None,
        as_json: Annotated[bool, typer.Option("--json", help="a list of days as JSON")] = False,
    ) -> None:
        """Working days, holidays and make-up days of a year, with the overrides."""
        from fieldbot.services.calendars import describe_year

        config = settings()
        view = _in_store(config, lambda uow: describe_year(uow, config, year, branch))
        if as_json:
            print(json.dumps([_day_json(view, d) for d in view.days], ensure_ascii=False))
        else:
            print("\n".join(year_lines(view)))

    for name, is_working, group in (("holiday", False, holiday), ("workday", True, workday)):
        _override_commands(group, name, is_working)

    @calendar.command("due")
    def due(
        start: Annotated[str, typer.Argument(help="ISO 8601; without an offset: local time")],
        hours: Annotated[str, typer.Argument(help="working hours, may be fractional")],
        branch: BranchOption = None,
    ) -> None:
        """Print the instant at which HOURS working hours after START have passed.

        Uses the configured database's overrides when it exists and is upgraded, else the
        built-in calendar; never needs the encryption key and never creates a database.
        """
        amount = _hours(hours)
        start_at = _instant(start)
        config = settings()
        calendar = run(lambda: _due_calendar(config, branch))
        begin = start_at if start_at.tzinfo else start_at.replace(tzinfo=calendar.tz)
        try:
            instant = calendar.add_working(begin, _duration(amount))
        except DomainError as exc:
            refuse(str(exc))
        except OverflowError:
            refuse(f"HOURS {hours!r}: the due instant is beyond the calendar")
        print(instant.astimezone(calendar.tz).isoformat())


async def _due_calendar(config: Settings, branch: str | None) -> WorkCalendar:
    """The calendar ``calendar due`` counts on: the database's, or the built-in one."""
    from fieldbot.crypto import Cipher
    from fieldbot.dbadmin import not_current
    from fieldbot.services.calendars import builtin_calendar, calendar_for
    from fieldbot.store import Store

    reason = await not_current(config.database_url)
    if reason is not None:
        if branch is not None:
            refuse(f"--branch {branch}: {reason}; a branch's calendar lives in the database")
        print(f"{ENV_PREFIX}DATABASE_URL: {reason}; using the built-in calendar", file=sys.stderr)
        return builtin_calendar(config)
    # Calendars and branches hold no personal data: a throwaway key instead of the real one
    # (anything that tried to decrypt would fail loudly).
    store = Store.open(config.database_url, Cipher.from_master_key(secrets.token_bytes(32)))
    try:
        async with store.unit_of_work(readonly=True) as uow:
            return await calendar_for(uow, config, branch)
    except DomainError as exc:
        refuse(str(exc))
    finally:
        await store.close()


def _override_commands(group: typer.Typer, name: str, is_working: bool) -> None:
    what = "working day" if is_working else "holiday"

    @group.command("add", help=f"Make DATE a {what} (company-wide without --branch).")
    def add(
        day: Annotated[str, typer.Argument(metavar="DATE", help="YYYY-MM-DD")],
        branch: BranchOption = None,
    ) -> None:
        from fieldbot.services.calendar_overrides import set_override

        when = _date(day)
        config = settings()
        changed = _in_store(
            config,
            lambda uow: set_override(
                uow,
                clock_for(config),
                day=when,
                is_working=is_working,
                branch_code=branch,
                actor=ACTOR,
                settings=config,
            ),
            commit=True,
        )
        scope = _scope(branch)
        if changed:
            print(f"{when.isoformat()} is now a {what} ({scope})")
        else:
            print(f"{when.isoformat()} was already a {what} ({scope}): nothing changed")

    @group.command("remove", help=f"Remove the {what} override of DATE.")
    def remove(
        day: Annotated[str, typer.Argument(metavar="DATE", help="YYYY-MM-DD")],
        branch: BranchOption = None,
    ) -> None:
        from fieldbot.services.calendar_overrides import remove_override

        when = _date(day)
        config = settings()
        changed = _in_store(
            config,
            lambda uow: remove_override(
                uow,
                clock_for(config),
                day=when,
                is_working=is_working,
                branch_code=branch,
                actor=ACTOR,
                settings=config,
            ),
            commit=True,
        )
        scope = _scope(branch)
        if changed:
            print(f"{when.isoformat()}: {what} override removed ({scope})")
        else:
            print(f"{when.isoformat()}: no {what} override ({scope}): nothing changed")

    del add, remove  # registered on the group


def _in_store(
    config: Settings,
    action: Callable[[UnitOfWork], Coroutine[Any, Any, T]],
    *,
    commit: bool = False,
) -> T:
    """Run ``action`` in one unit of work; domain refusals exit 1 with their reason."""

    async def go() -> T:
        async with open_store(config) as store, store.unit_of_work(readonly=not commit) as uow:
            result = await action(uow)
            if commit:
                await uow.commit()
            return result

    try:
        return run(go)
    except DomainError as exc:
        refuse(str(exc))


def _scope(branch: str | None) -> str:
    return "company-wide" if branch is None else f"branch {branch}"


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        refuse(f"DATE {text!r} is not a date YYYY-MM-DD")


def _instant(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        refuse(f"START {text!r} is not an ISO 8601 date and time (e.g. 2026-09-30T16:00+08:00)")


def _hours(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        refuse(f"HOURS {text!r} is not a number")
    if not math.isfinite(value) or value < 0:
        refuse(f"HOURS {text!r} must be a number of hours, zero or more")
    return value


def _duration(hours: float) -> timedelta:
    try:
        return timedelta(hours=hours)
    except OverflowError:
        refuse(f"HOURS {hours} is too large")


# --- rendering ---------------------------------------------------------------------------------


def _override_text(day: YearDay) -> str | None:
    if day.override_scope is None or day.day.override is None:
        return None
    kind = "working day" if day.day.override else "holiday"
    scope = "company-wide" if day.override_scope == "company" else "branch"
    return f"override: {kind} ({scope})"


def _day_json(view: YearView, day: YearDay) -> dict[str, Any]:
    d = day.day
    override = None if d.override is None else ("workday" if d.override else "holiday")
    return {
        "date": d.day.isoformat(),
        "weekday": WEEKDAYS[d.day.weekday()],
        "kind": d.kind.value,
        "working": d.working,
        "name": d.name,
        "override": override,
        "override_scope": day.override_scope,
        "official_known": view.official_known,
    }


def year_lines(view: YearView) -> list[str]:
    """Per month: the count of working days and every day that is not an ordinary one."""
    scope = "company-wide" if view.branch is None else f"branch {view.branch}"
    lines = [
        f"Calendar {view.year}, {scope}: {view.timezone}, working hours {view.working_hours}",
    ]
    if view.official_known:
        lines.append(f"Official make-up working days of {view.year}: known")
    else:
        lines.append(
            f"Official make-up working days of {view.year}: unknown (no official schedule in "
            "the holidays package; its holidays are estimates). Add the official days with "
            "`fieldbot calendar holiday add` / `fieldbot calendar workday add`."
        )
    overrides = len(view.overrides)
    lines.append(
        f"Working days: {view.working_days}" + (f"; overrides: {overrides}" if overrides else "")
    )
    for month in range(1, 13):
        days = [d for d in view.days if d.day.day.month == month]
        working = sum(1 for d in days if d.day.working)
        lines.append("")
        lines.append(f"{MONTHS[month - 1]} {view.year}: {working} working days")
        for item in days:
            d = item.day
            notable = d.kind in (DayKind.HOLIDAY, DayKind.MAKEUP_WORKDAY) or d.override is not None
            if not notable:
                continue
            kind = {
                DayKind.HOLIDAY: "holiday",
                DayKind.MAKEUP_WORKDAY: "make-up working day",
                DayKind.WEEKEND: "weekend",
                DayKind.WORKDAY: "workday",
            }[d.kind]
            parts = [f"  {d.day.isoformat()} {WEEKDAYS[d.day.weekday()]}", f"{kind:<19}"]
            parts.append("worked" if d.working else "off")
            override = _override_text(item)
            if override:
                parts.append(f"* {override}")
            if d.name:
                parts.append(d.name)
            lines.append("  ".join(parts))
    return lines
