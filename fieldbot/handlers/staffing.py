"""Staff who leave or are away (DESIGN.md §6): the manager's ``/leave CODE`` (what it will do,
then Confirm), ``/away FROM TO [reason]`` by a technician for themself or ``/away T01 FROM TO
[reason]`` by their supervisor, and ``/back`` (``/back T01``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fieldbot.domain.errors import NotAllowed
from fieldbot.domain.permissions import Permission
from fieldbot.domain.text import normalise, split_words
from fieldbot.handlers.routes import Route, action, command
from fieldbot.handlers.turn import Turn
from fieldbot.i18n import N_
from fieldbot.services import absences, offboarding
from fieldbot.services.offboarding import Departure, LeavePlan
from fieldbot.services.workflow import CONFIRM, day_arg, money_arg, staff_arg

LEAVE_USAGE = N_("Send /leave and the staff code, e.g. /leave T01. Nothing was changed.")
LEAVE_PLAN = N_(
    "{name} ({code}) leaves the company now: the bot stops answering them at once.\n"
    "Back to the queue: {requeued}\nKept where they are, listed to the supervisor: {kept}\n"
    "Van stock to {store}: {stock}\nCash held, to the supervisor: {cash}\n"
    "Tap Confirm to go ahead."
)
LEFT = N_(
    "{name} ({code}) has left. {requeued} jobs are back in the queue, {kept} kept as they "
    "are; the van stock is in {store}; cash {cash} is with {receiver} pending the "
    "accountant; {invites} unused invites revoked."
)
LEFT_NO_CASH = N_(
    "{name} ({code}) has left. {requeued} jobs are back in the queue, {kept} kept as they "
    "are; the van stock is in {store}; no cash was held; {invites} unused invites revoked."
)
ALREADY_LEFT = N_("{name} ({code}) already left on {day}. Nothing was changed.")
NONE = N_("none")
AWAY_USAGE = N_(
    "Send /away FROM TO and a reason if you like, with dates like 2026-09-21 (a supervisor: "
    "/away T01 FROM TO). Nothing was changed."
)
AWAY_SELF = N_("You are away from {starts} to {ends}: no jobs are suggested for you then.")
AWAY_OTHER = N_("{technician} is away from {starts} to {ends}: no jobs are suggested for them.")
AWAY_JOBS = N_("Open jobs to reassign (the supervisor is told): {jobs}")
BACK_SELF = N_("Welcome back: you are suggested for jobs again.")
BACK_OTHER = N_("{technician} is back: suggested for jobs again.")


def routes() -> list[Route]:
    return [
        command("leave", leave_command, "staff", Permission.OFFBOARD_STAFF),
        action("staff.leave", leave_pressed, "staff", Permission.OFFBOARD_STAFF),
        # a technician for themself, a supervisor for a technician of the branch: the service
        # checks which
        command("away", away_command, "staff"),
        command("back", back_command, "staff"),
    ]


def _numbers(jobs: Any) -> str:
    return ", ".join(job.number for job in jobs)


def _plan_args(plan: LeavePlan) -> dict[str, Any]:
    none: dict[str, Any] = {"t": NONE}
    requeued = _numbers((*plan.requeue, *plan.from_site))
    kept = _numbers(plan.kept)
    stock = ", ".join(f"{level.part} × {level.quantity}" for level in plan.stock)
    return {
        "name": staff_arg(plan.staff.id),
        "code": plan.staff.staff.code,
        "requeued": requeued or none,
        "kept": kept or none,
        "store": plan.store,
        "stock": stock or none,
        "cash": money_arg(plan.cash_fen),
    }


async def _already_left(turn: Turn, departure: Departure | LeavePlan, day: Any) -> None:
    plan = departure.plan if isinstance(departure, Departure) else departure
    await turn.reply(
        ALREADY_LEFT,
        args={"name": staff_arg(plan.staff.id), "code": plan.staff.staff.code, "day": day},
    )


async def leave_command(turn: Turn, args: str) -> None:
    words, _ = split_words(args, 1)
    if not words:
        await turn.reply(LEAVE_USAGE)
        return
    code = normalise(words[0])
    if code == turn.code:
        raise NotAllowed(f"{code} may not offboard themself", staff=code)
    plan = await offboarding.plan_leave(turn.uow, code)
    earlier = await offboarding.left_at(turn.uow, plan.staff.id)
    if earlier is not None:
        await _already_left(turn, plan, day_arg(earlier.date()))
        return
    await turn.reply(
        LEAVE_PLAN,
        args=_plan_args(plan),
        buttons=[[(CONFIRM, "staff.leave", {"staff": plan.staff.staff.code})]],
    )


async def leave_pressed(turn: Turn, payload: dict[str, object]) -> None:
    await turn.clear_keyboard()
    departure = await offboarding.leave(
        turn.uow,
        turn.deps.settings,
        turn.deps.clock,
        staff=str(payload["staff"]),
        actor=turn.code,
    )
    if departure.already_left:
        await _already_left(turn, departure, day_arg(departure.left_at.date()))
        return
    plan = departure.plan
    args = {
        **_plan_args(plan),
        "requeued": len(plan.requeue) + len(plan.from_site),
        "kept": len(plan.kept),
        "invites": plan.invites,
    }
    if departure.cash_to is not None:
        await turn.reply(LEFT, args={**args, "receiver": staff_arg(departure.cash_to.id)})
    else:
        await turn.reply(LEFT_NO_CASH, args=args)


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(normalise(text))
    except ValueError:
        return None


async def away_command(turn: Turn, args: str) -> None:
    first, _ = split_words(args, 1)
    technician = None
    count = 2  # FROM TO, then the reason
    if first and _day(first[0]) is None:
        technician = normalise(first[0])
        count = 3  # T01 FROM TO, then the reason
    words, rest = split_words(args, count)
    days = [_day(word) for word in words[count - 2 :]]
    starts, ends = (days[0], days[1]) if len(days) == 2 else (None, None)
    if starts is None or ends is None:
        await turn.reply(AWAY_USAGE)
        return
    away = await absences.go_away(
        turn.uow,
        turn.deps.settings,
        turn.deps.clock,
        actor=turn.code,
        starts_on=starts,
        ends_on=ends,
        reason=rest,
        technician=technician,
    )
    period = {"starts": day_arg(starts), "ends": day_arg(ends)}
    lines: list[dict[str, Any]] = [
        {"t": AWAY_SELF, "args": period}
        if away.technician.staff.code == turn.code
        else {"t": AWAY_OTHER, "args": {**period, "technician": staff_arg(away.technician.id)}}
    ]
    if away.open_jobs:
        lines.append({"t": AWAY_JOBS, "args": {"jobs": _numbers(away.open_jobs)}})
    await turn.reply("@lines", extra={"lines": lines})


async def back_command(turn: Turn, args: str) -> None:
    words, _ = split_words(args, 1)
    technician = normalise(words[0]) if words else None
    period = await absences.come_back(
        turn.uow, turn.deps.settings, turn.deps.clock, actor=turn.code, technician=technician
    )
    row = await turn.uow.staff.row_by_id(period.staff_id)
    if row is None or row.staff.code == turn.code:
        await turn.reply(BACK_SELF)
    else:
        await turn.reply(BACK_OTHER, args={"technician": staff_arg(row.id)})
