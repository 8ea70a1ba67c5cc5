"""The supervisor's chat (DESIGN.md §1, §3): registering a call (/new), the call log (/calls),
a job's card (/job), dispatch with suggestions, and the decisions the services put to a
supervisor (fees, disputes, inspections, cancelling).

The /new form and the reason forms are rows (``uow.forms``), so a restart in the middle
continues where the supervisor was. Buttons on a job carry the version the supervisor saw: a
button pressed after the job moved on changes nothing and says why.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from telegram import Message

from fieldbot.domain.errors import IllegalTransition, NotAllowed
from fieldbot.domain.model import (
    Channel,
    Customer,
    JobState,
    Priority,
    ServiceType,
    WorkKind,
    Zone,
)
from fieldbot.domain.permissions import Permission, covers_branch, may
from fieldbot.domain.states import OPEN_STATES
from fieldbot.domain.text import clean_text, job_number, split_words
from fieldbot.handlers.deadlines import clock_buttons
from fieldbot.handlers.refusals import free_text, free_text_or_ask
from fieldbot.handlers.turn import ButtonSpec, Turn
from fieldbot.i18n import N_
from fieldbot.labels import (
    CHANNEL_NAMES,
    KIND_NAMES,
    PRIORITY_NAMES,
    STATE_NAMES,
    TYPE_NAMES,
)
from fieldbot.repositories.conversations import Form
from fieldbot.repositories.jobs import JobRecord
from fieldbot.services import dispatch as dispatching
from fieldbot.services import signoff, work_record, workshop
from fieldbot.services.calendars import require_branch
from fieldbot.services.deadlines.clocks import CLOCK_NAMES
from fieldbot.services.jobs import (
    AmbiguousCustomer,
    Deadline,
    Preview,
    job_details,
    list_jobs,
    override_job,
    preview_job,
    register_job,
    resolve_customer,
)
from fieldbot.services.recipients import may_act_for_branch, sees_branch
from fieldbot.services.signoff import ACCEPT_AS_IS, REWORK
from fieldbot.services.workflow import (
    APPROVE,
    REJECT,
    UnknownCustomer,
    branch_timezone,
    customer_arg,
    dt_arg,
    job_button,
    load_job,
    staff_arg,
)
from fieldbot.services.workshop import FAIL, PASS
from fieldbot.store import ConcurrencyConflict

FORM_NEW = "sup.new"
FORM_REASON = "sup.reason"

CALLS_SHOWN = 20

ZONE_NAMES = {Zone.URBAN: N_("urban"), Zone.SUBURBAN: N_("suburban")}

REGISTER = N_("Register")
CANCEL_FORM = N_("Cancel")
NO_UNIT = N_("No particular unit")
DISPATCH = N_("Dispatch")
REASSIGN = N_("Reassign")
CANCEL_JOB = N_("Cancel the job")

# The choices of the /new form, step by step: what a button of that step sets.
STEP_CHOICES: dict[str, dict[str, str]] = {
    "kind": {k.value: v for k, v in KIND_NAMES.items()},
    "priority": {k.value: v for k, v in PRIORITY_NAMES.items()},
    "channel": {k.value: v for k, v in CHANNEL_NAMES.items()},
}

ASK_CUSTOMER = N_(
    "New job. Who is calling? Send a customer code (C001), a phone or part of a name."
)
ASK_UNIT = N_("Which unit of {customer} ({code})? Choose below or send its serial.")
NO_UNITS = N_("{customer} ({code}) has no units on record. Continue without a unit?")
ASK_KIND = N_("What kind of work?")
ASK_PRIORITY = N_("How urgent is it?")
ASK_FAULT = N_("Describe the fault in a few words.")
ASK_CHANNEL = N_("How did the call come in? (Usually phone.)")
CHOOSE_BUTTON = N_("Please choose one of the buttons above.")
# What the supervisor typed is not repeated: it may be a customer's phone, which must not sit
# in the outbox in plain text (DESIGN §6).
NOT_UNIT = N_(
    "That is not a unit of this customer. Choose a button above or send a serial like {example}."
)
UNKNOWN_CUSTOMER = N_(
    "No customer matches that. Send a code like C001, a phone number or a part of a name."
)
FAULT_TEXT = N_("Please describe the fault in words (at most {max} characters).")
REASON_TEXT = N_("Please write the reason in words (at most {max} characters), or /cancel.")
SEVERAL_CUSTOMERS = N_("{count} customers match. Which one?")
CANDIDATE = N_("{code}: {name}, {address}")
NO_SUCH_JOB = N_(
    "There is no job {number}. Job numbers look like J20260914-001; /calls lists them."
)
STALE_CHOICE = N_("This choice is no longer open. Nothing was changed.")
STAFF_WITH_CODE = N_("{name} ({code})")


def register() -> None:
    """Add the supervisor's commands, forms and buttons to the router's tables."""
    from fieldbot.handlers import router

    router.STAFF_COMMANDS["new"] = new_command
    router.STAFF_COMMANDS["calls"] = calls_command
    router.STAFF_COMMANDS["job"] = job_command
    router.STAFF_COMMANDS["override"] = override_command
    router.FORMS[FORM_NEW] = new_form
    router.FORMS[FORM_REASON] = reason_form
    router.ACTIONS.update(
        {
            "sup.new.pick": new_picked,
            "sup.new.register": new_register,
            "sup.new.cancel": new_cancelled,
            "sup.suggest": suggest_pressed,
            "sup.dispatch": dispatch_pressed,
            "sup.cancel": cancel_pressed,
            "fees.approve": approve_pressed,
            "fees.reject": reject_pressed,
            "dispute.rework": rework_pressed,
            "dispute.accept": accept_as_is_pressed,
            "inspection.pass": pass_pressed,
            "inspection.fail": fail_pressed,
        }
    )


def _require(turn: Turn, permission: Permission) -> str:
    """The supervisor's staff code, or :class:`NotAllowed`."""
    person = turn.person
    if person.kind != "staff" or person.code is None or not may(person.roles, permission):
        raise NotAllowed(f"{person.code} may not {permission.value}", permission=permission.value)
    return person.code


