"""The technician's and the storekeeper's chat (DESIGN.md §3): the dispatch card (accept,
decline with a reason, the appointment), /jobs with each job's buttons for its state, arrival
by shared location, the finish form (work, hours, parts from the van, fees, summary), the
sign-off (the customer's chat, a QR code, or a photo of the signed paper voucher), cash or
invoice, take-back and the repair card, and the storekeeper's delivery of a requested part.

Forms that span several messages are rows (``uow.forms``): a restart in the middle continues
where the person was. The services check ownership and state again; a refused step is rolled
back and explained by the router.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Message

from fieldbot.domain.entitlement import FeeKind, FeeLine
from fieldbot.domain.errors import NotAllowed
from fieldbot.domain.model import JobState, Part
from fieldbot.domain.money import Money, parse_money
from fieldbot.domain.permissions import Permission, may
from fieldbot.handlers.refusals import free_text
from fieldbot.handlers.turn import ButtonSpec, Turn
from fieldbot.i18n import N_
from fieldbot.labels import STATE_NAMES
from fieldbot.rendering import more_line
from fieldbot.repositories.conversations import Form
from fieldbot.repositories.jobs import JobRecord
from fieldbot.services import dispatch, signoff, spare_parts, visit, work_record, workshop
from fieldbot.services.jobs import next_deadline
from fieldbot.services.signoff import CashNotAllowed, SignedOff, amount_due
from fieldbot.services.workflow import (
    ACCEPT,
    ARRIVED,
    DECLINE,
    ON_MY_WAY,
    branch_timezone,
    customer_arg,
    dt_arg,
    load_job,
    money_arg,
    require_state,
)

# --- texts -------------------------------------------------------------------------------------

SET_APPOINTMENT = N_("Set appointment")
IN_1H = N_("In 1 h")
IN_2H = N_("In 2 h")
TODAY_14 = N_("Today 14:00")
TOMORROW_9 = N_("Tomorrow 09:00")
OTHER_TIME = N_("Other time")
ARRIVED_MANUAL = N_("Arrived without location")
SHARE_LOCATION = N_("Share my location")
FINISH = N_("Finish")
NEED_PART = N_("Need a part")
TAKE_BACK = N_("Take back")
DEFECTIVE = N_("Defective part taken out")
REPAIRED = N_("Repaired")
RETURNED = N_("Returned to the customer")
SHOW_QR = N_("Sign-off QR code")
VOUCHER_PHOTO = N_("Photo of signed voucher")
CASH = N_("Cash collected")
INVOICE = N_("Invoice")
NO_MORE_PARTS = N_("No more parts")
SUBMIT = N_("Submit")
CANCEL = N_("Cancel")
USE_PROPOSED = N_("Use the proposed time")

DECLINE_REASONS = {
    "far": N_("Too far"),
    "skill": N_("Not my skill"),
    "busy": N_("Too busy"),
}
OTHER_REASON = N_("Other reason")
# What the supervisors read: the reason as text, in both languages (they may read either).
DECLINE_REASON_TEXT = {
    "far": "太远 / too far",
    "skill": "不熟悉该设备 / not my skill",
    "busy": "太忙 / too busy",
}

TIME_EXAMPLE = N_("Write the time like 15:30, or a day and a time like {example}.")
FORM_APPOINTMENT = "appointment"
FORM_DECLINE = "decline"
FORM_ARRIVAL = "arrival"
FORM_FINISH = "finish"
FORM_REPAIR = "repair"
FORM_NEED_PART = "need_part"
FORM_DEFECTIVE = "defective"
FORM_VOUCHER = "voucher"
FORM_TAKE_BACK = "take_back"

FEE_STEPS = ("labour", "travel", "other")
FEE_KINDS = {"labour": FeeKind.LABOUR, "travel": FeeKind.TRAVEL, "other": FeeKind.OTHER}
FEE_PROMPTS = {
    "labour": N_("Labour fee for job {number}? Send an amount like 120 or 120.50, 0 for none."),
    "travel": N_("Travel fee? Send an amount like 30, 0 for none."),
    "other": N_("Any other fee? Send an amount like 15.50, 0 for none."),
}
FEE_NAMES = {"labour": N_("labour"), "travel": N_("travel"), "other": N_("other")}

OPEN_FOR_TECHNICIAN = frozenset(
    {
        JobState.DISPATCHED,
        JobState.ACCEPTED,
        JobState.SCHEDULED,
        JobState.EN_ROUTE,
        JobState.ON_SITE,
        JobState.WAITING_PART,
        JobState.AWAITING_APPROVAL,
        JobState.AWAITING_SIGNOFF,
        JobState.DISPUTED,
        JobState.SIGNED_OFF,
        JobState.IN_WORKSHOP,
        JobState.AWAITING_INSPECTION,
        JobState.READY_FOR_RETURN,
    }
)
_TIME = re.compile(r"^\s*(?:(\d{4})-(\d{1,2})-(\d{1,2})\s+)?(\d{1,2})[:：](\d{2})\s*$")
_DATE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")
_HOURS = re.compile(r"^\s*(\d{1,2})(?:[.,](\d{1,2}))?\s*$")
_QUANTITY = re.compile(r"^\s*(\d{1,3})\s*$")

# --- who ---------------------------------------------------------------------------------------


def _staff(turn: Turn, permission: Permission) -> str:
    """The staff code of the person, who must hold ``permission``."""
    person = turn.person
    if person.kind != "staff" or person.code is None or not may(person.roles, permission):
        raise NotAllowed(f"{person.code} may not {permission.value}", permission=permission.value)
    return person.code


def _technician(turn: Turn) -> str:
    return _staff(turn, Permission.WORK_JOBS)


def _job_id(payload: Mapping[str, object]) -> int:
    return int(str(payload["job_id"]))


def _ref(job: JobRecord) -> dict[str, Any]:
    assert job.id is not None
    return {"job_id": job.id}


async def _local_now(turn: Turn, job: JobRecord) -> tuple[datetime, str]:
    tz = await branch_timezone(turn.uow, turn.deps.settings, job)
    return turn.now.astimezone(ZoneInfo(tz)), tz


# --- the job card ------------------------------------------------------------------------------


async def _payment_row(turn: Turn, job: JobRecord) -> list[ButtonSpec]:
    labels = {"cash": (CASH, "job.cash"), "invoice": (INVOICE, "job.invoice")}
    options = await signoff.payment_options(turn.uow, turn.deps.settings, job)
    return [(*labels[option], _ref(job)) for option in options]


async def job_buttons(turn: Turn, job: JobRecord) -> list[list[ButtonSpec]]:
    """The buttons of a job's card: only what its state allows."""
    ref = _ref(job)
    state = job.state
    rows: list[list[ButtonSpec]] = []
    if state is JobState.DISPATCHED:
        rows.append([(ACCEPT, "job.accept", ref), (DECLINE, "job.decline", ref)])
    elif state is JobState.ACCEPTED:
        rows.append([(SET_APPOINTMENT, "job.appointment", ref)])
    elif state is JobState.SCHEDULED:
        rows.append([(ON_MY_WAY, "job.on_my_way", ref), (ARRIVED, "job.arrived", ref)])
        rows.append([(SET_APPOINTMENT, "job.appointment", ref)])
    elif state is JobState.EN_ROUTE:
        rows.append([(ARRIVED, "job.arrived", ref)])
    elif state is JobState.ON_SITE:
        rows.append([(FINISH, "job.finish", ref), (NEED_PART, "job.need_part", ref)])
        rows.append([(TAKE_BACK, "job.take_back", ref), (DEFECTIVE, "job.defective", ref)])
    elif state is JobState.AWAITING_SIGNOFF:
        rows.append([(SHOW_QR, "job.signoff_qr", ref), (VOUCHER_PHOTO, "job.voucher", ref)])
    elif state is JobState.IN_WORKSHOP:
        rows.append([(REPAIRED, "job.repaired", ref), (DEFECTIVE, "job.defective", ref)])
    elif state is JobState.READY_FOR_RETURN:
        rows.append([(RETURNED, "job.return", ref)])
    if state in (JobState.AWAITING_SIGNOFF, JobState.SIGNED_OFF):
        payment = await _payment_row(turn, job)
        if payment:
            rows.append(payment)
    return rows


