"""Custody and the workshop: taking a unit back (a promised day, a receipt the customer
confirms), carrying in a unit the customer brought or sent (from the supervisor's job card, or
a technician's /carryin), the photo of a signed paper receipt, moving the promised day
(/promise, or Move promised date on the card), and returning the unit (the customer then
signs off). The repair form is :mod:`fieldbot.handlers.technician.finish`.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from telegram import Message

from fieldbot.domain.errors import NotAllowed
from fieldbot.domain.model import JobState, Role
from fieldbot.domain.permissions import Permission, may
from fieldbot.domain.text import job_number
from fieldbot.handlers.routes import Route, action, command, form
from fieldbot.handlers.technician.cards import RECEIPT_PHOTO
from fieldbot.handlers.technician.common import (
    FORM_CARRY_IN,
    FORM_PROMISE,
    FORM_RECEIPT_PHOTO,
    FORM_TAKE_BACK,
    button_job,
    job_ref,
    local_now,
)
from fieldbot.handlers.technician.signoff import after_signoff_requested
from fieldbot.handlers.turn import ButtonSpec, Turn
from fieldbot.i18n import N_
from fieldbot.labels import STATE_NAMES
from fieldbot.repositories.conversations import Form
from fieldbot.repositories.jobs import JobRecord
from fieldbot.services import custody, workshop
from fieldbot.services.custody import TakenBack
from fieldbot.services.workflow import branch_timezone, customer_of, load_job, when_arg


def routes() -> list[Route]:
    return [
        action("job.take_back", take_back_pressed, "staff", Permission.WORK_JOBS),
        action("job.return", return_pressed, "staff", Permission.WORK_JOBS),
        action("job.receipt_photo", receipt_photo_pressed, "staff", Permission.WORK_JOBS),
        # A supervisor (who names the technician) or a technician of the branch: the service
        # checks which.
        action("job.carry_in", carry_in_pressed, "staff"),
        action("job.carry_in_tech", carry_in_technician_pressed, "staff", Permission.DISPATCH),
        command("carryin", carry_in_command, "staff", Permission.WORK_JOBS),
        # The job's technician or the branch's supervisor: the service checks which.
        command("promise", promise_command, "staff"),
        action("job.promise", promise_pressed, "staff", Permission.WORK_JOBS),
        form(FORM_PROMISE, promised_form, "staff", Permission.WORK_JOBS),
        form(FORM_TAKE_BACK, promised_form, "staff", Permission.WORK_JOBS),
        form(FORM_CARRY_IN, promised_form, "staff"),
        form(FORM_RECEIPT_PHOTO, receipt_photo_form, "staff", Permission.WORK_JOBS),
    ]


_DATE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")
ASK_PROMISED = N_(
    "Job {number}: by which day do you promise the unit back? Send the date like {example}."
)


async def _ask_promised(turn: Turn, job: JobRecord, name: str, data: dict[str, object]) -> None:
    local, _tz = await local_now(turn, job)
    await turn.uow.forms.start(turn.user_id, name, "promised", {**job_ref(job), **data}, turn.now)
    await turn.reply(
        ASK_PROMISED,
        args={"number": job.number, "example": (local.date() + timedelta(days=3)).isoformat()},
    )


async def take_back_pressed(turn: Turn, payload: dict[str, object]) -> None:
    job = await load_job(turn.uow, button_job(payload))
    await _ask_promised(turn, job, FORM_TAKE_BACK, {})


def _require_own_branch(turn: Turn, job: JobRecord) -> None:
    """A technician carries in jobs of their own branch only: refused before the date is asked
    (the service checks it again)."""
    if turn.person.branch_id != job.branch_id:
        raise NotAllowed(
            f"{turn.person.code} is not a technician of the branch of job {job.number}",
            staff=turn.person.code,
            job=job.number,
        )


async def _not_now(turn: Turn, job: JobRecord) -> None:
    await turn.reply(
        N_("Job {number} is {state}: that is not possible now."),
        args={"number": job.number, "state": {"t": STATE_NAMES[job.state]}},
    )


async def carry_in_pressed(turn: Turn, payload: dict[str, object]) -> None:
    """Carry in: a supervisor picks the technician from the branch's; a technician of the
    branch carries it in for themselves."""
    job = await load_job(turn.uow, button_job(payload))
    if job.state is not JobState.REGISTERED:
        await _not_now(turn, job)
        return
    if not may(turn.person.roles, Permission.DISPATCH):
        _require_own_branch(turn, job)
        await _ask_promised(turn, job, FORM_CARRY_IN, {})
        return
    branches = await turn.uow.branches.stored_by_ids([job.branch_id])
    branch = branches.get(job.branch_id)
    techs = await turn.uow.staff.rows(
        branch=None if branch is None else branch.code, role=Role.TECHNICIAN
    )
    rows: list[list[ButtonSpec]] = [
        [
            (
                f"{row.staff.name} ({row.staff.code})",
                "job.carry_in_tech",
                {**job_ref(job), "technician": row.staff.code},
            )
        ]
        for row in techs
    ]
    await turn.reply(
        N_("Job {number}: who repairs the unit carried in?"),
        args={"number": job.number},
        buttons=rows,
    )


async def carry_in_technician_pressed(turn: Turn, payload: dict[str, object]) -> None:
    job = await load_job(turn.uow, button_job(payload))
    if job.state is not JobState.REGISTERED:
        await _not_now(turn, job)
        return
    await _ask_promised(turn, job, FORM_CARRY_IN, {"technician": str(payload["technician"])})


async def carry_in_command(turn: Turn, args: str) -> None:
    """/carryin NUMBER: a technician receives a registered job's unit in the workshop."""
    number = job_number(args)
    job = None if number is None else await turn.uow.jobs.by_number(number)
    if job is None:
        # Not repeated: what was typed may be anything (DESIGN §6).
        await turn.reply(
            N_("Which job? Send /carryin and its number, e.g. /carryin J20260914-001.")
        )
        return
    if job.state is not JobState.REGISTERED:
        await _not_now(turn, job)
        return
    _require_own_branch(turn, job)
    await _ask_promised(turn, job, FORM_CARRY_IN, {})


