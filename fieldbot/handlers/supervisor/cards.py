"""The supervisor's cards and keyboards: a job's card with the buttons its state and the
supervisor's permissions allow (the clocks' Pause and Resume among them), the call log, the
technicians suggested for a job, and the questions and summary of the /new form. Each
function builds what is shown; the handlers send it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fieldbot.domain.model import Channel, Equipment, JobState, Priority, WorkKind, Zone
from fieldbot.domain.permissions import Permission, may
from fieldbot.domain.states import OPEN_STATES
from fieldbot.handlers.cards import Card, Keyboard, lines_card
from fieldbot.handlers.supervisor.common import job_id_of
from fieldbot.handlers.supervisor.complaints import complaint_buttons
from fieldbot.handlers.turn import ButtonSpec, Turn
from fieldbot.i18n import N_
from fieldbot.labels import (
    CHANNEL_NAMES,
    KIND_NAMES,
    PRIORITY_NAMES,
    STATE_NAMES,
    TYPE_NAMES,
    product_line_arg,
)
from fieldbot.repositories.clocks import ClockRow
from fieldbot.repositories.conversations import Form
from fieldbot.repositories.events import Event
from fieldbot.repositories.jobs import JobRecord
from fieldbot.repositories.people import CustomerRow
from fieldbot.services import calls, remote
from fieldbot.services import dispatch as dispatching
from fieldbot.services.access_log import JOB_CARD, Showing, phone_shown
from fieldbot.services.contract_terms import job_contract, response_line
from fieldbot.services.customer_requests import OWN_REQUEST_PHOTOS
from fieldbot.services.deadlines.clocks import CLOCK_NAMES, JOB
from fieldbot.services.job_details import Deadline, job_details
from fieldbot.services.jobs import Preview
from fieldbot.services.signoff import ACCEPT_AS_IS, REWORK
from fieldbot.services.workflow import (
    APPROVE,
    REJECT,
    branch_timezone,
    customer_arg,
    dt_arg,
    job_button,
    staff_arg,
)
from fieldbot.services.workshop import FAIL, PASS

ZONE_NAMES = {Zone.URBAN: N_("urban"), Zone.SUBURBAN: N_("suburban")}
REGISTER = N_("Register")
CANCEL_FORM = N_("Cancel")
NO_UNIT = N_("No particular unit")
DISPATCH = N_("Dispatch")
REASSIGN = N_("Reassign")
CANCEL_JOB = N_("Cancel the job")
RESOLVE_REMOTELY = N_("Resolve remotely")
PHONE_CONFIRMED = N_("Customer confirmed by phone")
CARRY_IN = N_("Carry in")
REPLY_TO_CUSTOMER = N_("Reply to customer")
# The choices of the /new form, step by step: what a button of that step sets.
STEP_CHOICES: dict[str, dict[str, str]] = {
    "kind": {k.value: v for k, v in KIND_NAMES.items()},
    "priority": {k.value: v for k, v in PRIORITY_NAMES.items()},
    "channel": {k.value: v for k, v in CHANNEL_NAMES.items()},
}
ASK_UNIT = N_("Which unit of {customer} ({code})? Choose below or send its serial.")
NO_UNITS = N_("{customer} ({code}) has no units on record. Continue without a unit?")
ASK_KIND = N_("What kind of work?")
ASK_PRIORITY = N_("How urgent is it?")
ASK_CHANNEL = N_("How did the call come in? (Usually phone.)")
SEVERAL_CUSTOMERS = N_("{count} customers match. Which one?")
CANDIDATE = N_("{code}: {name}, {address}")
STAFF_WITH_CODE = N_("{name} ({code})")
SUGGESTION = N_("{name} ({code}): {distance}, {skill}, {load}")
SUGGESTION_NO_UNIT = N_("{name} ({code}): {distance}, {load}")
FROM_LAST_LOCATION = N_("{km} km from the last known location")
FROM_BRANCH = N_("{km} km from the branch")
SKILLED = N_("knows {line}")
NOT_SKILLED = N_("does not know {line}")
OPEN_JOBS = N_("{count} open jobs")
DECLINED_BEFORE = N_("{name} declined this job before.")
SKIPPED_AWAY = N_("Not suggested: {name} ({code}) is away until {until}.")
SKIPPED_LEFT = N_("Not suggested: {name} ({code}) has left.")
PAUSE_LABELS = {
    "assign": N_("Pause dispatch"),
    "contact": N_("Pause contact"),
    "arrival": N_("Pause arrival"),
    "workshop": N_("Pause workshop"),
}
RESUME_LABELS = {
    "assign": N_("Resume dispatch"),
    "contact": N_("Resume contact"),
    "arrival": N_("Resume arrival"),
    "workshop": N_("Resume workshop"),
}


def deadline_args(job: JobRecord, deadline: Deadline | None, tz: str) -> dict[str, Any]:
    if deadline is None:
        return {"t": N_("no running deadline")}
    return {
        "t": N_("{clock} by {due}"),
        "args": {
            "clock": {"t": CLOCK_NAMES.get(deadline.clock, deadline.clock)},
            "due": {**dt_arg(deadline.due_at, tz), "fmt": "short"},
        },
    }


def state_arg(job: JobRecord) -> dict[str, Any]:
    """The state, marked when the job is an emergency or was carried over (DESIGN §3)."""
    state: dict[str, Any] = {"t": STATE_NAMES[job.state]}
    if job.priority is Priority.EMERGENCY:
        state = {"t": N_("{state}, emergency"), "args": {"state": state}}
    if calls.carried_over(job):
        state = {"t": N_("{state}, carried over"), "args": {"state": state}}
    return state


async def technician_names(turn: Turn, jobs: Sequence[JobRecord]) -> dict[int, dict[str, Any]]:
    ids = [job.technician_id for job in jobs if job.technician_id is not None]
    staff = await turn.uow.staff.stored_by_ids(ids)
    return {staff_id: staff_with_code(staff_id, record.code) for staff_id, record in staff.items()}


def staff_with_code(staff_id: int, code: str) -> dict[str, Any]:
    """A technician as "张磊 (T01)", the name by reference (looked up at send time)."""
    return {"t": STAFF_WITH_CODE, "args": {"name": staff_arg(staff_id), "code": code}}


# --- a job's card --------------------------------------------------------------------------------


async def job_card(turn: Turn, job: JobRecord) -> Card:
    """A job's card with the buttons for its state only (and this person's permissions); it
    shows the customer's phone, so showing it is an access event (DESIGN.md §6)."""
    details = await job_details(turn.uow, job.number)
    tz = await branch_timezone(turn.uow, turn.deps.settings, job)
    names = await technician_names(turn, [job])
    unit = details.equipment
    shown = Showing(job.customer_id, job.id)
    await phone_shown(turn.uow, shown, shown=JOB_CARD, now=turn.now, staff_id=turn.person.id)
    lines: list[dict[str, Any]] = [
        {
            "t": N_("Job {number}: {state}"),
            "args": {"number": job.number, "state": state_arg(job)},
        },
        *customer_lines(job, details.customer.code),
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
        *own_request_lines(job, photo_count(details.events)),
        {
            "t": N_("Service type: {type} ({name})"),
            "args": {"type": job.service_type.value, "name": {"t": TYPE_NAMES[job.service_type]}},
        },
        {"t": N_("Zone: {zone}"), "args": {"zone": {"t": ZONE_NAMES[job.zone]}}},
        *await contract_lines(turn, job),
        {
            "t": N_("Technician: {technician}"),
            "args": {"technician": names.get(job.technician_id or 0) or {"t": N_("nobody yet")}},
        },
    ]
    now = turn.now
    for deadline in details.deadlines:
        late = deadline.due_at < now
        lines.append(
            {
                "t": N_("Deadline: {deadline} — past the deadline, it will be missed")
                if late
                else N_("Deadline: {deadline}"),
                "args": {"deadline": deadline_args(job, deadline, tz)},
            }
        )
    lines.extend(stopped_clock_lines(details.clocks, tz))
    buttons = job_buttons(turn, job) + await remote_buttons(turn, job)
    return lines_card(
        lines, buttons + await clock_buttons(turn, job) + complaint_buttons(turn, job)
    )