async def send_card(turn: Turn, job: JobRecord) -> None:
    """One job: number, state, fault, customer, appointment, next deadline, amount due."""
    tz = await branch_timezone(turn.uow, turn.deps.settings, job)
    lines: list[dict[str, Any]] = [
        {
            "t": N_("Job {number} — {state}"),
            "args": {"number": job.number, "state": {"t": STATE_NAMES[job.state]}},
        },
        {"t": N_("Fault: {fault}"), "args": {"fault": job.fault}},
        {
            "t": N_("Customer: {customer}, {address}"),
            "args": {
                "customer": customer_arg(job.customer_id),
                "address": customer_arg(job.customer_id, "address"),
            },
        },
    ]
    if job.appointment_at is not None and job.state in (
        JobState.SCHEDULED,
        JobState.EN_ROUTE,
    ):
        lines.append(
            {"t": N_("Appointment: {when}"), "args": {"when": dt_arg(job.appointment_at, tz)}}
        )
    deadline = next_deadline(job)
    if deadline is not None:
        lines.append({"t": N_("Due by {when}"), "args": {"when": dt_arg(deadline.due_at, tz)}})
    if job.state in (JobState.AWAITING_SIGNOFF, JobState.SIGNED_OFF):
        due = await amount_due(turn.uow, job)
        lines.append({"t": N_("Amount due: {due}"), "args": {"due": money_arg(due)}})
    await turn.reply("@lines", buttons=await job_buttons(turn, job), extra={"lines": lines})


async def jobs_command(turn: Turn, _args: str) -> None:
    """/jobs: my open jobs, the nearest deadline first. One job: its card at once; several:
    one list with a button per job that opens its card (one message, not a burst)."""
    _technician(turn)
    assert turn.person.id is not None
    jobs = await turn.uow.jobs.list(technician_id=turn.person.id, states=OPEN_FOR_TECHNICIAN)
    if not jobs:
        await turn.reply(N_("You have no open jobs."))
        return
    far = datetime.max.replace(tzinfo=turn.now.tzinfo)

    def key(job: JobRecord) -> tuple[datetime, str]:
        deadline = next_deadline(job)
        due = deadline.due_at if deadline is not None else None
        return (min(d for d in (due, job.appointment_at, far) if d is not None), job.number)

    jobs.sort(key=key)
    if len(jobs) == 1:
        await send_card(turn, jobs[0])
        return
    lines: list[dict[str, Any]] = [
        {"t": N_("Your open jobs: {count}"), "args": {"count": len(jobs)}}
    ]
    for job in jobs[:20]:
        lines.append(
            {
                "t": N_("{number} · {state} · {customer}"),
                "args": {
                    "number": job.number,
                    "state": {"t": STATE_NAMES[job.state]},
                    "customer": customer_arg(job.customer_id),
                },
            }
        )
    if len(jobs) > 20:
        lines.append(more_line(len(jobs) - 20))
    buttons: list[list[ButtonSpec]] = [[(job.number, "job.card", _ref(job))] for job in jobs[:20]]
    await turn.reply("@lines", buttons=buttons, extra={"lines": lines})


async def card_pressed(turn: Turn, payload: dict[str, object]) -> None:
    _technician(turn)
    await send_card(turn, await load_job(turn.uow, _job_id(payload)))


# --- dispatch card: accept, decline, appointment -----------------------------------------------


async def accept_pressed(turn: Turn, payload: dict[str, object]) -> None:
    code = _technician(turn)
    s, clock = turn.deps.settings, turn.deps.clock
    change = await dispatch.accept(turn.uow, s, clock, job=_job_id(payload), actor=code)
    await turn.reply(
        N_("You accepted job {number}. When will you be there?"),
        args={"number": change.job.number},
        buttons=await _appointment_buttons(turn, change.job),
    )