def parse_promised_day(text: str, tz: str) -> datetime | None:
    """A promised day as typed (``2026-09-18``): the end of that working day (18:00) in the
    branch's timezone ``tz``; None when it is not a date."""
    match = _DATE.match(text)
    if match is None:
        return None
    try:
        day = date(*(int(g) for g in match.groups()))
    except ValueError:
        return None
    return datetime.combine(day, time(18, 0), ZoneInfo(tz))


async def _promised_at(turn: Turn, job: JobRecord, text: str) -> datetime | None:
    local, tz = await local_now(turn, job)
    promised = parse_promised_day(text, tz)
    if promised is None or promised <= turn.now:
        example = (local.date() + timedelta(days=3)).isoformat()
        await turn.reply(N_("Send a day from today on, like {example}."), args={"example": example})
        return None
    return promised


async def promised_form(turn: Turn, form: Form, message: Message) -> None:
    """The promised day of a take-back or a carry-in."""
    job = await load_job(turn.uow, int(form.data["job_id"]))
    promised = await _promised_at(turn, job, message.text or "")
    if promised is None:
        return
    s, clock = turn.deps.settings, turn.deps.clock
    if form.name == FORM_PROMISE:
        await turn.uow.forms.clear(turn.user_id)
        await _move_promised_date(turn, job, promised)
        return
    if form.name == FORM_TAKE_BACK:
        taken = await custody.take_back(
            turn.uow, s, clock, job=job.id or 0, actor=turn.code, promised_at=promised
        )
    else:
        chosen = form.data.get("technician")
        taken = await custody.carry_in(
            turn.uow,
            s,
            clock,
            job=job.id or 0,
            actor=turn.code,
            promised_at=promised,
            technician=None if chosen is None else str(chosen),
        )
    await turn.uow.forms.clear(turn.user_id)
    await _received(turn, taken)


PROMISE_USAGE = N_(
    "Send /promise, the job number and the new day, e.g. /promise J20260914-001 {example}."
)