def customer_lines(job: JobRecord, code: str) -> list[dict[str, Any]]:
    """Who the customer is and their phone, looked up when the card is sent."""
    return [
        {
            "t": N_("Customer: {customer} ({code})"),
            "args": {"customer": customer_arg(job.customer_id), "code": code},
        },
        {"t": N_("Phone: {phone}"), "args": {"phone": customer_arg(job.customer_id, "phone")}},
    ]


async def contract_lines(turn: Turn, job: JobRecord) -> list[dict[str, Any]]:
    """The contract's own response times, where they decide the job's targets."""
    settings = turn.deps.settings
    line = response_line(settings, job, await job_contract(turn.uow, settings, job))
    return [] if line is None else [line]


def photo_count(events: Sequence[Event]) -> int:
    """How many photos the customer sent with their own request."""
    return sum(len(e.payload.get("photos", [])) for e in events if e.kind == OWN_REQUEST_PHOTOS)


def own_request_lines(job: JobRecord, photos: int) -> list[dict[str, Any]]:
    """A customer's own request says so on its card, with the photos they sent (when its
    first reply is due is among the card's running deadlines)."""
    if not job.own_request:
        return []
    if photos:
        return [
            {
                "t": N_("Reported by the customer in the chat, {count} photo(s)."),
                "args": {"count": photos},
            }
        ]
    return [{"t": N_("Reported by the customer in the chat.")}]


