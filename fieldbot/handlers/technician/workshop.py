"""The workshop: taking a unit back (a promised day, a receipt for the customer) and returning
it. Its repair form is :mod:`fieldbot.handlers.technician.finish`.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from telegram import Message

from fieldbot.domain.permissions import Permission
from fieldbot.handlers.routes import Route, action, form
from fieldbot.handlers.technician.common import FORM_TAKE_BACK, button_job, job_ref, local_now
from fieldbot.handlers.technician.signoff import after_signed_off
from fieldbot.handlers.turn import Turn
from fieldbot.i18n import N_
from fieldbot.repositories.conversations import Form
from fieldbot.services import workshop
from fieldbot.services.workflow import load_job, when_arg


def routes() -> list[Route]:
    return [
        action("job.take_back", take_back_pressed, "staff", Permission.WORK_JOBS),
        action("job.return", return_pressed, "staff", Permission.WORK_JOBS),
        form(FORM_TAKE_BACK, take_back_form, "staff", Permission.WORK_JOBS),
    ]


_DATE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")


async def take_back_pressed(turn: Turn, payload: dict[str, object]) -> None:
    job = await load_job(turn.uow, button_job(payload))
    local, _tz = await local_now(turn, job)
    await turn.uow.forms.start(turn.user_id, FORM_TAKE_BACK, "promised", job_ref(job), turn.now)
    await turn.reply(
        N_(
            "Job {number}: by which day do you promise the unit back? Send the date like {example}."
        ),
        args={"number": job.number, "example": (local.date() + timedelta(days=3)).isoformat()},
    )


async def take_back_form(turn: Turn, form: Form, message: Message) -> None:
    job = await load_job(turn.uow, int(form.data["job_id"]))
    local, tz = await local_now(turn, job)
    example = (local.date() + timedelta(days=3)).isoformat()
    match = _DATE.match(message.text or "")
    promised: datetime | None = None
    if match is not None:
        try:
            day = date(*(int(g) for g in match.groups()))
            promised = datetime.combine(day, time(18, 0), ZoneInfo(tz))
        except ValueError:
            promised = None
    if promised is None or promised <= turn.now:
        await turn.reply(N_("Send a day from today on, like {example}."), args={"example": example})
        return
    code = turn.code
    s, clock = turn.deps.settings, turn.deps.clock
    taken = await workshop.take_back(
        turn.uow, s, clock, job=job.id or 0, actor=code, promised_at=promised
    )
    await turn.uow.forms.clear(turn.user_id)
    await turn.reply(
        N_(
            "Job {number}: the unit goes to the workshop. Give the customer receipt {receipt}; "
            "promised back by {when}."
        ),
        args={
            "number": job.number,
            "receipt": taken.receipt.number,
            "when": when_arg(promised, tz),
        },
    )


async def return_pressed(turn: Turn, payload: dict[str, object]) -> None:
    code = turn.code
    s, clock = turn.deps.settings, turn.deps.clock
    done = await workshop.return_unit(turn.uow, s, clock, job=button_job(payload), actor=code)
    await turn.reply(
        N_("Job {number}: the unit is back with the customer and the receipt is voided."),
        args={"number": done.change.job.number},
    )
    await after_signed_off(turn, done)