async def promise_command(turn: Turn, args: str) -> None:
    """/promise NUMBER YYYY-MM-DD: the job's technician (or the branch's supervisor: the
    service checks who) promises the unit in the workshop back by a new day; the customer is
    told it."""
    words = args.split()
    number = job_number(words[0]) if len(words) == 2 else None
    job = None if number is None else await turn.uow.jobs.by_number(number)
    tz = None if job is None else await branch_timezone(turn.uow, turn.deps.settings, job)
    promised = None if tz is None else parse_promised_day(words[1], tz)
    if job is None or promised is None:
        # Not repeated: what was typed may be anything (DESIGN §6).
        local = turn.now.astimezone(ZoneInfo(tz or turn.deps.settings.timezone))
        example = (local.date() + timedelta(days=3)).isoformat()
        await turn.reply(PROMISE_USAGE, args={"example": example})
        return
    await _move_promised_date(turn, job, promised)


async def promise_pressed(turn: Turn, payload: dict[str, object]) -> None:
    """Move promised date, on the card of a unit in the workshop: the new day is asked."""
    job = await load_job(turn.uow, button_job(payload))
    if job.state not in workshop.PROMISE_STATES:
        await _not_now(turn, job)
        return
    await _ask_promised(turn, job, FORM_PROMISE, {})


async def _move_promised_date(turn: Turn, job: JobRecord, promised: datetime) -> None:
    s, clock = turn.deps.settings, turn.deps.clock
    moved = await workshop.move_promised_date(
        turn.uow, s, clock, job=job.id or 0, actor=turn.code, promised_at=promised
    )
    tz = await branch_timezone(turn.uow, s, moved.job)
    customer = await customer_of(turn.uow, moved.job)
    told = customer.chat_id is not None
    await turn.reply(
        N_("Job {number}: the unit is now promised back by {when}. The customer is told.")
        if told
        else N_(
            "Job {number}: the unit is now promised back by {when}. The customer has no "
            "Telegram chat with us: please tell them by phone."
        ),
        args={"number": moved.job.number, "when": when_arg(promised, tz)},
    )


async def _received(turn: Turn, taken: TakenBack) -> None:
    job = taken.change.job
    _local, tz = await local_now(turn, job)
    args = {
        "number": job.number,
        "receipt": taken.receipt.number,
        "when": when_arg(taken.receipt.promised_at, tz),
    }
    if taken.customer_asked:
        await turn.reply(
            N_(
                "Job {number}: the unit is in the workshop, receipt {receipt}, promised back by "
                "{when}. The customer is asked to confirm the receipt in their Telegram chat."
            ),
            args=args,
        )
        return
    buttons: list[list[ButtonSpec]] = []
    if job.technician_id == turn.person.id:
        buttons = [[(RECEIPT_PHOTO, "job.receipt_photo", job_ref(job))]]
    await turn.reply(
        N_(
            "Job {number}: the unit is in the workshop, receipt {receipt}, promised back by "
            "{when}. The customer has no Telegram chat with us: have the paper receipt signed "
            "and send its photo."
        ),
        args=args,
        buttons=buttons,
    )


async def receipt_photo_pressed(turn: Turn, payload: dict[str, object]) -> None:
    job = await load_job(turn.uow, button_job(payload))
    await turn.uow.forms.start(turn.user_id, FORM_RECEIPT_PHOTO, "photo", job_ref(job), turn.now)
    await turn.reply(
        N_("Job {number}: send the photo of the receipt the customer signed."),
        args={"number": job.number},
    )


async def receipt_photo_form(turn: Turn, form: Form, message: Message) -> None:
    if not message.photo:
        await turn.reply(N_("Please send a photo of the signed receipt, or /cancel."))
        return
    s, clock = turn.deps.settings, turn.deps.clock
    done = await custody.confirm_receipt_with_photo(
        turn.uow,
        s,
        clock,
        job=int(form.data["job_id"]),
        actor=turn.code,
        photo=message.photo[-1].file_id,
    )
    await turn.uow.forms.clear(turn.user_id)
    await turn.reply(
        N_("Job {number}: receipt {receipt} is confirmed with the photo of the signed paper."),
        args={"number": done.job.number, "receipt": done.receipt.number},
    )


async def return_pressed(turn: Turn, payload: dict[str, object]) -> None:
    s, clock = turn.deps.settings, turn.deps.clock
    done = await workshop.return_unit(turn.uow, s, clock, job=button_job(payload), actor=turn.code)
    job = done.change.job
    await turn.reply(
        N_(
            "Job {number}: the unit is back with the customer. The receipt is voided once the "
            "customer signs off the workshop repair."
        ),
        args={"number": job.number},
    )
    await after_signoff_requested(turn, job, done.signoff_link)