async def _appointment_buttons(turn: Turn, job: JobRecord) -> list[list[ButtonSpec]]:
    ref = _ref(job)
    local, _tz = await _local_now(turn, job)
    second: list[ButtonSpec] = []
    if local.time() < time(13, 30):
        second.append((TODAY_14, "job.appoint", {**ref, "choice": "today14"}))
    second.append((TOMORROW_9, "job.appoint", {**ref, "choice": "tomorrow9"}))
    return [
        [
            (IN_1H, "job.appoint", {**ref, "choice": "1h"}),
            (IN_2H, "job.appoint", {**ref, "choice": "2h"}),
        ],
        second,
        [(OTHER_TIME, "job.appoint_other", ref)],
    ]


async def appointment_menu(turn: Turn, payload: dict[str, object]) -> None:
    _technician(turn)
    job = await load_job(turn.uow, _job_id(payload))
    await turn.reply(
        N_("Job {number}: when will you be there?"),
        args={"number": job.number},
        buttons=await _appointment_buttons(turn, job),
    )


async def appoint_pressed(turn: Turn, payload: dict[str, object]) -> None:
    _technician(turn)
    job = await load_job(turn.uow, _job_id(payload))
    local, tz = await _local_now(turn, job)
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
    code = _technician(turn)
    s, clock = turn.deps.settings, turn.deps.clock
    change = await visit.set_appointment(turn.uow, s, clock, job=job.id or 0, actor=code, at=at)
    ref = _ref(change.job)
    await turn.reply(
        N_("Job {number}: appointment set for {when}. The customer is told if they use Telegram."),
        args={"number": change.job.number, "when": dt_arg(at, tz)},
        buttons=[[(ON_MY_WAY, "job.on_my_way", ref), (ARRIVED, "job.arrived", ref)]],
    )


async def appoint_other_pressed(turn: Turn, payload: dict[str, object]) -> None:
    _technician(turn)
    job = await load_job(turn.uow, _job_id(payload))
    await turn.uow.forms.start(turn.user_id, FORM_APPOINTMENT, "when", {"job_id": job.id}, turn.now)
    await turn.reply(
        N_("Job {number}: send the time of the visit (branch time). {example}"),
        args={"number": job.number, "example": await _time_example(turn, job)},
    )


async def _time_example(turn: Turn, job: JobRecord) -> dict[str, Any]:
    local, _tz = await _local_now(turn, job)
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
    local, tz = await _local_now(turn, job)
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


async def decline_pressed(turn: Turn, payload: dict[str, object]) -> None:
    _technician(turn)
    job = await load_job(turn.uow, _job_id(payload))
    ref = _ref(job)
    reasons: list[ButtonSpec] = [
        (label, "job.decline_reason", {**ref, "reason": key})
        for key, label in DECLINE_REASONS.items()
    ]
    await turn.reply(
        N_("Why do you decline job {number}?"),
        args={"number": job.number},
        buttons=[reasons[:2], [reasons[2], (OTHER_REASON, "job.decline_other", ref)]],
    )


async def _decline(turn: Turn, job_id: int, reason: str) -> None:
    code = _technician(turn)
    s, clock = turn.deps.settings, turn.deps.clock
    change = await dispatch.decline(turn.uow, s, clock, job=job_id, actor=code, reason=reason)
    await turn.reply(
        N_("You declined job {number}. It went back to the supervisor."),
        args={"number": change.job.number},
    )


async def decline_reason_pressed(turn: Turn, payload: dict[str, object]) -> None:
    reason = DECLINE_REASON_TEXT.get(str(payload["reason"]), str(payload["reason"]))
    await _decline(turn, _job_id(payload), reason)


async def decline_other_pressed(turn: Turn, payload: dict[str, object]) -> None:
    _technician(turn)
    job = await load_job(turn.uow, _job_id(payload))
    await turn.uow.forms.start(turn.user_id, FORM_DECLINE, "reason", {"job_id": job.id}, turn.now)
    await turn.reply(
        N_("Job {number}: write the reason in one message."), args={"number": job.number}
    )


async def decline_form(turn: Turn, form: Form, message: Message) -> None:
    if not (message.text or "").strip():
        await turn.reply(N_("Please write the reason as text."))
        return
    text = free_text(turn, message.text)
    await turn.uow.forms.clear(turn.user_id)
    await _decline(turn, int(form.data["job_id"]), text)


# --- on the way and arrival --------------------------------------------------------------------


async def on_my_way_pressed(turn: Turn, payload: dict[str, object]) -> None:
    code = _technician(turn)
    s, clock = turn.deps.settings, turn.deps.clock
    change = await visit.on_my_way(turn.uow, s, clock, job=_job_id(payload), actor=code)
    await turn.reply(
        N_("Job {number}: you are on your way. Tap Arrived when you are there."),
        args={"number": change.job.number},
        buttons=[[(ARRIVED, "job.arrived", _ref(change.job))]],
    )


async def arrived_pressed(turn: Turn, payload: dict[str, object]) -> None:
    _technician(turn)
    job = await load_job(turn.uow, _job_id(payload))
    if job.state not in visit.ARRIVING:
        await turn.reply(
            N_("Job {number} is {state}: there is no arrival to report."),
            args={"number": job.number, "state": {"t": STATE_NAMES[job.state]}},
        )
        return
    await turn.uow.forms.start(turn.user_id, FORM_ARRIVAL, "location", _ref(job), turn.now)
    await turn.reply(
        N_("Job {number}: share your location with the button below to report your arrival."),
        args={"number": job.number},
        extra={"reply": {"location": SHARE_LOCATION}},
    )
    await turn.reply(
        N_("No location? Report the arrival without it; your supervisor is told."),
        buttons=[[(ARRIVED_MANUAL, "job.arrive_manual", _ref(job))]],
    )