CLOCK_MET = N_("{clock}: met (due {due})")
CLOCK_MISSED = N_("{clock}: missed (due {due})")


def stopped_clock_lines(clocks: Sequence[ClockRow], tz: str) -> list[dict[str, Any]]:
    """Met or missed, for every stopped clock of the job (DESIGN.md §4)."""
    lines: list[dict[str, Any]] = []
    for clock in clocks:
        if clock.state != "stopped" or clock.due_at is None:
            continue
        lines.append(
            {
                "t": CLOCK_MET if clock.met else CLOCK_MISSED,
                "args": {
                    "clock": {"t": CLOCK_NAMES.get(clock.clock, clock.clock)},
                    "due": {**dt_arg(clock.due_at, tz), "fmt": "short"},
                },
            }
        )
    return lines


def job_buttons(turn: Turn, job: JobRecord) -> list[list[ButtonSpec]]:
    roles = turn.person.roles
    payload = job_button(job)
    row: list[ButtonSpec] = []
    state = job.state
    if state is JobState.REGISTERED and may(roles, Permission.DISPATCH):
        row.append((DISPATCH, "sup.suggest", payload))
        row.append((CARRY_IN, "job.carry_in", payload))
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
    # A customer's own request: the supervisor answers them in their chat (DESIGN.md §5).
    reply: list[ButtonSpec] = []
    if job.own_request and state in OPEN_STATES and may(roles, Permission.REGISTER_JOB):
        reply.append((REPLY_TO_CUSTOMER, "sup.reply", payload))
    return [r for r in (decisions, reply, row) if r]


async def remote_buttons(turn: Turn, job: JobRecord) -> list[list[ButtonSpec]]:
    """Resolve remotely before a visit; Customer confirmed by phone while a remote resolution
    awaits sign-off (DESIGN.md §3 Second pass); for a supervisor who dispatches."""
    if not may(turn.person.roles, Permission.DISPATCH):
        return []
    payload = job_button(job)
    if job.state in remote.REMOTE_STATES:
        return [[(RESOLVE_REMOTELY, "sup.resolve_remotely", payload)]]
    if await remote.resolved_remotely(turn.uow, job):
        return [[(PHONE_CONFIRMED, "sup.phone_confirmed", payload)]]
    return []


async def clock_buttons(turn: Turn, job: JobRecord) -> list[list[ButtonSpec]]:
    """Pause for each running clock of the job, Resume for each paused one (one row), for a
    supervisor of the job's branch; nothing for anyone else."""
    person = turn.person
    if not may(person.roles, Permission.PAUSE_CLOCK) or person.branch_id != job.branch_id:
        return []
    row: list[ButtonSpec] = []
    clocks = {c.clock: c for c in await turn.uow.clocks.for_subject(JOB, job_id_of(job))}
    for name in PAUSE_LABELS:  # assign, contact, arrival, workshop: the clocks one may pause
        clock = clocks.get(name)
        if clock is None:
            continue
        payload = {"job_id": job_id_of(job), "clock": clock.clock, "generation": clock.generation}
        if clock.state == "running":
            row.append((PAUSE_LABELS[clock.clock], "clock.pause", payload))
        elif clock.state == "paused":
            row.append((RESUME_LABELS[clock.clock], "clock.resume", payload))
    return [row] if row else []