async def _decider(turn: Turn, permission: Permission, job: int) -> str:
    """The staff code of who may take the supervisor's decision ``permission`` on the job: a
    supervisor, or whoever the branch's notices fall back to (a manager,
    :func:`fieldbot.services.recipients.may_act_for_branch`); else :class:`NotAllowed`."""
    person = turn.person
    if person.kind == "staff" and person.code is not None and person.id is not None:
        row = await turn.uow.staff.row_by_id(person.id)
        found = await turn.uow.jobs.get(job)
        if (
            row is not None
            and found is not None
            and await may_act_for_branch(turn.uow, row, found.branch_id, permission)
        ):
            return person.code
    return _require(turn, permission)


async def _require_branch_of(turn: Turn, job: JobRecord) -> None:
    """Staff of a branch see and act on that branch's jobs only (the manager, without a
    branch, on every branch's), and whoever the branch's notices fall back to on the jobs
    they hear about (:func:`fieldbot.services.recipients.sees_branch`): checked before a
    job's card, suggestions or a question."""
    if covers_branch(turn.person.branch_id, job.branch_id):
        return
    person = turn.person
    if person.kind == "staff" and person.id is not None:
        row = await turn.uow.staff.row_by_id(person.id)
        if row is not None and await sees_branch(turn.uow, row, job.branch_id):
            return
    raise NotAllowed(
        f"{person.code} does not see the branch of job {job.number}",
        staff=person.code,
        job=job.number,
    )


async def _branch_code(turn: Turn) -> str | None:
    if turn.person.branch_id is None:
        return None
    branches = await turn.uow.branches.stored_by_ids([turn.person.branch_id])
    return branches[turn.person.branch_id].code


# --- /new ----------------------------------------------------------------------------------------


async def new_command(turn: Turn, args: str) -> None:
    _require(turn, Permission.REGISTER_JOB)
    data = {"called_at": turn.now.isoformat()}
    form = await turn.uow.forms.start(turn.user_id, FORM_NEW, "customer", data, turn.now)
    if args.strip():
        await _customer_given(turn, form, clean_text(args, turn.deps.settings.text_max_chars))
        return
    await turn.reply(ASK_CUSTOMER)


async def new_form(turn: Turn, form: Form, message: Message) -> None:
    if form.step == "customer":
        if not (message.text or "").strip():
            await turn.reply(ASK_CUSTOMER)
            return
        await _customer_given(turn, form, free_text(turn, message.text))
    elif form.step == "equipment":
        await _unit_typed(turn, form, free_text(turn, message.text) if message.text else "")
    elif form.step == "fault":
        fault = await free_text_or_ask(turn, message, FAULT_TEXT)
        if fault is not None:
            await _advance(turn, form, {"fault": fault})
    else:
        await turn.reply(CHOOSE_BUTTON)


async def _customer_given(turn: Turn, form: Form, text: str) -> None:
    try:
        found = await _resolve(turn, text)
    except AmbiguousCustomer as exc:
        candidates = exc.params.get("candidates")
        codes = sorted(str(c) for c in candidates) if isinstance(candidates, list) else []
        await _ask_which_customer(turn, form, codes)
        return
    except UnknownCustomer:
        await turn.reply(UNKNOWN_CUSTOMER)
        return
    await _advance(turn, form, {"customer": found.code})


