"""The quote (DESIGN.md §3 Second pass, seed 000 第七条 客户确认修理方案): on site, when a type A
job's estimate (labour and parts) is above ``settings.quote_limit_fen``, the technician puts it
to the customer before the work, with the call-out fees (travel, other) a decline leaves due.

The customer answers in their own chat (Accept quote / Decline quote); a customer without
Telegram signs the paper quote and the technician sends its photo with the answer (weaker
evidence, like the paper voucher). Accepted: the job is back on site and finishes as usual.
Declined: the call-out fees are recorded (charged by the service type's rule of
:mod:`fieldbot.services.work_record`), the customer is asked to sign off, and the supervisors
are told (:func:`fieldbot.services.workflow.notify_supervisors`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from fieldbot.clock import Clock
from fieldbot.domain.entitlement import FeeKind, FeeLine, needs_quote
from fieldbot.domain.errors import DomainError
from fieldbot.domain.model import JobState
from fieldbot.domain.money import Money
from fieldbot.domain.states import Action
from fieldbot.i18n import N_
from fieldbot.repositories.jobs import JobRecord
from fieldbot.repositories.quotes import QuoteMethod, QuoteRow
from fieldbot.services.signoff import request_signoff
from fieldbot.services.work_record import fee_record, require_quote_if_needed
from fieldbot.services.workflow import (
    InvalidInput,
    JobChange,
    JobRef,
    Notices,
    apply,
    customer_of,
    customer_tag,
    job_button,
    job_id,
    load_job,
    money_arg,
    notify_customer,
    notify_staff,
    notify_supervisors,
    require_assigned,
    require_customer_of,
    require_state,
    staff_tag,
    technician_of,
)
from fieldbot.settings import Settings
from fieldbot.store import UnitOfWork

ACCEPT_QUOTE = N_("Accept quote")
DECLINE_QUOTE = N_("Decline quote")
OPEN_JOB = N_("Open job")
QUOTE_TEMPLATE = N_(
    "Job {number}: before the repair, please confirm the estimate.\n"
    "Labour: {labour}\nParts: {parts}\nEstimate: {estimate}\n"
    "Call-out fees (travel and other): {call_out}, due whether or not you accept.\n"
    "The final amount may differ a little from the estimate."
)


class QuoteNotNeeded(DomainError):
    """Only a type A estimate above the quote limit is put to the customer."""

    code = "quote_not_needed"


class NoPendingQuote(DomainError):
    """The quote answered is not the job's pending one (answered, or replaced by a newer)."""

    code = "no_pending_quote"


@dataclass(frozen=True, slots=True)
class Quoted:
    change: JobChange
    quote: QuoteRow
    customer_in_chat: bool  # False: the customer signs the paper quote


@dataclass(frozen=True, slots=True)
class Answered:
    change: JobChange
    quote: QuoteRow
    signoff_link: str | None  # declined: the sign-off link of the call-out fees


def quote_needed(job: JobRecord, settings: Settings, labour_fen: int, parts_fen: int) -> bool:
    """Whether an estimate of ``labour_fen`` and ``parts_fen`` is put to the customer."""
    return needs_quote(job.service_type, Money(labour_fen + parts_fen), settings.quote_limit_fen)


async def require_quote_for(
    uow: UnitOfWork,
    settings: Settings,
    job: JobRecord,
    *,
    labour_fen: int,
    parts: Iterable[Sequence[object]],
) -> None:
    """The finish form's check once labour is known: labour and the parts (code, quantity) of
    a type A job above the quote limit need an accepted quote first
    (:func:`fieldbot.services.work_record.require_quote_if_needed`, the same rule as finish)."""
    lines = [FeeLine(FeeKind.LABOUR, "labour", Money(labour_fen))]
    for code, quantity in parts:
        part = await uow.parts.get(str(code))
        if part is not None:
            price = Money(part.unit_price_fen) * int(str(quantity))
            lines.append(FeeLine(FeeKind.PARTS, part.code, price))
    await require_quote_if_needed(uow, settings, job, lines)


def quote_args(job: JobRecord, quote: QuoteRow) -> dict[str, Any]:
    return {
        "number": job.number,
        "labour": money_arg(quote.labour_fen),
        "parts": money_arg(quote.parts_fen),
        "estimate": money_arg(quote.estimate_fen),
        "call_out": money_arg(quote.call_out_fen),
    }


def _amount(fen: int, what: str) -> int:
    if fen < 0:
        raise InvalidInput(f"the {what} cannot be negative", field="estimate")
    return fen


async def send_quote(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    job: JobRef,
    actor: str,
    labour_fen: int,
    parts_fen: int,
    travel_fen: int = 0,
    other_fen: int = 0,
    expected_version: int | None = None,
) -> Quoted:
    """The assigned technician, on site, puts the estimate to the customer of a type A job
    (above the quote limit, else :class:`QuoteNotNeeded`); the customer gets it in their chat
    with Accept quote / Decline quote. A newer quote replaces an unanswered one."""
    now = clock.now()
    amounts = [
        _amount(labour_fen, "labour"),
        _amount(parts_fen, "parts"),
        _amount(travel_fen, "travel fee"),
        _amount(other_fen, "other fee"),
    ]
    found = await load_job(uow, job, expected_version)
    tech = await require_assigned(uow, actor, found, Action.QUOTE)
    require_state(found, {JobState.ON_SITE}, Action.QUOTE.value)
    if not quote_needed(found, settings, labour_fen, parts_fen):
        raise QuoteNotNeeded(
            f"job {found.number}: no quote needed (type {found.service_type.value}, "
            f"{labour_fen + parts_fen} fen)",
            job=found.number,
        )
    quote = await uow.fieldwork.add_quote(
        job_id=job_id(found),
        technician_id=tech.id,
        labour_fen=amounts[0],
        parts_fen=amounts[1],
        travel_fen=amounts[2],
        other_fen=amounts[3],
        now=now,
    )
    saved = await apply(
        uow,
        found,
        Action.QUOTE,
        staff_tag(tech),
        now,
        settings=settings,
        payload={
            "quote_id": quote.id,
            "estimate_fen": quote.estimate_fen,
            "call_out_fen": quote.call_out_fen,
        },
    )
    customer = await customer_of(uow, saved)
    notices = Notices()
    payload = {**job_button(saved), "quote_id": quote.id}
    notices.add(
        await notify_customer(
            uow,
            customer,
            QUOTE_TEMPLATE,
            quote_args(saved, quote),
            now,
            buttons=[
                (ACCEPT_QUOTE, "quote.accept", payload),
                (DECLINE_QUOTE, "quote.decline", payload),
            ],
        )
    )
    in_chat = customer.chat_id is not None and customer.telegram_user_id is not None
    return Quoted(JobChange(saved, Action.QUOTE, found.state, notices.tuple()), quote, in_chat)


