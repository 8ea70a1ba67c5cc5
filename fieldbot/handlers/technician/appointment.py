"""The appointment with the customer: the quick choices (in 1 h, in 2 h, today 14:00, tomorrow
09:00) and another time written in a form, in the branch's local time.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Message

from fieldbot.domain.permissions import Permission
from fieldbot.handlers.routes import Route, action, form
from fieldbot.handlers.technician.cards import appointment_buttons
from fieldbot.handlers.technician.common import FORM_APPOINTMENT, button_job, job_ref, local_now
from fieldbot.handlers.turn import Turn
from fieldbot.i18n import N_
from fieldbot.repositories.conversations import Form
from fieldbot.repositories.jobs import JobRecord
from fieldbot.services import visit
from fieldbot.services.workflow import ARRIVED, ON_MY_WAY, load_job, when_arg


def routes() -> list[Route]:
    return [
        action("job.appointment", appointment_menu, "staff", Permission.WORK_JOBS),
        action("job.appoint", appoint_pressed, "staff", Permission.WORK_JOBS),
        action("job.appoint_other", appoint_other_pressed, "staff", Permission.WORK_JOBS),
        form(FORM_APPOINTMENT, appointment_form, "staff", Permission.WORK_JOBS),
    ]


TIME_EXAMPLE = N_("Write the time like 15:30, or a day and a time like {example}.")
_TIME = re.compile(r"^\s*(?:(\d{4})-(\d{1,2})-(\d{1,2})\s+)?(\d{1,2})[:：](\d{2})\s*$")


async def appointment_menu(turn: Turn, payload: dict[str, object]) -> None:
    job = await load_job(turn.uow, button_job(payload))
    await turn.reply(
        N_("Job {number}: when will you be there?"),
        args={"number": job.number},
        buttons=await appointment_buttons(turn, job),
    )


async def appoint_pressed(turn: Turn, payload: dict[str, object]) -> None:
    job = await load_job(turn.uow, button_job(payload))
    local, tz = await local_now(turn, job)
    choice = str(payload["choice"])
    if choice == "1h":
        at = turn.now + timedelta(hours=1)
    elif choice == "2h":
        at = turn.now + timedelta(hours=2)
    elif choice == "today14":
        at = datetime.combine(local.date(), time(14, 0), ZoneInfo(tz))
    else:
        at = datetime.combine(local.date() + timedelta(days=1), time(9, 0), ZoneInfo(tz))
    await _set_appointment(turn, job, at, tz)


async def _set_appointment(turn: Turn, job: JobRecord, at: datetime, tz: str) -> None:
    code = turn.code
    s, clock = turn.deps.settings, turn.deps.clock
    change = await visit.set_appointment(turn.uow, s, clock, job=job.id or 0, actor=code, at=at)
    ref = job_ref(change.job)
    await turn.reply(
        N_("Job {number}: appointment set for {when}. The customer is told if they use Telegram."),
        args={"number": change.job.number, "when": when_arg(at, tz)},
        buttons=[[(ON_MY_WAY, "job.on_my_way", ref), (ARRIVED, "job.arrived", ref)]],
    )


async def appoint_other_pressed(turn: Turn, payload: dict[str, object]) -> None:
    job = await load_job(turn.uow, button_job(payload))
    await turn.uow.forms.start(turn.user_id, FORM_APPOINTMENT, "when", {"job_id": job.id}, turn.now)
    await turn.reply(
        N_("Job {number}: send the time of the visit (branch time). {example}"),
        args={"number": job.number, "example": await _time_example(turn, job)},
    )


async def _time_example(turn: Turn, job: JobRecord) -> dict[str, Any]:
    local, _tz = await local_now(turn, job)
    example = f"{(local.date() + timedelta(days=1)).isoformat()} 09:00"
    return {"t": TIME_EXAMPLE, "args": {"example": example}}


def parse_local_time(text: str, local_now: datetime) -> datetime | None:
    """``HH:MM`` (the next such time) or ``YYYY-MM-DD HH:MM`` in ``local_now``'s timezone."""
    match = _TIME.match(text)
    if match is None:
        return None
    year, month, day, hour, minute = match.groups()
    try:
        clock = time(int(hour), int(minute))
        if year is None:
            at = datetime.combine(local_now.date(), clock, local_now.tzinfo)
            return at if at > local_now else at + timedelta(days=1)
        return datetime.combine(date(int(year), int(month), int(day)), clock, local_now.tzinfo)
    except ValueError:
        return None


async def appointment_form(turn: Turn, form: Form, message: Message) -> None:
    job = await load_job(turn.uow, int(form.data["job_id"]))
    local, tz = await local_now(turn, job)
    at = parse_local_time(message.text or "", local)
    if at is None:
        await turn.reply(
            N_("I cannot read that time. {example}"),
            args={"example": await _time_example(turn, job)},
        )
        return
    if at <= turn.now:
        await turn.reply(
            N_("That time has already passed. {example}"),
            args={"example": await _time_example(turn, job)},
        )
        return
    await turn.uow.forms.clear(turn.user_id)
    await _set_appointment(turn, job, at, tz)
