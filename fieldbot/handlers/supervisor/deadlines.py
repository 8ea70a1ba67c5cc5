"""The supervisor's controls of a job's deadline clocks (DESIGN.md §4): ``/pause NUMBER CLOCK
REASON``, ``/resume NUMBER CLOCK`` and the same as the /job card's buttons (built in
:mod:`.cards`; Pause asks the reason as a form step, a row in ``uow.forms``).

The routes need the permission pause_clock; the handlers check that the job is of the
supervisor's own branch. The reply says how much of the target the clock has used and, on
resume, the new deadline in local time. The deadlines service records the events.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from telegram import Message

from fieldbot.domain.errors import NotAllowed
from fieldbot.domain.permissions import Permission
from fieldbot.domain.text import job_number, split_words
from fieldbot.handlers.refusals import free_text, free_text_or_ask
from fieldbot.handlers.routes import Route, action, command, form
from fieldbot.handlers.supervisor.common import job_id_of
from fieldbot.handlers.turn import Turn
from fieldbot.i18n import N_
from fieldbot.repositories.clocks import ClockRow
from fieldbot.repositories.conversations import Form
from fieldbot.repositories.jobs import JobRecord
from fieldbot.services.deadlines.clocks import (
    CLOCK_NAMES,
    JOB,
    Calendars,
    clock_elapsed,
    left_arg,
    pause_clock,
    resume_clock,
)
from fieldbot.services.workflow import branch_timezone, dt_arg


def routes() -> list[Route]:
    return [
        command("pause", pause_command, "staff", Permission.PAUSE_CLOCK),
        command("resume", resume_command, "staff", Permission.PAUSE_CLOCK),
        action("clock.pause", pause_pressed, "staff", Permission.PAUSE_CLOCK),
        action("clock.resume", resume_pressed, "staff", Permission.PAUSE_CLOCK),
        form(FORM_PAUSE, pause_form, "staff", Permission.PAUSE_CLOCK),
    ]


FORM_PAUSE = "clock.pause"
# What a supervisor may type for each clock (the design's names, and the Chinese ones).
CLOCK_WORDS: dict[str, str] = {
    "assign": "assign",
    "dispatch": "assign",
    "派工": "assign",
    "contact": "contact",
    "联系": "contact",
    "arrival": "arrival",
    "到达": "arrival",
    "workshop": "workshop",
    "返修": "workshop",
}
PAUSE_USAGE = N_(
    "Write /pause NUMBER assign|contact|arrival|workshop REASON, with a job number like "
    "J20260914-001."
)
RESUME_USAGE = N_(
    "Write /resume NUMBER assign|contact|arrival|workshop, with a job number like J20260914-001."
)
NO_SUCH_JOB = N_(
    "There is no job {number}. Job numbers look like J20260914-001; /calls lists them."
)
NO_CLOCK = N_("Job {number} has no {clock} deadline.")
NOT_RUNNING = N_("The {clock} deadline of job {number} is not running; nothing was changed.")
NOT_PAUSED = N_("The {clock} deadline of job {number} is not paused; nothing was changed.")
ASK_REASON = N_(
    "Why is the {clock} deadline of job {number} paused (e.g. customer unavailable, waiting "
    "for a part)? Write the reason, or /cancel."
)
REASON_TEXT = N_("Please write the reason in words (at most {max} characters), or /cancel.")
STALE = N_("This choice is no longer open. Nothing was changed.")
PAUSED = N_(
    "Job {number}: the {clock} deadline is paused ({reason}). Used so far: {used} of {target}."
)
RESUMED = N_(
    "Job {number}: the {clock} deadline runs again. Used so far: {used} of {target}; now due {due}."
)


def _require_branch(turn: Turn, job: JobRecord) -> str:
    """The staff code of a supervisor of the job's own branch (the route checked pause_clock),
    or :class:`NotAllowed`."""
    person = turn.person
    if person.branch_id != job.branch_id:
        raise NotAllowed(f"{person.code} may not pause the clocks of {job.number}")
    return turn.code


def _clock_arg(name: str) -> dict[str, Any]:
    return {"t": CLOCK_NAMES.get(name, name)}


async def _usage(turn: Turn, clock: ClockRow) -> dict[str, Any]:
    calendar = await Calendars(turn.deps.settings).of(turn.uow, clock.branch_id)
    used = clock_elapsed(clock, calendar, turn.now)
    return {
        "used": left_arg(used),
        "target": left_arg(timedelta(seconds=clock.target_seconds)),
    }


async def _job_and_clock(
    turn: Turn, args: str, usage: str, with_reason: bool
) -> tuple[JobRecord, str, str] | None:
    """``NUMBER CLOCK [REASON]`` -> (job, clock, reason); replies with what was expected (never
    with what was typed: it may be a phone, DESIGN.md §6) and returns None when the command
    cannot be read. The reason is free text (bounded, visible: :func:`free_text`)."""
    words, rest = split_words(args, 2)
    number = job_number(words[0]) if words else None
    if number is None or len(words) < 2 or words[1].lower() not in CLOCK_WORDS:
        await turn.reply(usage)
        return None
    if with_reason and rest is None:
        await turn.reply(usage)
        return None
    reason = free_text(turn, rest) if with_reason else ""
    job = await turn.uow.jobs.by_number(number)
    if job is None:
        await turn.reply(NO_SUCH_JOB, args={"number": number})
        return None
    return job, CLOCK_WORDS[words[1].lower()], reason


async def pause_command(turn: Turn, args: str) -> None:
    found = await _job_and_clock(turn, args, PAUSE_USAGE, with_reason=True)
    if found is not None:
        await _pause(turn, *found)


async def resume_command(turn: Turn, args: str) -> None:
    found = await _job_and_clock(turn, args, RESUME_USAGE, with_reason=False)
    if found is not None:
        job, clock, _ = found
        await _resume(turn, job, clock)


async def _current_clock(turn: Turn, job: JobRecord, name: str) -> ClockRow | None:
    clock = await turn.uow.clocks.get(JOB, job_id_of(job), name)
    if clock is None:
        await turn.reply(NO_CLOCK, args={"number": job.number, "clock": _clock_arg(name)})
    return clock


async def _pause(turn: Turn, job: JobRecord, name: str, reason: str) -> None:
    code = _require_branch(turn, job)
    clock = await _current_clock(turn, job, name)
    if clock is None:
        return
    if clock.state != "running":
        await turn.reply(NOT_RUNNING, args={"number": job.number, "clock": _clock_arg(name)})
        return
    paused = await pause_clock(
        turn.uow,
        turn.deps.settings,
        subject_type=JOB,
        subject_id=job_id_of(job),
        clock=name,
        reason=reason,
        now=turn.now,
        actor=f"staff:{turn.person.id}" if turn.person.id is not None else code,
    )
    await turn.reply(
        PAUSED,
        args={
            "number": job.number,
            "clock": _clock_arg(name),
            "reason": reason,
            **await _usage(turn, paused),
        },
    )


async def _resume(turn: Turn, job: JobRecord, name: str) -> None:
    code = _require_branch(turn, job)
    clock = await _current_clock(turn, job, name)
    if clock is None:
        return
    if clock.state != "paused":
        await turn.reply(NOT_PAUSED, args={"number": job.number, "clock": _clock_arg(name)})
        return
    resumed = await resume_clock(
        turn.uow,
        turn.deps.settings,
        subject_type=JOB,
        subject_id=job_id_of(job),
        clock=name,
        now=turn.now,
        actor=f"staff:{turn.person.id}" if turn.person.id is not None else code,
    )
    tz = await branch_timezone(turn.uow, turn.deps.settings, job)
    due = resumed.due_at
    await turn.reply(
        RESUMED,
        args={
            "number": job.number,
            "clock": _clock_arg(name),
            "due": {**dt_arg(due, tz), "fmt": "short"} if due else "-",
            **await _usage(turn, resumed),
        },
    )


async def _pressed(turn: Turn, payload: dict[str, object], state: str) -> JobRecord | None:
    """The job of a clock button still in the state and generation it was shown in."""
    job = await turn.uow.jobs.get(int(str(payload["job_id"])))
    if job is None:
        await turn.reply(STALE)
        return None
    _require_branch(turn, job)
    clock = await turn.uow.clocks.get(JOB, job_id_of(job), str(payload["clock"]))
    if clock is None or clock.state != state or clock.generation != payload.get("generation"):
        await turn.reply(STALE)
        return None
    return job


async def pause_pressed(turn: Turn, payload: dict[str, object]) -> None:
    job = await _pressed(turn, payload, "running")
    if job is None:
        return
    name = str(payload["clock"])
    data = {"job_id": job_id_of(job), "clock": name, "generation": payload.get("generation")}
    await turn.uow.forms.start(turn.user_id, FORM_PAUSE, "reason", data, turn.now)
    await turn.reply(ASK_REASON, args={"number": job.number, "clock": _clock_arg(name)})


async def pause_form(turn: Turn, form: Form, message: Message) -> None:
    text = await free_text_or_ask(turn, message, REASON_TEXT)
    if text is None:
        return
    await turn.uow.forms.clear(turn.user_id)
    job = await turn.uow.jobs.get(int(str(form.data["job_id"])))
    if job is None:
        await turn.reply(STALE)
        return
    await _pause(turn, job, str(form.data["clock"]), text)


async def resume_pressed(turn: Turn, payload: dict[str, object]) -> None:
    job = await _pressed(turn, payload, "paused")
    if job is not None:
        await _resume(turn, job, str(payload["clock"]))
