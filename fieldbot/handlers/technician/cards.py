"""The technician's cards and keyboards: a job's card with the buttons its state allows, the
list of open jobs, the appointment and decline choices, parts as buttons and the summary of
the finish and repair forms. Each function builds what is shown; the handlers send it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import time
from decimal import Decimal
from typing import Any

from fieldbot.domain.entitlement import FeeLine, NoContract
from fieldbot.domain.model import JobState, Part, ServiceType
from fieldbot.handlers.cards import Card, Keyboard, lines_card
from fieldbot.handlers.technician.common import FORM_FINISH, FORM_REPAIR, job_ref, local_now
from fieldbot.handlers.turn import ButtonSpec, Turn
from fieldbot.i18n import N_
from fieldbot.labels import FEE_KIND_NAMES, STATE_NAMES
from fieldbot.rendering import more_line
from fieldbot.repositories.conversations import Form
from fieldbot.repositories.jobs import JobRecord
from fieldbot.services import remote, settlement, work_record
from fieldbot.services.contract_terms import job_contract, response_line
from fieldbot.services.job_details import next_deadline
from fieldbot.services.settlement import amount_due
from fieldbot.services.signoff import SHOW_QR, VOUCHER_PHOTO
from fieldbot.services.workflow import (
    ACCEPT,
    ARRIVED,
    DECLINE,
    ON_MY_WAY,
    RETURN_UNIT,
    SET_APPOINTMENT,
    branch_timezone,
    card_key,
    customer_arg,
    money_arg,
    when_arg,
)
from fieldbot.services.workshop import PROMISE_STATES

IN_1H = N_("In 1 h")
IN_2H = N_("In 2 h")
TODAY_14 = N_("Today 14:00")
TOMORROW_9 = N_("Tomorrow 09:00")
OTHER_TIME = N_("Other time")
FINISH = N_("Finish")
NEED_PART = N_("Need a part")
TAKE_BACK = N_("Take back")
DEFECTIVE = N_("Defective part taken out")
REPAIRED = N_("Repaired")
MOVE_PROMISED = N_("Move promised date")
NO_MORE_PARTS = N_("No more parts")
SUBMIT = N_("Submit")
CANCEL = N_("Cancel")
USE_PROPOSED = N_("Use {hours} h")
RESOLVE_REMOTELY = N_("Resolve remotely")
PHONE_CONFIRMED = N_("Customer confirmed by phone")
SEND_QUOTE = N_("Send quote")
PAPER_QUOTE_ACCEPTED = N_("Signed quote: accepted")
PAPER_QUOTE_DECLINED = N_("Signed quote: declined")
DECLINE_REASONS = {
    "far": N_("Too far"),
    "skill": N_("Not my skill"),
    "busy": N_("Too busy"),
}
OTHER_REASON = N_("Other reason")
FEE_NAMES = FEE_KIND_NAMES
RECEIPT_PHOTO = N_("Photo of signed receipt")
# A unit in the workshop whose receipt the customer has not confirmed yet: the technician may
# send the photo of the signed paper receipt.
CUSTODY_STATES = frozenset(
    {JobState.IN_WORKSHOP, JobState.AWAITING_INSPECTION, JobState.READY_FOR_RETURN}
)


async def payment_row(turn: Turn, job: JobRecord) -> list[ButtonSpec]:
    """Cash (within the cash limit) and Invoice, as the sign-off service offers them."""
    return await settlement.payment_buttons(turn.uow, turn.deps.settings, job)


async def job_buttons(turn: Turn, job: JobRecord) -> list[list[ButtonSpec]]:
    """The buttons of a job's card: only what its state allows."""
    ref = job_ref(job)
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
    if state in PROMISE_STATES:
        rows.append([(MOVE_PROMISED, "job.promise", ref)])
    if state is JobState.READY_FOR_RETURN:
        rows.append([(RETURN_UNIT, "job.return", ref)])
    rows.extend(await remote_and_quote_rows(turn, job))
    if state in CUSTODY_STATES and job.id is not None:
        receipt = await turn.uow.fieldwork.active_receipt(job.id)
        if receipt is not None and receipt.confirmed_at is None:
            rows.append([(RECEIPT_PHOTO, "job.receipt_photo", ref)])
    if state in (JobState.AWAITING_SIGNOFF, JobState.SIGNED_OFF):
        payment = await payment_row(turn, job)
        if payment:
            rows.append(payment)
    return rows