async def _resolve(turn: Turn, text: str) -> Customer:
    """A customer by code, phone or name; a name is looked for in the supervisor's branch
    first, then in every branch."""
    branch = await _branch_code(turn)
    try:
        return await resolve_customer(turn.uow, text, branch=branch)
    except UnknownCustomer:
        if branch is None:
            raise
        return await resolve_customer(turn.uow, text)


async def _ask_which_customer(turn: Turn, form: Form, codes: list[str]) -> None:
    shown = codes[:8]
    lines: list[dict[str, Any]] = [{"t": SEVERAL_CUSTOMERS, "args": {"count": len(codes)}}]
    buttons: list[list[ButtonSpec]] = []
    for code in shown:
        row = await turn.uow.customers.row(code)
        if row is None:
            continue
        lines.append(
            {
                "t": CANDIDATE,
                "args": {
                    "code": code,
                    "name": customer_arg(row.id),
                    "address": customer_arg(row.id, "address"),
                },
            }
        )
        buttons.append([(code, "sup.new.pick", _pick(form, "customer", code))])
    await turn.reply("@lines", extra={"lines": lines}, buttons=buttons)


def _pick(form: Form, step: str, value: str) -> dict[str, Any]:
    return {"step": step, "value": value, "started": form.data.get("called_at")}


async def _unit_typed(turn: Turn, form: Form, text: str) -> None:
    units = await turn.uow.equipment.of_customer(str(form.data["customer"]))
    serials = {unit.serial.upper(): unit.serial for unit in units}
    if text.upper() in serials:
        await _advance(turn, form, {"equipment": serials[text.upper()]})
        return
    example = units[0].serial if units else "RF25-0001"
    await turn.reply(NOT_UNIT, args={"example": example})


_ORDER = ("customer", "equipment", "kind", "priority", "fault", "channel", "summary")


async def _advance(turn: Turn, form: Form, values: Mapping[str, Any]) -> None:
    """Record ``values`` and ask the next question of the form."""
    data = {**form.data, **values}
    step = _ORDER[_ORDER.index(form.step) + 1]
    saved = await turn.uow.forms.save(replace(form, step=step, data=data), turn.now)
    await _ask(turn, saved)


async def _ask(turn: Turn, form: Form) -> None:
    step = form.step
    if step == "equipment":
        code = str(form.data["customer"])
        row = await turn.uow.customers.row(code)
        assert row is not None
        units = await turn.uow.equipment.of_customer(code)
        buttons: list[list[ButtonSpec]] = [
            [(f"{unit.serial} {unit.model}", "sup.new.pick", _pick(form, step, unit.serial))]
            for unit in units[:10]
        ]
        buttons.append([(NO_UNIT, "sup.new.pick", _pick(form, step, ""))])
        template = ASK_UNIT if units else NO_UNITS
        await turn.reply(
            template, args={"customer": customer_arg(row.id), "code": code}, buttons=buttons
        )
    elif step in STEP_CHOICES:
        question = {"kind": ASK_KIND, "priority": ASK_PRIORITY, "channel": ASK_CHANNEL}[step]
        choices = list(STEP_CHOICES[step].items())
        rows = [choices[i : i + 3] for i in range(0, len(choices), 3)]
        await turn.reply(
            question,
            buttons=[
                [(label, "sup.new.pick", _pick(form, step, value)) for value, label in row]
                for row in rows
            ],
        )
    elif step == "fault":
        await turn.reply(ASK_FAULT)
    elif step == "summary":
        await _summary(turn, form)


async def new_picked(turn: Turn, payload: dict[str, object]) -> None:
    _require(turn, Permission.REGISTER_JOB)
    form = await _open_new_form(turn, payload)
    if form is None or form.step != payload.get("step"):
        await turn.reply(STALE_CHOICE)
        return
    field = str(payload["step"])
    value = str(payload["value"])
    if field == "customer":
        await _advance(turn, form, {"customer": value})
    elif field == "equipment":
        await _advance(turn, form, {"equipment": value or None})
    else:
        await _advance(turn, form, {field: value})


async def _open_new_form(turn: Turn, payload: Mapping[str, object]) -> Form | None:
    """The supervisor's /new form the button belongs to (None: finished or another one)."""
    form = await turn.uow.forms.get(turn.user_id)
    if form is None or form.name != FORM_NEW:
        return None
    if form.data.get("called_at") != payload.get("started"):
        return None
    return form


async def preview(turn: Turn, data: Mapping[str, Any]) -> Preview:
    """The service type, zone and deadlines ``register_job`` will derive for this call."""
    serial = data.get("equipment")
    return await preview_job(
        turn.uow,
        turn.deps.settings,
        customer=str(data["customer"]),
        equipment=str(serial) if serial else None,
        priority=str(data["priority"]),
        called_at=datetime.fromisoformat(str(data["called_at"])),
        service_type_override=str(data["type_override"]) if data.get("type_override") else None,
        zone_override=str(data["zone_override"]) if data.get("zone_override") else None,
    )