async def _arrive(
    turn: Turn, job_id: int, latitude: float | None = None, longitude: float | None = None
) -> None:
    code = _technician(turn)
    s, clock = turn.deps.settings, turn.deps.clock
    arrival = await visit.arrive(
        turn.uow, s, clock, job=job_id, actor=code, latitude=latitude, longitude=longitude
    )
    await turn.uow.forms.clear(turn.user_id)
    number = arrival.change.job.number
    if arrival.distance_m is None:
        template = N_("Job {number}: arrival recorded without a location. Your supervisor is told.")
        args: dict[str, Any] = {"number": number}
    elif arrival.verified:
        template = N_("Job {number}: arrival verified, {distance} m from the site.")
        args = {"number": number, "distance": round(arrival.distance_m)}
    else:
        template = N_(
            "Job {number}: arrival unverified, you are {distance} m from the site (the limit "
            "is {limit} m). Your supervisor is told."
        )
        args = {
            "number": number,
            "distance": round(arrival.distance_m),
            "limit": s.geofence_m,
        }
    await turn.reply(template, args=args, extra={"reply": {"remove": True}})
    await send_card(turn, arrival.change.job)


async def arrive_manual_pressed(turn: Turn, payload: dict[str, object]) -> None:
    await _arrive(turn, _job_id(payload))


async def arrival_form(turn: Turn, form: Form, message: Message) -> None:
    if message.location is None:
        await turn.reply(
            N_("Please share your location with the button, or tap Arrived without location.")
        )
        return
    await _arrive(
        turn, int(form.data["job_id"]), message.location.latitude, message.location.longitude
    )


async def location_shared(turn: Turn, message: Message) -> None:
    """A location outside a form: the arrival at the nearest job waiting for one."""
    assert message.location is not None
    if turn.update.edited_message is not None:
        return  # a live location moving: nothing to say each time
    person = turn.person
    if person.kind != "staff" or not may(person.roles, Permission.WORK_JOBS):
        await turn.reply(N_("Thank you, but I have no use for a location from you."))
        return
    assert person.id is not None
    lat, lon = message.location.latitude, message.location.longitude
    nearest = await visit.nearest_waiting_job(turn.uow, person.id, lat, lon)
    if nearest is None:
        await turn.reply(N_("None of your jobs is waiting for your arrival."))
        return
    assert nearest.id is not None
    await _arrive(turn, nearest.id, lat, lon)


# --- parts: choosing from the van or the catalogue ----------------------------------------------


def _van(turn: Turn) -> str:
    return f"van:{turn.person.code}"


def _part_buttons(parts: Sequence[tuple[Part, int]]) -> list[list[ButtonSpec]]:
    rows: list[list[ButtonSpec]] = []
    for part, have in parts:
        label = f"{part.code} {part.name} ({have})"
        rows.append([(label, "form.part", {"code": part.code})])
    return rows


async def _van_parts(turn: Turn) -> list[tuple[Part, int]]:
    found = []
    for level in await turn.uow.stock.at_location(_van(turn)):
        if level.quantity > 0:
            part = await turn.uow.parts.get(level.part)
            if part is not None:
                found.append((part, level.quantity))
    return found


async def _search_parts(turn: Turn, text: str) -> list[Part]:
    query = text.strip().casefold()
    if not query:
        return []
    catalogue = await turn.uow.parts.all()
    exact = [p for p in catalogue if p.code.casefold() == query]
    if exact:
        return exact
    return [p for p in catalogue if query in p.name.casefold() or query in p.code.casefold()]


async def _ask_parts(turn: Turn, form: Form) -> None:
    """The parts step of the finish and repair forms: the van's parts as buttons."""
    chosen = form.data.get("parts") or []
    rows = _part_buttons((await _van_parts(turn))[:12])
    rows.append([(NO_MORE_PARTS, "form.parts_done", {})])
    await turn.reply(
        N_(
            "Parts used from your van ({count} chosen so far)? Tap a part, send a part code or "
            "a part of its name to search the catalogue, or tap No more parts."
        ),
        args={"count": len(chosen)},
        buttons=rows,
    )


async def _parts_search_reply(turn: Turn, text: str) -> None:
    """A search of the catalogue by code or name. What was typed is not repeated: it may be
    anything (DESIGN §6); the buttons show what was found."""
    found = await _search_parts(turn, free_text(turn, text)) if text.strip() else []
    if not found:
        await turn.reply(
            N_("No part matches that. Send a code like P005 or a part of the name."),
        )
        return
    van = _van(turn)
    with_stock = [(p, await turn.uow.stock.quantity(van, p.code)) for p in found[:8]]
    await turn.reply(
        N_("Parts matching your search (in your van):"),
        buttons=_part_buttons(with_stock),
    )


async def part_chosen(turn: Turn, payload: dict[str, object]) -> None:
    """A part button of the finish, repair or need-a-part form: ask how many."""
    _technician(turn)
    form = await turn.uow.forms.get(turn.user_id)
    if form is None or form.name not in (FORM_FINISH, FORM_REPAIR, FORM_NEED_PART, FORM_DEFECTIVE):
        await turn.reply(N_("That form is closed. Open the job again with /jobs."))
        return
    code = str(payload["code"])
    part = await turn.uow.parts.get(code)
    if part is None:
        await turn.reply(N_("No part matches {text}."), args={"text": code})
        return
    await turn.uow.forms.save(
        replace(form, step="quantity", data={**form.data, "part": code}), turn.now
    )
    have = await turn.uow.stock.quantity(_van(turn), code)
    await turn.reply(
        N_("How many of {part}? Your van holds {have}. Send a number like 1."),
        args={"part": f"{part.code} {part.name}", "have": have},
    )


async def parts_done(turn: Turn, _payload: dict[str, object]) -> None:
    _technician(turn)
    form = await turn.uow.forms.get(turn.user_id)
    if form is None or form.name not in (FORM_FINISH, FORM_REPAIR):
        await turn.reply(N_("That form is closed. Open the job again with /jobs."))
        return
    if form.name == FORM_FINISH:
        form = await turn.uow.forms.save(replace(form, step="labour"), turn.now)
        job = await load_job(turn.uow, int(form.data["job_id"]))
        await turn.reply(FEE_PROMPTS["labour"], args={"number": job.number})
    else:
        form = await turn.uow.forms.save(replace(form, step="summary"), turn.now)
        await _summary(turn, form)