async def _pending(uow: UnitOfWork, job: JobRecord, quote_id: int | None) -> QuoteRow:
    """The job's pending quote; ``quote_id`` (what the button was for) must be that one."""
    latest = await uow.fieldwork.latest_quote(job_id(job))
    if latest is None or latest.status != "pending" or job.state is not JobState.AWAITING_QUOTE:
        raise NoPendingQuote(f"job {job.number} has no quote waiting for an answer")
    if quote_id is not None and quote_id != latest.id:
        raise NoPendingQuote(f"quote {quote_id} is not the pending quote of job {job.number}")
    return latest


async def answer(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    job: JobRef,
    decision: Literal["accept", "decline"],
    customer: str | None = None,
    actor: str | None = None,
    photo: str | None = None,
    quote_id: int | None = None,
    expected_version: int | None = None,
) -> Answered:
    """The answer to the job's pending quote: by ``customer`` in their own chat, or by the
    assigned technician (``actor``) with ``photo``, the Telegram file id of the signed quote.
    Accepted: back on site, the technician is told to go ahead. Declined: the call-out fees
    are recorded and the customer asked to sign off; the technician and the supervisors are
    told."""
    now = clock.now()
    found = await load_job(uow, job, expected_version)
    method: QuoteMethod
    evidence: str | None = None
    if customer is not None:
        row = await require_customer_of(uow, customer, found, f"{decision} the quote of")
        who = customer_tag(row)
        method = "customer_chat"
    else:
        evidence = (photo or "").strip()
        if actor is None or not evidence:
            raise InvalidInput("send the photo of the signed quote", field="quote_photo")
        tech = await require_assigned(uow, actor, found, f"{decision} the quote of")
        who = staff_tag(tech)
        method = "paper_photo"
    pending = await _pending(uow, found, quote_id)
    action = Action.ACCEPT_QUOTE if decision == "accept" else Action.DECLINE_QUOTE
    payload: dict[str, Any] = {"quote_id": pending.id, "method": method}
    notices = Notices()
    link: str | None = None
    if decision == "accept":
        saved = await apply(uow, found, action, who, now, settings=settings, payload=payload)
        await uow.fieldwork.decide_quote(pending.id, "accepted", method, now, evidence=evidence)
        notices.add(await _tell_technician(uow, saved, pending, "accepted", method, now))
    else:
        record, _charges = await fee_record(
            uow,
            settings,
            found,
            staff_id=pending.technician_id,
            description="quote declined",
            fees=_call_out_lines(pending),
            now=now,
        )
        payload["work_record_id"] = record.id
        saved = await apply(uow, found, action, who, now, settings=settings, payload=payload)
        await uow.fieldwork.decide_quote(
            pending.id, "declined", method, now, evidence=evidence, work_record_id=record.id
        )
        link, ids = await request_signoff(uow, settings, saved, record, now)
        notices.extend(ids)
        notices.add(await _tell_technician(uow, saved, pending, "declined", method, now))
        notices.extend(
            await notify_supervisors(
                uow,
                saved,
                N_(
                    "Job {number}: the customer declined the quote of {estimate}; only the "
                    "call-out fees ({call_out}) are due."
                ),
                quote_args(saved, pending),
                now,
            )
        )
    answered = await uow.fieldwork.quote(pending.id)
    assert answered is not None
    return Answered(JobChange(saved, action, found.state, notices.tuple()), answered, link)


def _call_out_lines(quote: QuoteRow) -> list[FeeLine]:
    lines = [
        FeeLine(kind, kind.value, Money(fen))
        for kind, fen in ((FeeKind.TRAVEL, quote.travel_fen), (FeeKind.OTHER, quote.other_fen))
        if fen > 0
    ]
    return lines


async def _tell_technician(
    uow: UnitOfWork,
    job: JobRecord,
    quote: QuoteRow,
    outcome: Literal["accepted", "declined"],
    method: QuoteMethod,
    now: datetime,
) -> int | None:
    """The technician hears the customer's answer in the chat (they recorded a paper one)."""
    tech = await technician_of(uow, job)
    if tech is None or method != "customer_chat":
        return None
    template = (
        N_("Job {number}: the customer accepted the quote of {estimate}. Go ahead with the work.")
        if outcome == "accepted"
        else N_(
            "Job {number}: the customer declined the quote of {estimate}; only the call-out "
            "fees ({call_out}) are due and the customer is asked to sign off."
        )
    )
    buttons = [] if outcome == "declined" else [(OPEN_JOB, "job.card", {"job_id": job_id(job)})]
    return await notify_staff(uow, tech, template, quote_args(job, quote), now, buttons=buttons)