async def _summary(turn: Turn, form: Form) -> None:
    data = form.data
    found = await preview(turn, data)
    row = await turn.uow.customers.row(str(data["customer"]))
    assert row is not None
    serial = data.get("equipment")
    unit = await turn.uow.equipment.get(str(serial)) if serial else None
    tz = found.timezone
    lines: list[dict[str, Any]] = [
        {
            "t": N_("New job for {customer} ({code})"),
            "args": {"customer": customer_arg(row.id), "code": row.customer.code},
        },
        {"t": N_("Unit: {unit}"), "args": {"unit": f"{unit.serial} {unit.model}"}}
        if unit is not None
        else {"t": N_("Unit: none")},
        {
            "t": N_("Work: {kind}; priority: {priority}; channel: {channel}"),
            "args": {
                "kind": {"t": KIND_NAMES[WorkKind(data["kind"])]},
                "priority": {"t": PRIORITY_NAMES[Priority(data["priority"])]},
                "channel": {"t": CHANNEL_NAMES[Channel(data["channel"])]},
            },
        },
        {"t": N_("Fault: {fault}"), "args": {"fault": data["fault"]}},
        {
            "t": N_("Service type: {type} ({name})"),
            "args": {
                "type": found.service_type.value,
                "name": {"t": TYPE_NAMES[found.service_type]},
            },
        },
        {"t": N_("Zone: {zone}"), "args": {"zone": {"t": ZONE_NAMES[found.zone]}}},
        {
            "t": N_("Dispatch by {assign}"),
            "args": {"assign": {**dt_arg(found.assign_due, tz), "fmt": "short"}},
        },
        {
            "t": N_("Arrival by {arrival} ({hours} working hours)"),
            "args": {
                "arrival": {**dt_arg(found.arrival_due, tz), "fmt": "short"},
                "hours": _hours(found.arrival_hours),
            },
        },
    ]
    if data.get("type_override"):
        lines.append(
            {"t": N_("Service type set by hand: {reason}"), "args": {"reason": data["type_reason"]}}
        )
    if data.get("zone_override"):
        lines.append(
            {"t": N_("Zone set by hand: {reason}"), "args": {"reason": data["zone_reason"]}}
        )
    lines.append(
        {
            "t": N_(
                "To change the type or zone: /override type A|B|C|D REASON or "
                "/override zone urban|suburban REASON"
            )
        }
    )
    started = data.get("called_at")
    await turn.reply(
        "@lines",
        extra={"lines": lines},
        buttons=[
            [
                (REGISTER, "sup.new.register", {"started": started}),
                (CANCEL_FORM, "sup.new.cancel", {"started": started}),
            ]
        ],
    )