async def _quantity_step(turn: Turn, form: Form, text: str) -> None:
    """The number of the part chosen; more than the van holds becomes a part request."""
    match = _QUANTITY.match(text)
    quantity = int(match.group(1)) if match else 0
    if quantity <= 0:
        await turn.reply(N_("Send the quantity as a whole number like 1 or 2."))
        return
    code = str(form.data["part"])
    job_id = int(form.data["job_id"])
    if form.name == FORM_NEED_PART:
        await turn.uow.forms.clear(turn.user_id)
        await _need_part(turn, job_id, [(code, quantity)])
        return
    if form.name == FORM_DEFECTIVE:
        await turn.uow.forms.clear(turn.user_id)
        await _defective(turn, job_id, code, quantity)
        return
    chosen: list[list[Any]] = [list(p) for p in form.data.get("parts") or []]
    have = await turn.uow.stock.quantity(_van(turn), code)
    already = sum(int(q) for c, q in chosen if c == code)
    if already + quantity > have and form.name == FORM_FINISH:
        await turn.uow.forms.clear(turn.user_id)
        await _shortfall(turn, job_id, [*[(str(c), int(q)) for c, q in chosen], (code, quantity)])
        return
    if already + quantity > have:
        await turn.reply(
            N_("Your van holds only {have} of {part}. Send a smaller number."),
            args={"have": have - already, "part": code},
        )
        return
    chosen.append([code, quantity])
    form = await turn.uow.forms.save(
        replace(form, step="parts", data={**form.data, "parts": chosen, "part": None}), turn.now
    )
    await _ask_parts(turn, form)


async def _shortfall(turn: Turn, job_id: int, parts: list[tuple[str, int]]) -> None:
    """The van lacks a part: take what is there, request the rest; the job waits."""
    code = _technician(turn)
    s, clock = turn.deps.settings, turn.deps.clock
    used = await spare_parts.use_parts(turn.uow, s, clock, job=job_id, actor=code, parts=parts)
    job = await load_job(turn.uow, job_id)
    short = ", ".join(f"{r.quantity} × {r.part}" for r in used.requests)
    await turn.reply(
        N_(
            "Your van lacks {parts}. The storekeeper is asked to bring it; job {number} waits "
            "for the part. What your van had is recorded as used. You will be told when the "
            "part is in your van."
        ),
        args={"parts": short, "number": job.number},
    )


async def _need_part(turn: Turn, job_id: int, parts: list[tuple[str, int]]) -> None:
    code = _technician(turn)
    s, clock = turn.deps.settings, turn.deps.clock
    result = await spare_parts.need_part(turn.uow, s, clock, job=job_id, actor=code, parts=parts)
    await turn.reply(
        N_("Job {number} waits for {parts}; the storekeeper is asked."),
        args={
            "number": result.change.job.number,
            "parts": ", ".join(f"{r.quantity} × {r.part}" for r in result.requests),
        },
    )


async def need_part_pressed(turn: Turn, payload: dict[str, object]) -> None:
    _technician(turn)
    job = await load_job(turn.uow, _job_id(payload))
    await turn.uow.forms.start(turn.user_id, FORM_NEED_PART, "part", _ref(job), turn.now)
    await turn.reply(
        N_("Job {number}: which part do you need? Send its code or a part of its name."),
        args={"number": job.number},
    )


async def _defective(turn: Turn, job_id: int, part: str, quantity: int) -> None:
    code = _technician(turn)
    s, clock = turn.deps.settings, turn.deps.clock
    await spare_parts.return_defective(
        turn.uow, s, clock, job=job_id, actor=code, part=part, quantity=quantity
    )
    job = await load_job(turn.uow, job_id)
    await turn.reply(
        N_("Recorded for job {number}: {quantity} × {part} taken out as defective."),
        args={"number": job.number, "quantity": quantity, "part": part},
    )


async def defective_pressed(turn: Turn, payload: dict[str, object]) -> None:
    _technician(turn)
    job = await load_job(turn.uow, _job_id(payload))
    require_state(job, (JobState.ON_SITE, JobState.IN_WORKSHOP), "record a defective part of")
    await turn.uow.forms.start(turn.user_id, FORM_DEFECTIVE, "part", _ref(job), turn.now)
    await turn.reply(
        N_("Job {number}: which defective part did you take out? Send its code or name."),
        args={"number": job.number},
    )


async def need_part_form(turn: Turn, form: Form, message: Message) -> None:
    text = message.text or ""
    if form.step == "quantity":
        await _quantity_step(turn, form, text)
        return
    await _parts_search_reply(turn, text)


# --- finish and repair forms -------------------------------------------------------------------