# --- the call log --------------------------------------------------------------------------------


def calls_page(
    found: calls.CallsPage, whole_log: bool, names: Mapping[int, dict[str, Any]], tz: str
) -> Card:
    """A page of the queue (open jobs, carried-over first, then by call time) or of the call
    log (every job in the order of the call), with the way to the next page."""
    header = (
        N_("Call log: {total} jobs, in the order of the call — page {page} of {pages}.")
        if whole_log
        else N_(
            "Your queue: {total} open jobs, carried-over first, then by call time — "
            "page {page} of {pages}."
        )
    )
    lines: list[dict[str, Any]] = [
        {"t": header, "args": {"total": found.total, "page": found.page, "pages": found.pages}}
    ]
    for summary in found.jobs:
        job = summary.job
        lines.append(
            {
                "t": N_("{number} {customer} · {state} · {technician} · {deadline}"),
                "args": {
                    "number": job.number,
                    "customer": summary.customer,
                    "state": state_arg(job),
                    "technician": names.get(job.technician_id or 0) or {"t": N_("nobody yet")},
                    "deadline": deadline_args(job, summary.next_deadline, tz),
                },
            }
        )
    if found.next_page is not None:
        command = f"/calls all {found.next_page}" if whole_log else f"/calls {found.next_page}"
        lines.append({"t": N_("Next page: {command}"), "args": {"command": command}})
    if not whole_log:
        lines.append({"t": N_("/calls all shows every job in the order of the call.")})
    lines.append({"t": N_("/job NUMBER shows a job and what you can do with it.")})
    return lines_card(lines)


# --- suggestions ---------------------------------------------------------------------------------


def suggestions(
    job: JobRecord,
    found: Sequence[dispatching.Suggestion],
    first: dict[str, Any] | None = None,
) -> Card:
    """The top technicians for the job, each a button that dispatches (or reassigns)."""
    lines: list[dict[str, Any]] = [] if first is None else [first]
    lines.append({"t": N_("Job {number}: choose a technician."), "args": {"number": job.number}})
    buttons: Keyboard = []
    payload = job_button(job)
    skipped = [s for s in found if not s.available]
    for suggestion in found:
        if suggestion.staff_id == job.technician_id or not suggestion.available:
            continue
        lines.extend(_suggestion_line(suggestion))
        label = staff_with_code(suggestion.staff_id, suggestion.staff_code)
        buttons.append([(label, "sup.dispatch", {**payload, "technician": suggestion.staff_code})])
    if not buttons:
        lines.append({"t": N_("No other technician of the branch is available.")})
    lines.extend(_skipped_line(suggestion) for suggestion in skipped)
    return lines_card(lines, buttons)


def _skipped_line(suggestion: dispatching.Suggestion) -> dict[str, Any]:
    """Why a technician of the branch is not suggested: away until a day, or left."""
    args: dict[str, Any] = {"name": staff_arg(suggestion.staff_id), "code": suggestion.staff_code}
    reason = suggestion.reasons[0]
    if reason.code is dispatching.Reason.AWAY and reason.detail:
        return {"t": SKIPPED_AWAY, "args": {**args, "until": {"day": reason.detail}}}
    return {"t": SKIPPED_LEFT, "args": args}


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
            args["skill"] = {"t": template, "args": {"line": product_line_arg(reason.detail or "")}}
        elif reason.code is R.OPEN_JOBS:
            args["load"] = {"t": OPEN_JOBS, "args": {"count": int(reason.value or 0)}}
        elif reason.code is R.DECLINED_BEFORE:
            declined = True
    lines = [{"t": SUGGESTION if "skill" in args else SUGGESTION_NO_UNIT, "args": args}]
    if declined:
        lines.append({"t": DECLINED_BEFORE, "args": {"name": staff_arg(suggestion.staff_id)}})
    return lines


# --- the /new form -------------------------------------------------------------------------------


def pick(form: Form, step: str, value: str) -> dict[str, Any]:
    return {"step": step, "value": value, "started": form.data.get("called_at")}


