"""/override: correcting a job's service type, zone or priority with a reason, for a registered
job (its deadlines are recomputed) or on the summary of the /new form before it is
registered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from fieldbot.domain.model import JobState, Priority, ServiceType, Zone
from fieldbot.domain.permissions import Permission
from fieldbot.domain.text import clean_text, job_number, split_words
from fieldbot.handlers.cards import lines_card
from fieldbot.handlers.routes import Route, command
from fieldbot.handlers.supervisor.cards import ZONE_NAMES, override_values
from fieldbot.handlers.supervisor.common import FORM_NEW, NO_SUCH_JOB
from fieldbot.handlers.supervisor.intake import summary
from fieldbot.handlers.turn import Turn
from fieldbot.i18n import N_
from fieldbot.labels import PRIORITY_NAMES
from fieldbot.repositories.conversations import Form
from fieldbot.repositories.jobs import JobRecord
from fieldbot.services.deadlines.clocks import CLOCK_NAMES
from fieldbot.services.jobs import override_job
from fieldbot.services.workflow import branch_timezone, dt_arg


def routes() -> list[Route]:
    return [
        command("override", override_command, "staff", Permission.OVERRIDE_SERVICE_TYPE),
    ]


OVERRIDE_ON_SUMMARY = N_(
    "On the summary of /new: /override type A|B|C|D REASON or /override zone urban|suburban REASON"
)
OVERRIDE_A_JOB = N_(
    "Write /override NUMBER type A|B|C|D REASON, /override NUMBER zone urban|suburban REASON "
    "or /override NUMBER priority emergency|general|consult REASON, with a job number like "
    "J20260914-001."
)


def _parse_override(args: str, max_chars: int) -> tuple[str | None, dict[str, str]] | None:
    """``[NUMBER] type|zone|priority VALUE REASON`` -> (number, {"type", "zone" or
    "priority": value, "reason"}); the reason is bounded free text (:func:`clean_text`
    refuses it when it has no visible character or is too long)."""
    first, after = split_words(args, 1)
    number = job_number(first[0]) if first else None
    if number is not None:
        args = after or ""
    words, rest = split_words(args, 2)
    if len(words) < 2 or rest is None:
        return None
    what, value = words[0].lower(), words[1]
    allowed = {
        "type": {t.value: t.value for t in ServiceType},
        "zone": {z.value: z.value for z in Zone},
        "priority": {p.value: p.value for p in Priority},
    }.get(what, {})
    chosen = allowed.get(value.upper() if what == "type" else value.lower())
    if chosen is None:
        return None
    return number, {what: chosen, "reason": clean_text(rest, max_chars)}


async def override_command(turn: Turn, args: str) -> None:
    """``/override NUMBER type|zone VALUE REASON`` for a registered job, or without the number
    while the /new summary is shown."""
    form = await turn.uow.forms.get(turn.user_id)
    on_summary = form is not None and form.name == FORM_NEW and form.step == "summary"
    parsed = _parse_override(args, turn.deps.settings.text_max_chars)
    if parsed is None:
        await _hint(turn, OVERRIDE_ON_SUMMARY if on_summary else OVERRIDE_A_JOB)
        return
    number, change = parsed
    if number is None:
        if form is None or not on_summary:
            await _hint(turn, OVERRIDE_A_JOB)
            return
        await _override_summary(turn, form, change)
        return
    if await turn.uow.jobs.by_number(number) is None:
        await turn.reply(NO_SUCH_JOB, args={"number": number})
        return
    await _override_job(turn, number, change)


async def _hint(turn: Turn, template: str) -> None:
    """How to write /override, and what its values mean in the reader's language."""
    await turn.show(lines_card([{"t": template}, override_values()]))


async def _override_summary(turn: Turn, form: Form, change: Mapping[str, str]) -> None:
    """The /new summary with the type, priority or zone set by hand."""
    data = dict(form.data)
    if "type" in change:
        data["type_override"] = change["type"]
        data["type_reason"] = change["reason"]
    elif "priority" in change:
        data["priority"] = change["priority"]
    else:
        data["zone_override"] = change["zone"]
        data["zone_reason"] = change["reason"]
    saved = await turn.uow.forms.save(replace(form, data=data), turn.now)
    await summary(turn, saved)


async def _override_job(turn: Turn, number: str, change: Mapping[str, str]) -> None:
    """A registered job's type, zone or priority corrected, its deadlines recomputed."""
    job = await override_job(
        turn.uow,
        turn.deps.settings,
        turn.deps.clock,
        job=number,
        actor=turn.code,
        reason=change["reason"],
        service_type=change.get("type"),
        zone=change.get("zone"),
        priority=change.get("priority"),
    )
    tz = await branch_timezone(turn.uow, turn.deps.settings, job)
    if "priority" in change:
        await _priority_changed(turn, job, tz, change["reason"])
        return
    arrival = job.arrival_due_at
    await turn.reply(
        N_(
            "Job {number}: service type {type}, zone {zone}, arrival by {arrival}. Reason: {reason}"
        ),
        args={
            "number": job.number,
            "type": job.service_type.value,
            "zone": {"t": ZONE_NAMES[job.zone]},
            "arrival": {**dt_arg(arrival, tz), "fmt": "short"} if arrival else "-",
            "reason": change["reason"],
        },
    )


async def _priority_changed(turn: Turn, job: JobRecord, tz: str, reason: str) -> None:
    accepted = job.state is JobState.ACCEPTED
    due = job.contact_due_at if accepted else job.assign_due_at
    await turn.reply(
        N_(
            "Job {number}: priority {priority}; dispatch and contact deadlines recomputed, "
            "{clock} by {due}. Reason: {reason}"
        ),
        args={
            "number": job.number,
            "priority": {"t": PRIORITY_NAMES[job.priority]},
            "clock": {"t": CLOCK_NAMES["contact" if accepted else "assign"]},
            "due": {**dt_arg(due, tz), "fmt": "short"} if due else "-",
            "reason": reason,
        },
    )