async def _minutes_since_arrival(turn: Turn, job: JobRecord) -> int:
    assert job.id is not None
    arrived = [
        e.at for e in await turn.uow.events.for_subject("job", job.id) if e.kind == "job.arrive"
    ]
    if not arrived:
        return 60
    minutes = int((turn.now - arrived[-1]).total_seconds() // 60)
    return max(minutes, 1)


def parse_hours(text: str) -> int | None:
    """``1.5`` or ``2`` hours → minutes (more than 0, at most 24 h); None otherwise."""
    match = _HOURS.match(text)
    if match is None:
        return None
    whole, fraction = match.groups()
    hours = Decimal(f"{whole}.{fraction or 0}")
    minutes = int((hours * 60).to_integral_value())
    return minutes if 0 < minutes <= 24 * 60 else None


def _hours_text(minutes: int) -> str:
    return str((Decimal(minutes) / 60).quantize(Decimal("0.1")))


async def finish_pressed(turn: Turn, payload: dict[str, object]) -> None:
    await _start_work_form(turn, payload, FORM_FINISH)


async def repaired_pressed(turn: Turn, payload: dict[str, object]) -> None:
    await _start_work_form(turn, payload, FORM_REPAIR)


async def _start_work_form(turn: Turn, payload: dict[str, object], name: str) -> None:
    _technician(turn)
    job = await load_job(turn.uow, _job_id(payload))
    expected = JobState.ON_SITE if name == FORM_FINISH else JobState.IN_WORKSHOP
    if job.state is not expected:
        await turn.reply(
            N_("Job {number} is {state}: that is not possible now."),
            args={"number": job.number, "state": {"t": STATE_NAMES[job.state]}},
        )
        return
    data: dict[str, Any] = {"job_id": job.id, "parts": [], "fees": {}}
    await turn.uow.forms.start(turn.user_id, name, "work", data, turn.now)
    if name == FORM_FINISH:
        prompt = N_("Job {number}: what did you do? Describe the work in one message.")
    else:
        prompt = N_("Job {number}: what did you repair in the workshop? One message.")
    await turn.reply(prompt, args={"number": job.number})


async def _ask_hours(turn: Turn, form: Form, job: JobRecord) -> None:
    proposed = int(form.data.get("proposed") or 60)
    await turn.reply(
        N_(
            "How many hours did it take? Send a number like 1.5, or tap the button for "
            "{hours} h (since your arrival)."
        ),
        args={"hours": _hours_text(proposed)},
        buttons=[[(USE_PROPOSED, "form.hours", {"minutes": proposed})]],
    )


async def hours_pressed(turn: Turn, payload: dict[str, object]) -> None:
    _technician(turn)
    form = await turn.uow.forms.get(turn.user_id)
    if form is None or form.name not in (FORM_FINISH, FORM_REPAIR) or form.step != "hours":
        await turn.reply(N_("That form is closed. Open the job again with /jobs."))
        return
    await _set_hours(turn, form, int(str(payload["minutes"])))


async def _set_hours(turn: Turn, form: Form, minutes: int) -> None:
    form = await turn.uow.forms.save(
        replace(form, step="parts", data={**form.data, "minutes": minutes}), turn.now
    )
    await _ask_parts(turn, form)


async def work_form(turn: Turn, form: Form, message: Message) -> None:
    """The finish and repair forms, one step per message."""
    text = message.text or ""
    job = await load_job(turn.uow, int(form.data["job_id"]))
    step = form.step
    if step == "work":
        if not text.strip():
            await turn.reply(N_("Please describe the work as text."))
            return
        work = free_text(turn, text)
        proposed = await _minutes_since_arrival(turn, job) if form.name == FORM_FINISH else 60
        form = await turn.uow.forms.save(
            replace(form, step="hours", data={**form.data, "work": work, "proposed": proposed}),
            turn.now,
        )
        await _ask_hours(turn, form, job)
    elif step == "hours":
        minutes = parse_hours(text)
        if minutes is None:
            await turn.reply(N_("I cannot read that. Send the hours as a number like 1.5 or 2."))
            return
        await _set_hours(turn, form, minutes)
    elif step == "parts":
        await _parts_search_reply(turn, text)
    elif step == "quantity":
        await _quantity_step(turn, form, text)
    elif step in FEE_STEPS:
        amount = parse_money(text, max_fen=turn.deps.settings.max_amount_fen)
        fees = {**(form.data.get("fees") or {}), step: amount.fen}
        following = FEE_STEPS.index(step) + 1
        next_step = FEE_STEPS[following] if following < len(FEE_STEPS) else "summary"
        form = await turn.uow.forms.save(
            replace(form, step=next_step, data={**form.data, "fees": fees}), turn.now
        )
        if next_step == "summary":
            await _summary(turn, form)
        else:
            await turn.reply(FEE_PROMPTS[next_step], args={"number": job.number})
    else:
        await turn.reply(N_("Tap Submit to record it, or Cancel."))


async def _summary(turn: Turn, form: Form) -> None:
    job = await load_job(turn.uow, int(form.data["job_id"]))
    lines: list[dict[str, Any]] = [
        {"t": N_("Job {number}, to be recorded:"), "args": {"number": job.number}},
        {"t": N_("Work: {work}"), "args": {"work": form.data.get("work", "")}},
        {
            "t": N_("Time: {hours} h"),
            "args": {"hours": _hours_text(int(form.data.get("minutes") or 0))},
        },
    ]
    for code, quantity in form.data.get("parts") or []:
        part = await turn.uow.parts.get(str(code))
        assert part is not None
        kind = N_("warranty-eligible") if part.warranty_eligible else N_("always paid")
        lines.append(
            {
                "t": N_("Part: {quantity} × {part} at {price} ({kind})"),
                "args": {
                    "quantity": quantity,
                    "part": f"{part.code} {part.name}",
                    "price": money_arg(part.unit_price_fen),
                    "kind": {"t": kind},
                },
            }
        )
    for step, fen in (form.data.get("fees") or {}).items():
        if int(fen) > 0:
            lines.append(
                {
                    "t": N_("Fee, {kind}: {amount}"),
                    "args": {"kind": {"t": FEE_NAMES[step]}, "amount": money_arg(int(fen))},
                }
            )
    if form.name == FORM_FINISH:
        lines.append(
            {
                "t": N_("Service type {type}: what the customer pays follows from it."),
                "args": {"type": job.service_type.value},
            }
        )
    await turn.reply(
        "@lines",
        buttons=[[(SUBMIT, "form.submit", {}), (CANCEL, "form.cancel", {})]],
        extra={"lines": lines},
    )


async def cancel_pressed(turn: Turn, _payload: dict[str, object]) -> None:
    await turn.uow.forms.clear(turn.user_id)
    await turn.reply(N_("Cancelled. Nothing was saved."))


async def submit_pressed(turn: Turn, _payload: dict[str, object]) -> None:
    code = _technician(turn)
    form = await turn.uow.forms.get(turn.user_id)
    if form is None or form.name not in (FORM_FINISH, FORM_REPAIR) or form.step != "summary":
        await turn.reply(N_("That form is closed. Open the job again with /jobs."))
        return
    s, clock = turn.deps.settings, turn.deps.clock
    job_id = int(form.data["job_id"])
    parts = [(str(c), int(q)) for c, q in form.data.get("parts") or []]
    minutes = int(form.data.get("minutes") or 0)
    work = str(form.data.get("work") or "")
    await turn.uow.forms.clear(turn.user_id)
    if form.name == FORM_REPAIR:
        repaired = await workshop.record_repair(
            turn.uow, s, clock, job=job_id, actor=code, minutes=minutes, notes=work, parts=parts
        )
        await turn.reply(
            N_("Job {number}: the repair card is recorded; the supervisor is asked to inspect."),
            args={"number": repaired.change.job.number},
        )
        return
    fees = [
        FeeLine(FEE_KINDS[step], step, Money(int(fen)))
        for step, fen in (form.data.get("fees") or {}).items()
        if int(fen) > 0
    ]
    finished = await work_record.finish(
        turn.uow,
        s,
        clock,
        job=job_id,
        actor=code,
        work=work,
        minutes=minutes,
        fees=fees,
        parts=parts,
    )
    job = finished.change.job
    args = {
        "number": job.number,
        "total": money_arg(finished.charges.total.fen),
        "due": money_arg(finished.charges.amount_due.fen),
    }
    if finished.needs_approval:
        await turn.reply(
            N_(
                "Job {number} recorded: total {total}, amount due {due}. It is above the "
                "approval limit: your supervisor is asked to approve it."
            ),
            args=args,
        )
        return
    await turn.reply(N_("Job {number} recorded: total {total}, amount due {due}."), args=args)
    await _after_signoff_requested(turn, job, finished.signoff_link)


async def _after_signoff_requested(turn: Turn, job: JobRecord, link: str | None) -> None:
    customer = await turn.uow.customers.row_by_id(job.customer_id)
    assert customer is not None
    if customer.chat_id is not None and customer.telegram_user_id is not None:
        await turn.reply(
            N_("The customer is asked to confirm job {number} in their Telegram chat."),
            args={"number": job.number},
            buttons=await job_buttons(turn, job),
        )
        return
    if link is not None:
        await _show_qr(turn, job, link)


async def _show_qr(turn: Turn, job: JobRecord, payload: str) -> None:
    url = f"https://t.me/{turn.deps.bot_username}?start={payload}"
    await turn.reply(
        N_(
            "Job {number}: let the customer scan this code to confirm the work in Telegram: "
            "{link}\nNo Telegram? Have the paper voucher signed and send its photo."
        ),
        args={"number": job.number, "link": url},
        buttons=await job_buttons(turn, job),
        extra={"qr": url},
    )


async def signoff_qr_pressed(turn: Turn, payload: dict[str, object]) -> None:
    code = _technician(turn)
    s, clock = turn.deps.settings, turn.deps.clock
    link = await signoff.new_signoff_link(turn.uow, s, clock, job=_job_id(payload), actor=code)
    await _show_qr(turn, await load_job(turn.uow, _job_id(payload)), link)


# --- sign-off by photo, payment ----------------------------------------------------------------


async def voucher_pressed(turn: Turn, payload: dict[str, object]) -> None:
    _technician(turn)
    job = await load_job(turn.uow, _job_id(payload))
    await turn.uow.forms.start(turn.user_id, FORM_VOUCHER, "photo", _ref(job), turn.now)
    await turn.reply(
        N_("Job {number}: send the photo of the voucher the customer signed."),
        args={"number": job.number},
    )


async def voucher_form(turn: Turn, form: Form, message: Message) -> None:
    if not message.photo:
        await turn.reply(N_("Please send a photo of the signed voucher, or /cancel."))
        return
    code = _technician(turn)
    s, clock = turn.deps.settings, turn.deps.clock
    done = await signoff.confirm_with_photo(
        turn.uow,
        s,
        clock,
        job=int(form.data["job_id"]),
        actor=code,
        photo=message.photo[-1].file_id,
    )
    await turn.uow.forms.clear(turn.user_id)
    await turn.reply(
        N_("Job {number} is signed off with the photo of the paper voucher."),
        args={"number": done.change.job.number},
    )
    await _after_signed_off(turn, done)


async def _after_signed_off(turn: Turn, done: SignedOff) -> None:
    if done.closed is not None:
        await turn.reply(N_("Job {number} is closed."), args={"number": done.closed.job.number})
    else:
        await send_card(turn, done.change.job)


async def photo_sent(turn: Turn, _message: Message) -> None:
    await turn.reply(
        N_(
            "To record a signed paper voucher, open the job with /jobs and tap "
            "Photo of signed voucher first."
        )
    )


async def _pay(turn: Turn, payload: dict[str, object], method: str) -> None:
    code = _technician(turn)
    s, clock = turn.deps.settings, turn.deps.clock
    job_id = _job_id(payload)
    if await turn.uow.fieldwork.settlement(job_id) is not None:
        job = await load_job(turn.uow, job_id)
        await turn.reply(N_("Job {number} is settled already."), args={"number": job.number})
        return
    try:
        payment = await signoff.record_payment(
            turn.uow,
            s,
            clock,
            job=job_id,
            actor=code,
            method="cash" if method == "cash" else "invoice",
        )
    except CashNotAllowed:
        job = await load_job(turn.uow, job_id)
        await turn.reply(
            N_("Job {number}: {due} is above the cash limit of {limit}. Issue an invoice."),
            args={
                "number": job.number,
                "due": money_arg(await amount_due(turn.uow, job)),
                "limit": money_arg(s.cash_limit_fen),
            },
            buttons=[[(INVOICE, "job.invoice", _ref(job))]],
        )
        return
    job = await load_job(turn.uow, job_id)
    if method == "cash":
        await turn.reply(
            N_("Job {number}: cash {amount} recorded. You now hold {held} in cash."),
            args={
                "number": job.number,
                "amount": money_arg(payment.settlement.amount_fen),
                "held": money_arg(payment.cash_held_fen),
            },
        )
    else:
        await turn.reply(
            N_("Job {number}: invoice for {amount} recorded."),
            args={"number": job.number, "amount": money_arg(payment.settlement.amount_fen)},
        )
    if payment.closed is not None:
        await turn.reply(N_("Job {number} is closed."), args={"number": job.number})
    else:
        await turn.reply(
            N_("Job {number} closes once the customer has confirmed."),
            args={"number": job.number},
        )


async def cash_pressed(turn: Turn, payload: dict[str, object]) -> None:
    await _pay(turn, payload, "cash")


async def invoice_pressed(turn: Turn, payload: dict[str, object]) -> None:
    await _pay(turn, payload, "invoice")


# --- take-back and return ----------------------------------------------------------------------


async def take_back_pressed(turn: Turn, payload: dict[str, object]) -> None:
    _technician(turn)
    job = await load_job(turn.uow, _job_id(payload))
    local, _tz = await _local_now(turn, job)
    await turn.uow.forms.start(turn.user_id, FORM_TAKE_BACK, "promised", _ref(job), turn.now)
    await turn.reply(
        N_(
            "Job {number}: by which day do you promise the unit back? Send the date like {example}."
        ),
        args={"number": job.number, "example": (local.date() + timedelta(days=3)).isoformat()},
    )


async def take_back_form(turn: Turn, form: Form, message: Message) -> None:
    job = await load_job(turn.uow, int(form.data["job_id"]))
    local, tz = await _local_now(turn, job)
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
    code = _technician(turn)
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
            "when": dt_arg(promised, tz),
        },
    )