async def remote_and_quote_rows(turn: Turn, job: JobRecord) -> list[list[ButtonSpec]]:
    """Resolve remotely before a visit; the phone confirmation of a remote resolution; Send
    quote on site for type A; the signed paper quote's answer while the quote is open."""
    ref = job_ref(job)
    state = job.state
    if state in remote.REMOTE_STATES:
        return [[(RESOLVE_REMOTELY, "job.resolve_remotely", ref)]]
    if state is JobState.AWAITING_SIGNOFF and await remote.resolved_remotely(turn.uow, job):
        return [[(PHONE_CONFIRMED, "job.phone_confirmed", ref)]]
    if state is JobState.ON_SITE and job.service_type is ServiceType.A:
        return [[(SEND_QUOTE, "job.quote", ref)]]
    if state is JobState.AWAITING_QUOTE:
        return [paper_quote_row(job)]
    return []


def paper_quote_row(job: JobRecord) -> list[ButtonSpec]:
    ref = job_ref(job)
    return [
        (PAPER_QUOTE_ACCEPTED, "job.quote_paper", {**ref, "decision": "accept"}),
        (PAPER_QUOTE_DECLINED, "job.quote_paper", {**ref, "decision": "decline"}),
    ]


async def job_card(turn: Turn, job: JobRecord) -> Card:
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
            {"t": N_("Appointment: {when}"), "args": {"when": when_arg(job.appointment_at, tz)}}
        )
    deadline = next_deadline(job)
    if deadline is not None:
        lines.append({"t": N_("Due by {when}"), "args": {"when": when_arg(deadline.due_at, tz)}})
    settings = turn.deps.settings
    contract = response_line(settings, job, await job_contract(turn.uow, settings, job))
    if contract is not None:
        lines.append(contract)
    if job.state in (JobState.AWAITING_SIGNOFF, JobState.SIGNED_OFF):
        due = await amount_due(turn.uow, job)
        lines.append({"t": N_("Amount due: {due}"), "args": {"due": money_arg(due)}})
    return lines_card(lines, await job_buttons(turn, job), key=card_key(job))


async def send_card(turn: Turn, job: JobRecord) -> None:
    """Show the job's card (:func:`job_card`) to the technician."""
    await turn.show(await job_card(turn, job))


JOBS_SHOWN = 20


def jobs_list(jobs: Sequence[JobRecord]) -> Card:
    """Several open jobs in one message, each with a button that opens its card."""
    lines: list[dict[str, Any]] = [
        {"t": N_("Your open jobs: {count}"), "args": {"count": len(jobs)}}
    ]
    for job in jobs[:JOBS_SHOWN]:
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
    if len(jobs) > JOBS_SHOWN:
        lines.append(more_line(len(jobs) - JOBS_SHOWN))
    buttons: Keyboard = [[(job.number, "job.card", job_ref(job))] for job in jobs[:JOBS_SHOWN]]
    return lines_card(lines, buttons)


async def appointment_buttons(turn: Turn, job: JobRecord) -> Keyboard:
    ref = job_ref(job)
    local, _tz = await local_now(turn, job)
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


def decline_buttons(job: JobRecord) -> Keyboard:
    """The reasons to decline a dispatched job, and Other reason (asked as a form)."""
    ref = job_ref(job)
    reasons: list[ButtonSpec] = [
        (label, "job.decline_reason", {**ref, "reason": key})
        for key, label in DECLINE_REASONS.items()
    ]
    return [reasons[:2], [reasons[2], (OTHER_REASON, "job.decline_other", ref)]]