def _hours(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


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
    code = _require(turn, Permission.OVERRIDE_SERVICE_TYPE)
    form = await turn.uow.forms.get(turn.user_id)
    on_summary = form is not None and form.name == FORM_NEW and form.step == "summary"
    parsed = _parse_override(args, turn.deps.settings.text_max_chars)
    if parsed is None:
        await turn.reply(OVERRIDE_ON_SUMMARY if on_summary else OVERRIDE_A_JOB)
        return
    number, change = parsed
    if number is None:
        if form is None or not on_summary:
            await turn.reply(OVERRIDE_A_JOB)
            return
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
        await _summary(turn, saved)
        return
    if await turn.uow.jobs.by_number(number) is None:
        await turn.reply(NO_SUCH_JOB, args={"number": number})
        return
    job = await override_job(
        turn.uow,
        turn.deps.settings,
        turn.deps.clock,
        job=number,
        actor=code,
        reason=change["reason"],
        service_type=change.get("type"),
        zone=change.get("zone"),
        priority=change.get("priority"),
    )
    tz = await branch_timezone(turn.uow, turn.deps.settings, job)
    arrival = job.arrival_due_at
    if "priority" in change:
        due = job.contact_due_at if job.state is JobState.ACCEPTED else job.assign_due_at
        await turn.reply(
            N_(
                "Job {number}: priority {priority}; dispatch and contact deadlines recomputed, "
                "{clock} by {due}. Reason: {reason}"
            ),
            args={
                "number": job.number,
                "priority": {"t": PRIORITY_NAMES[job.priority]},
                "clock": {
                    "t": CLOCK_NAMES["contact" if job.state is JobState.ACCEPTED else "assign"]
                },
                "due": {**dt_arg(due, tz), "fmt": "short"} if due else "-",
                "reason": change["reason"],
            },
        )
        return
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


async def new_cancelled(turn: Turn, payload: dict[str, object]) -> None:
    form = await _open_new_form(turn, payload)
    if form is None:
        await turn.reply(STALE_CHOICE)
        return
    await turn.uow.forms.clear(turn.user_id)
    await turn.reply(N_("Cancelled. Nothing was saved."))


async def new_register(turn: Turn, payload: dict[str, object]) -> None:
    code = _require(turn, Permission.REGISTER_JOB)
    form = await _open_new_form(turn, payload)
    if form is None or form.step != "summary":
        await turn.reply(STALE_CHOICE)
        return
    data = form.data
    job = await register_job(
        turn.uow,
        turn.deps.settings,
        turn.deps.clock,
        customer=str(data["customer"]),
        equipment=str(data["equipment"]) if data.get("equipment") else None,
        kind=str(data["kind"]),
        priority=str(data["priority"]),
        fault=str(data["fault"]),
        channel=str(data["channel"]),
        actor=code,
        called_at=datetime.fromisoformat(str(data["called_at"])),
        service_type_override=data.get("type_override") or None,
        service_type_reason=data.get("type_reason") if data.get("type_override") else None,
        zone_override=data.get("zone_override") or None,
        zone_reason=data.get("zone_reason") if data.get("zone_override") else None,
    )
    await turn.uow.forms.clear(turn.user_id)
    registered = {
        "t": N_("Registered job {number} (service type {type}, {zone})."),
        "args": {
            "number": job.number,
            "type": job.service_type.value,
            "zone": {"t": ZONE_NAMES[job.zone]},
        },
    }
    await _suggestions(turn, job, first=registered)


# --- dispatch ------------------------------------------------------------------------------------

SUGGESTION = N_("{name} ({code}): {distance}, {skill}, {load}")
SUGGESTION_NO_UNIT = N_("{name} ({code}): {distance}, {load}")
FROM_LAST_LOCATION = N_("{km} km from the last known location")
FROM_BRANCH = N_("{km} km from the branch")
SKILLED = N_("knows {line}")
NOT_SKILLED = N_("does not know {line}")
OPEN_JOBS = N_("{count} open jobs")
DECLINED_BEFORE = N_("{name} declined this job before.")


def _suggestion_line(suggestion: dispatching.Suggestion) -> list[dict[str, Any]]:
    R = dispatching.Reason
    args: dict[str, Any] = {"name": staff_arg(suggestion.staff_id), "code": suggestion.staff_code}
    declined = False
    for reason in suggestion.reasons:
        if reason.code in (R.FROM_LAST_LOCATION, R.FROM_BRANCH):
            template = FROM_LAST_LOCATION if reason.code is R.FROM_LAST_LOCATION else FROM_BRANCH
            km = f"{float(reason.value or 0) / 1000:.1f}"
            args["distance"] = {"t": template, "args": {"km": km}}
        elif reason.code in (R.SKILLED, R.NOT_SKILLED):
            template = SKILLED if reason.code is R.SKILLED else NOT_SKILLED
            args["skill"] = {"t": template, "args": {"line": reason.detail or ""}}
        elif reason.code is R.OPEN_JOBS:
            args["load"] = {"t": OPEN_JOBS, "args": {"count": int(reason.value or 0)}}
        elif reason.code is R.DECLINED_BEFORE:
            declined = True
    lines = [{"t": SUGGESTION if "skill" in args else SUGGESTION_NO_UNIT, "args": args}]
    if declined:
        lines.append({"t": DECLINED_BEFORE, "args": {"name": staff_arg(suggestion.staff_id)}})
    return lines


async def _suggestions(turn: Turn, job: JobRecord, first: dict[str, Any] | None = None) -> None:
    """The top technicians for the job, each a button that dispatches (or reassigns)."""
    found = await dispatching.suggest_technicians(turn.uow, turn.deps.settings, job=job_id_of(job))
    lines: list[dict[str, Any]] = [] if first is None else [first]
    lines.append({"t": N_("Job {number}: choose a technician."), "args": {"number": job.number}})
    buttons: list[list[ButtonSpec]] = []
    payload = job_button(job)
    for suggestion in found:
        if suggestion.staff_id == job.technician_id:
            continue
        lines.extend(_suggestion_line(suggestion))
        label = _staff_with_code(suggestion.staff_id, suggestion.staff_code)
        buttons.append([(label, "sup.dispatch", {**payload, "technician": suggestion.staff_code})])
    if not buttons:
        lines.append({"t": N_("No other technician of the branch is available.")})
    await turn.reply("@lines", extra={"lines": lines}, buttons=buttons)


async def _current(turn: Turn, payload: Mapping[str, object]) -> JobRecord:
    """The job a button is for. Moved on since the button was made: by this person, say in
    which state it is now; by someone else, that someone else changed it."""
    job = await load_job(turn.uow, int(str(payload["job_id"])))
    await _require_branch_of(turn, job)
    seen = int(str(payload["version"]))
    if job.version == seen:
        return job
    events = await turn.uow.events.for_subject("job", job_id_of(job))
    mine = bool(events) and events[-1].actor == f"staff:{turn.person.id}"
    if mine:
        raise IllegalTransition(f"job {job.number} moved on", state=job.state.value)
    raise ConcurrencyConflict(f"job {job.number} changed meanwhile (version {job.version})")


def job_id_of(job: JobRecord) -> int:
    assert job.id is not None
    return job.id


async def suggest_pressed(turn: Turn, payload: dict[str, object]) -> None:
    _require(turn, Permission.DISPATCH)
    job = await _current(turn, payload)
    if job.state not in OPEN_STATES:
        raise IllegalTransition(f"job {job.number} is {job.state}", state=job.state.value)
    await _suggestions(turn, job)


async def dispatch_pressed(turn: Turn, payload: dict[str, object]) -> None:
    code = _require(turn, Permission.DISPATCH)
    job = await _current(turn, payload)
    technician = str(payload["technician"])
    settings, clock = turn.deps.settings, turn.deps.clock
    if job.state is JobState.REGISTERED:
        change = await dispatching.dispatch(
            turn.uow,
            settings,
            clock,
            job=job_id_of(job),
            technician=technician,
            actor=code,
            expected_version=job.version,
        )
        template = N_("Job {number} is dispatched to {technician}; waiting for them to accept.")
    else:
        _require(turn, Permission.REASSIGN)
        change = await dispatching.reassign(
            turn.uow,
            settings,
            clock,
            job=job_id_of(job),
            technician=technician,
            actor=code,
            expected_version=job.version,
        )
        template = N_("Job {number} is reassigned to {technician}; waiting for them to accept.")
    tech = await turn.uow.staff.row(technician)
    await turn.reply(
        template,
        args={
            "number": change.job.number,
            "technician": staff_arg(tech.id) if tech else technician,
        },
    )


# --- decisions with a reason: cancel, reject fees, fail inspection ------------------------------

ASK_REASON = {
    "cancel": N_("Why is job {number} cancelled? Write the reason, or /cancel to keep the job."),
    "reject": N_("Why are the fees of job {number} rejected? Write the reason, or /cancel."),
    "fail": N_("Why did job {number} fail inspection? Write the reason, or /cancel."),
}


async def _ask_reason(turn: Turn, what: str, job: JobRecord) -> None:
    data = {"what": what, "job_id": job_id_of(job), "version": job.version}
    await turn.uow.forms.start(turn.user_id, FORM_REASON, "reason", data, turn.now)
    await turn.reply(ASK_REASON[what], args={"number": job.number})


async def cancel_pressed(turn: Turn, payload: dict[str, object]) -> None:
    _require(turn, Permission.CANCEL)
    job = await _current(turn, payload)
    if job.state not in OPEN_STATES:
        raise IllegalTransition(f"job {job.number} is {job.state}", state=job.state.value)
    await _ask_reason(turn, "cancel", job)


async def reject_pressed(turn: Turn, payload: dict[str, object]) -> None:
    await _decider(turn, Permission.APPROVE_FEES, int(str(payload["job_id"])))
    job = await _current(turn, payload)
    _expect(job, JobState.AWAITING_APPROVAL)
    await _ask_reason(turn, "reject", job)


async def fail_pressed(turn: Turn, payload: dict[str, object]) -> None:
    await _decider(turn, Permission.INSPECT, int(str(payload["job_id"])))
    job = await _current(turn, payload)
    _expect(job, JobState.AWAITING_INSPECTION)
    await _ask_reason(turn, "fail", job)


def _expect(job: JobRecord, state: JobState) -> None:
    if job.state is not state:
        raise IllegalTransition(f"job {job.number} is {job.state}", state=job.state.value)


async def reason_form(turn: Turn, form: Form, message: Message) -> None:
    text = await free_text_or_ask(turn, message, REASON_TEXT)
    if text is None:
        return
    what = str(form.data["what"])
    job = int(str(form.data["job_id"]))
    version = int(str(form.data["version"]))
    settings, clock, uow = turn.deps.settings, turn.deps.clock, turn.uow
    await uow.forms.clear(turn.user_id)
    if what == "cancel":
        code = _require(turn, Permission.CANCEL)
        change = await dispatching.cancel(
            uow, settings, clock, job=job, actor=code, reason=text, expected_version=version
        )
        template = N_("Job {number} is cancelled: {reason}")
    elif what == "reject":
        code = await _decider(turn, Permission.APPROVE_FEES, job)
        change = await work_record.reject(
            uow, settings, clock, job=job, actor=code, reason=text, expected_version=version
        )
        template = N_("The fees of job {number} are rejected: {reason}. The technician is told.")
    else:
        code = await _decider(turn, Permission.INSPECT, job)
        change = await workshop.fail_inspection(
            uow, settings, clock, job=job, actor=code, reason=text, expected_version=version
        )
        template = N_("Job {number} failed inspection: {reason}. Back to the workshop.")
    await turn.reply(template, args={"number": change.job.number, "reason": text})


# --- decisions without a reason ------------------------------------------------------------------


async def approve_pressed(turn: Turn, payload: dict[str, object]) -> None:
    code = await _decider(turn, Permission.APPROVE_FEES, int(str(payload["job_id"])))
    job = await _current(turn, payload)
    approved = await work_record.approve(
        turn.uow,
        turn.deps.settings,
        turn.deps.clock,
        job=job_id_of(job),
        actor=code,
        expected_version=job.version,
    )
    await turn.reply(
        N_("The fees of job {number} are approved; the customer is asked to sign off."),
        args={"number": approved.change.job.number},
    )


async def rework_pressed(turn: Turn, payload: dict[str, object]) -> None:
    code = await _decider(turn, Permission.RESOLVE_DISPUTE, int(str(payload["job_id"])))
    job = await _current(turn, payload)
    change = await signoff.rework(
        turn.uow,
        turn.deps.settings,
        turn.deps.clock,
        job=job_id_of(job),
        actor=code,
        expected_version=job.version,
    )
    await turn.reply(
        N_("Job {number} goes back on site for rework; the technician is told."),
        args={"number": change.job.number},
    )


async def accept_as_is_pressed(turn: Turn, payload: dict[str, object]) -> None:
    code = await _decider(turn, Permission.RESOLVE_DISPUTE, int(str(payload["job_id"])))
    job = await _current(turn, payload)
    signed = await signoff.accept_as_is(
        turn.uow,
        turn.deps.settings,
        turn.deps.clock,
        job=job_id_of(job),
        actor=code,
        expected_version=job.version,
    )
    final = signed.closed.job if signed.closed is not None else signed.change.job
    await turn.reply(
        N_("Job {number} is accepted as it is and signed off; it is {state} now."),
        args={"number": final.number, "state": {"t": STATE_NAMES[final.state]}},
    )


async def pass_pressed(turn: Turn, payload: dict[str, object]) -> None:
    code = await _decider(turn, Permission.INSPECT, int(str(payload["job_id"])))
    job = await _current(turn, payload)
    change = await workshop.pass_inspection(
        turn.uow,
        turn.deps.settings,
        turn.deps.clock,
        job=job_id_of(job),
        actor=code,
        expected_version=job.version,
    )
    await turn.reply(
        N_("Job {number} passed inspection; the technician returns the unit."),
        args={"number": change.job.number},
    )


# --- /calls and /job -----------------------------------------------------------------------------


def _deadline_args(job: JobRecord, deadline: Deadline | None, tz: str) -> dict[str, Any]:
    if deadline is None:
        return {"t": N_("no running deadline")}
    return {
        "t": N_("{clock} by {due}"),
        "args": {
            "clock": {"t": CLOCK_NAMES.get(deadline.clock, deadline.clock)},
            "due": {**dt_arg(deadline.due_at, tz), "fmt": "short"},
        },
    }


async def calls_command(turn: Turn, args: str) -> None:
    """The call log of the supervisor's branch (every branch for staff without one):
    ``/calls`` the latest jobs, ``/calls open`` the open ones."""
    _require(turn, Permission.VIEW_CALL_LOG)
    branch = await _branch_code(turn)
    only_open = args.strip().lower() in {"open", "打开", "未结"}
    found = await list_jobs(turn.uow, branch=branch, states=OPEN_STATES if only_open else None)
    shown = found[-CALLS_SHOWN:]
    if not shown:
        await turn.reply(N_("The call log is empty."))
        return
    tz = turn.deps.settings.timezone
    if branch is not None:
        tz = (await require_branch(turn.uow, branch)).timezone or tz
    names = await _technician_names(turn, [s.job for s in shown])
    lines: list[dict[str, Any]] = [
        {
            "t": N_("Call log: {shown} of {total} jobs, in the order of the call."),
            "args": {"shown": len(shown), "total": len(found)},
        }
    ]
    for summary in shown:
        job = summary.job
        lines.append(
            {
                "t": N_("{number} {customer} · {state} · {technician} · {deadline}"),
                "args": {
                    "number": job.number,
                    "customer": summary.customer,
                    "state": _state_arg(job),
                    "technician": names.get(job.technician_id or 0) or {"t": N_("nobody yet")},
                    "deadline": _deadline_args(job, summary.next_deadline, tz),
                },
            }
        )
    lines.append({"t": N_("/job NUMBER shows a job and what you can do with it.")})
    await turn.reply("@lines", extra={"lines": lines})


def _state_arg(job: JobRecord) -> dict[str, Any]:
    """The state, marked when the job is an emergency or was carried over (DESIGN §3)."""
    state: dict[str, Any] = {"t": STATE_NAMES[job.state]}
    if job.priority is Priority.EMERGENCY:
        state = {"t": N_("{state}, emergency"), "args": {"state": state}}
    if job.carried_over and job.state is JobState.REGISTERED:
        state = {"t": N_("{state}, carried over"), "args": {"state": state}}
    return state


async def _technician_names(turn: Turn, jobs: Sequence[JobRecord]) -> dict[int, dict[str, Any]]:
    ids = [job.technician_id for job in jobs if job.technician_id is not None]
    staff = await turn.uow.staff.stored_by_ids(ids)
    return {staff_id: _staff_with_code(staff_id, record.code) for staff_id, record in staff.items()}


def _staff_with_code(staff_id: int, code: str) -> dict[str, Any]:
    """A technician as "张磊 (T01)", the name by reference (looked up at send time)."""
    return {"t": STAFF_WITH_CODE, "args": {"name": staff_arg(staff_id), "code": code}}


async def job_command(turn: Turn, args: str) -> None:
    _require(turn, Permission.VIEW_CALL_LOG)
    number = job_number(args)
    if number is None:
        # Not repeated: what was typed may be a phone (DESIGN §6).
        await turn.reply(N_("Which job? Send /job and its number, e.g. /job J20260914-001."))
        return
    job = await turn.uow.jobs.by_number(number)
    if job is None:
        await turn.reply(NO_SUCH_JOB, args={"number": number})
        return
    await _require_branch_of(turn, job)
    await show_job(turn, job)


async def show_job(turn: Turn, job: JobRecord) -> None:
    """A job's card with the buttons for its state only."""
    details = await job_details(turn.uow, job.number)
    tz = await branch_timezone(turn.uow, turn.deps.settings, job)
    names = await _technician_names(turn, [job])
    unit = details.equipment
    lines: list[dict[str, Any]] = [
        {
            "t": N_("Job {number}: {state}"),
            "args": {"number": job.number, "state": _state_arg(job)},
        },
        {
            "t": N_("Customer: {customer} ({code})"),
            "args": {"customer": customer_arg(job.customer_id), "code": details.customer.code},
        },
        {"t": N_("Unit: {unit}"), "args": {"unit": f"{unit.serial} {unit.model}"}}
        if unit is not None
        else {"t": N_("Unit: none")},
        {
            "t": N_("Work: {kind}; priority: {priority}; channel: {channel}"),
            "args": {
                "kind": {"t": KIND_NAMES[job.kind]},
                "priority": {"t": PRIORITY_NAMES[job.priority]},
                "channel": {"t": CHANNEL_NAMES[job.channel]},
            },
        },
        {"t": N_("Fault: {fault}"), "args": {"fault": job.fault}},
        {
            "t": N_("Service type: {type} ({name})"),
            "args": {"type": job.service_type.value, "name": {"t": TYPE_NAMES[job.service_type]}},
        },
        {"t": N_("Zone: {zone}"), "args": {"zone": {"t": ZONE_NAMES[job.zone]}}},
        {
            "t": N_("Technician: {technician}"),
            "args": {"technician": names.get(job.technician_id or 0) or {"t": N_("nobody yet")}},
        },
    ]
    for deadline in details.deadlines:
        lines.append(
            {
                "t": N_("Deadline: {deadline}"),
                "args": {"deadline": _deadline_args(job, deadline, tz)},
            }
        )
    buttons = _job_buttons(turn, job) + await clock_buttons(turn, job)
    await turn.reply("@lines", extra={"lines": lines}, buttons=buttons)


def _job_buttons(turn: Turn, job: JobRecord) -> list[list[ButtonSpec]]:
    roles = turn.person.roles
    payload = job_button(job)
    row: list[ButtonSpec] = []
    state = job.state
    if state is JobState.REGISTERED and may(roles, Permission.DISPATCH):
        row.append((DISPATCH, "sup.suggest", payload))
    elif state in OPEN_STATES and may(roles, Permission.REASSIGN):
        row.append((REASSIGN, "sup.suggest", payload))
    decisions: list[ButtonSpec] = []
    if state is JobState.AWAITING_APPROVAL and may(roles, Permission.APPROVE_FEES):
        decisions = [(APPROVE, "fees.approve", payload), (REJECT, "fees.reject", payload)]
    elif state is JobState.DISPUTED and may(roles, Permission.RESOLVE_DISPUTE):
        decisions = [(REWORK, "dispute.rework", payload), (ACCEPT_AS_IS, "dispute.accept", payload)]
    elif state is JobState.AWAITING_INSPECTION and may(roles, Permission.INSPECT):
        decisions = [(PASS, "inspection.pass", payload), (FAIL, "inspection.fail", payload)]
    if state in OPEN_STATES and may(roles, Permission.CANCEL):
        row.append((CANCEL_JOB, "sup.cancel", payload))
    return [r for r in (decisions, row) if r]