async def return_pressed(turn: Turn, payload: dict[str, object]) -> None:
    code = _technician(turn)
    s, clock = turn.deps.settings, turn.deps.clock
    done = await workshop.return_unit(turn.uow, s, clock, job=_job_id(payload), actor=code)
    await turn.reply(
        N_("Job {number}: the unit is back with the customer and the receipt is voided."),
        args={"number": done.change.job.number},
    )
    await _after_signed_off(turn, done)


# --- the storekeeper ---------------------------------------------------------------------------


async def deliver_pressed(turn: Turn, payload: dict[str, object]) -> None:
    """The storekeeper moves the requested part to the van: from the central warehouse, or
    from a branch when the warehouse lacks it (offered as buttons)."""
    code = _staff(turn, Permission.FULFIL_PART_REQUEST)
    s, clock = turn.deps.settings, turn.deps.clock
    request_id = int(str(payload["request_id"]))
    source = str(payload.get("source") or "central")
    try:
        delivery = await spare_parts.deliver_part(
            turn.uow, s, clock, request_id=request_id, actor=code, source=source
        )
    except spare_parts.StockShortfall:
        await _other_sources(turn, request_id, source)
        return
    request = delivery.request
    await turn.reply(
        N_("Delivered: {quantity} × {part} from {source} to {target}. The technician is told."),
        args={
            "quantity": request.quantity,
            "part": request.part,
            "source": request.source or source,
            "target": request.target,
        },
    )