def part_buttons(parts: Sequence[tuple[Part, int]]) -> Keyboard:
    rows: Keyboard = []
    for part, have in parts:
        label = f"{part.code} {part.name} ({have})"
        rows.append([(label, "form.part", {"code": part.code})])
    return rows


def van_parts_buttons(parts: Sequence[tuple[Part, int]]) -> Keyboard:
    """The parts step of the finish and repair forms: the van's parts, then No more parts."""
    rows = part_buttons(parts[:12])
    rows.append([(NO_MORE_PARTS, "form.parts_done", {})])
    return rows


def hours_buttons(proposed: int) -> Keyboard:
    """The one-tap answer to the hours step: the proposed time, shown on the button."""
    label = {"t": USE_PROPOSED, "args": {"hours": hours_text(proposed)}}
    return [[(label, "form.hours", {"minutes": proposed})]]


def hours_text(minutes: int) -> str:
    """Minutes as hours, as exactly as the form reads them back (two decimals at most, no
    trailing zeros): 45 → ``0.75``, 90 → ``1.5``, 120 → ``2``."""
    hours = (Decimal(minutes) / 60).quantize(Decimal("0.01"))
    return format(hours.normalize(), "f")


def form_fees(form: Form) -> list[FeeLine]:
    """The fee lines the finish or repair form has entered so far
    (:func:`fieldbot.services.work_record.entered_fees`)."""
    return work_record.entered_fees(form.data.get("fees") or {})


def form_parts(form: Form) -> list[tuple[str, int]]:
    """The parts the finish or repair form has chosen from the van so far."""
    return [(str(c), int(q)) for c, q in form.data.get("parts") or []]


async def work_summary(turn: Turn, form: Form, job: JobRecord) -> Card:
    """What the finish or repair form will record, with Submit and Cancel."""
    lines: list[dict[str, Any]] = [
        {"t": N_("Job {number}, to be recorded:"), "args": {"number": job.number}},
        {"t": N_("Work: {work}"), "args": {"work": form.data.get("work", "")}},
        {
            "t": N_("Time: {hours} h"),
            "args": {"hours": hours_text(int(form.data.get("minutes") or 0))},
        },
    ]
    for code, quantity in form.data.get("fitted") or []:
        part = await turn.uow.parts.get(str(code))
        assert part is not None
        lines.append({**_part_line(part, int(quantity)), "t": FITTED_PART})
    for code, quantity in form.data.get("parts") or []:
        part = await turn.uow.parts.get(str(code))
        assert part is not None
        lines.append(_part_line(part, int(quantity)))
    for step, fen in (form.data.get("fees") or {}).items():
        if int(fen) > 0:
            lines.append(
                {
                    "t": N_("Fee, {kind}: {amount}"),
                    "args": {"kind": {"t": FEE_NAMES[step]}, "amount": money_arg(int(fen))},
                }
            )
    if form.name in (FORM_FINISH, FORM_REPAIR):
        try:
            charges = await work_record.estimate(
                turn.uow, turn.deps.settings, job, fees=form_fees(form), parts=form_parts(form)
            )
        except NoContract:  # Submit says why (type B needs its contract)
            return lines_card(lines, [[(SUBMIT, "form.submit", {}), (CANCEL, "form.cancel", {})]])
        lines.append(
            {
                "t": N_("Service type {type}: total {total}, amount due {due}."),
                "args": {
                    "type": job.service_type.value,
                    "total": money_arg(charges.total.fen),
                    "due": money_arg(charges.amount_due.fen),
                },
            }
        )
    return lines_card(lines, [[(SUBMIT, "form.submit", {}), (CANCEL, "form.cancel", {})]])


FITTED_PART = N_("Part already fitted: {quantity} × {part} at {price} ({kind})")


def _part_line(part: Part, quantity: int) -> dict[str, Any]:
    kind = N_("warranty-eligible") if part.warranty_eligible else N_("always paid")
    return {
        "t": N_("Part: {quantity} × {part} at {price} ({kind})"),
        "args": {
            "quantity": quantity,
            "part": f"{part.code} {part.name}",
            "price": money_arg(part.unit_price_fen),
            "kind": {"t": kind},
        },
    }