def candidates(form: Form, count: int, shown: Sequence[CustomerRow]) -> Card:
    """``count`` customers match what the supervisor sent: the ``shown`` ones each a line and
    a button."""
    lines: list[dict[str, Any]] = [{"t": SEVERAL_CUSTOMERS, "args": {"count": count}}]
    buttons: Keyboard = []
    for row in shown:
        code = row.customer.code
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
        buttons.append([(code, "sup.new.pick", pick(form, "customer", code))])
    return lines_card(lines, buttons)


def unit_question(form: Form, row: CustomerRow, units: Sequence[Equipment]) -> Card:
    """Which unit of the customer: up to ten as buttons, and No particular unit."""
    buttons: Keyboard = [
        [(f"{unit.serial} {unit.model}", "sup.new.pick", pick(form, "equipment", unit.serial))]
        for unit in units[:10]
    ]
    buttons.append([(NO_UNIT, "sup.new.pick", pick(form, "equipment", ""))])
    template = ASK_UNIT if units else NO_UNITS
    args = {"customer": customer_arg(row.id), "code": row.customer.code}
    return Card(template, args=args, buttons=buttons)


def choice_question(form: Form) -> Card:
    """The question of a step answered by a button (kind, priority, channel), three a row."""
    step = form.step
    question = {"kind": ASK_KIND, "priority": ASK_PRIORITY, "channel": ASK_CHANNEL}[step]
    choices = list(STEP_CHOICES[step].items())
    rows = [choices[i : i + 3] for i in range(0, len(choices), 3)]
    return Card(
        question,
        buttons=[
            [(label, "sup.new.pick", pick(form, step, value)) for value, label in row]
            for row in rows
        ],
    )


def new_job_summary(
    data: Mapping[str, Any], found: Preview, row: CustomerRow, unit: Equipment | None
) -> Card:
    """The summary of /new before Register: what the job will be and its deadlines."""
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
        *_derived_lines(found, tz),
        *_override_lines(data),
    ]
    started = data.get("called_at")
    buttons: Keyboard = [
        [
            (REGISTER, "sup.new.register", {"started": started}),
            (CANCEL_FORM, "sup.new.cancel", {"started": started}),
        ]
    ]
    return lines_card(lines, buttons)


def _derived_lines(found: Preview, tz: str) -> list[dict[str, Any]]:
    """The service type, zone and deadlines registering would derive."""
    return [
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
        _visit_line(found, tz),
        {
            "t": N_("Resolve by {due} ({days} working days)"),
            "args": {
                "due": {**dt_arg(found.resolve_due, tz), "fmt": "short"},
                "days": found.resolve_days,
            },
        }
        if found.resolve_due is not None
        else {
            "t": N_("Resolve within {days} working days of the appointment"),
            "args": {"days": found.resolve_days},
        },
    ]


def _visit_line(found: Preview, tz: str) -> dict[str, Any]:
    """When the visit is due: the arrival clock, the appointment (booked kinds), or none."""
    if found.arrival_due is not None:
        return {
            "t": N_("Arrival by {arrival} ({hours} working hours)"),
            "args": {
                "arrival": {**dt_arg(found.arrival_due, tz), "fmt": "short"},
                "hours": hours_text(found.arrival_hours),
            },
        }
    if found.booked:
        return {
            "t": N_("Arrival at the appointment agreed with the customer (+{minutes} min)"),
            "args": {"minutes": found.tolerance_minutes},
        }
    return {"t": N_("No arrival deadline: usually resolved remotely")}


def _override_lines(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """What was set by hand, and how to change it."""
    lines: list[dict[str, Any]] = []
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
    lines.append(override_values())
    return lines


def override_values() -> dict[str, Any]:
    """What the values of /override mean, in the reader's language (the command takes them
    as they are written: A, urban, emergency)."""

    def names(template: str, catalog: Mapping[Any, str]) -> dict[str, Any]:
        return {"t": template, "args": {k.value: {"t": v} for k, v in catalog.items()}}

    return {
        "t": N_("Type {types}; zone {zones}; priority {priorities}."),
        "args": {
            "types": names(N_("A = {A}, B = {B}, C = {C}, D = {D}"), TYPE_NAMES),
            "zones": names(N_("urban = {urban}, suburban = {suburban}"), ZONE_NAMES),
            "priorities": names(
                N_("emergency = {emergency}, general = {general}, consult = {consult}"),
                PRIORITY_NAMES,
            ),
        },
    }


def hours_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