async def _other_sources(turn: Turn, request_id: int, tried: str) -> None:
    request = await turn.uow.fieldwork.part_request(request_id)
    assert request is not None
    sources: list[ButtonSpec] = [
        (location, "part.deliver", {"request_id": request_id, "source": location})
        for location in await spare_parts.sources_that_hold(turn.uow, request, tried)
    ]
    if not sources:
        await turn.reply(
            N_("No stock location holds {quantity} × {part}. The request stays open."),
            args={"quantity": request.quantity, "part": request.part},
        )
        return
    await turn.reply(
        N_("{source} does not hold {quantity} × {part}. Deliver it from:"),
        args={"source": tried, "quantity": request.quantity, "part": request.part},
        buttons=[sources],
    )


async def requests_command(turn: Turn, _args: str) -> None:
    """/requests: the open part requests, each with its Deliver button."""
    _staff(turn, Permission.FULFIL_PART_REQUEST)
    open_requests = await turn.uow.fieldwork.part_requests(status="open")
    if not open_requests:
        await turn.reply(N_("There are no open part requests."))
        return
    for request in open_requests[:20]:
        job = await load_job(turn.uow, request.job_id)
        await turn.reply(
            N_("Part request for job {number}: {quantity} × {part} to {target}."),
            args={
                "number": job.number,
                "quantity": request.quantity,
                "part": request.part,
                "target": request.target,
            },
            buttons=[[(spare_parts.DELIVER, "part.deliver", {"request_id": request.id})]],
        )


# --- wiring ------------------------------------------------------------------------------------


def register() -> None:
    from fieldbot.handlers import router

    router.STAFF_COMMANDS["jobs"] = jobs_command
    router.STAFF_COMMANDS["requests"] = requests_command
    actions = {
        "job.card": card_pressed,
        "job.accept": accept_pressed,
        "job.decline": decline_pressed,
        "job.decline_reason": decline_reason_pressed,
        "job.decline_other": decline_other_pressed,
        "job.appointment": appointment_menu,
        "job.appoint": appoint_pressed,
        "job.appoint_other": appoint_other_pressed,
        "job.on_my_way": on_my_way_pressed,
        "job.arrived": arrived_pressed,
        "job.arrive_manual": arrive_manual_pressed,
        "job.finish": finish_pressed,
        "job.need_part": need_part_pressed,
        "job.defective": defective_pressed,
        "job.take_back": take_back_pressed,
        "job.repaired": repaired_pressed,
        "job.return": return_pressed,
        "job.signoff_qr": signoff_qr_pressed,
        "job.voucher": voucher_pressed,
        "job.cash": cash_pressed,
        "job.invoice": invoice_pressed,
        "form.part": part_chosen,
        "form.parts_done": parts_done,
        "form.hours": hours_pressed,
        "form.submit": submit_pressed,
        "form.cancel": cancel_pressed,
        "part.deliver": deliver_pressed,
    }
    router.ACTIONS.update(actions)
    router.FORMS[FORM_APPOINTMENT] = appointment_form
    router.FORMS[FORM_DECLINE] = decline_form
    router.FORMS[FORM_ARRIVAL] = arrival_form
    router.FORMS[FORM_FINISH] = work_form
    router.FORMS[FORM_REPAIR] = work_form
    router.FORMS[FORM_NEED_PART] = need_part_form
    router.FORMS[FORM_DEFECTIVE] = need_part_form
    router.FORMS[FORM_VOUCHER] = voucher_form
    router.FORMS[FORM_TAKE_BACK] = take_back_form
    router.STAFF_MEDIA["location"] = location_shared
    router.STAFF_MEDIA["photo"] = photo_sent
