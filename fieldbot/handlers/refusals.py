"""A refused step, told to the person in their language: nothing was changed.

Every refusal is a catalog text chosen by the error's kind (its ``code``); the exception's
message is internal (it may name ids, coordinates or what was typed) and goes to the log
only (DESIGN.md §6).
"""

from __future__ import annotations

from typing import Any

from telegram import Message

from fieldbot.domain.errors import (
    DomainError,
    IllegalTransition,
    InvalidMoney,
    InvalidText,
    NotAllowed,
)
from fieldbot.domain.model import JobState
from fieldbot.domain.text import clean_text
from fieldbot.handlers.turn import Turn
from fieldbot.i18n import N_
from fieldbot.labels import STATE_NAMES
from fieldbot.store import (
    AlreadyBound,
    ConcurrencyConflict,
    InsufficientStock,
    MissingReference,
    NotFound,
    StoreError,
)

_STATES = {state.value for state in JobState}

MONEY_REASONS = {
    "empty": N_("nothing was written"),
    "negative": N_("amounts cannot be negative"),
    "too_many_decimals": N_("at most two decimals"),
    "not_a_number": N_("that is not a number"),
    "not_finite": N_("that is not a number"),
    "too_large": N_("the amount is too large"),
    "malformed": N_("that is not written like an amount"),
}

TEXT_EMPTY = N_(
    "That has no words in it: please write it in words (at most {max} characters), or /cancel."
)
TEXT_TOO_LONG = N_(
    "That is too long: at most {max} characters, please. Nothing was saved; send it shorter, "
    "or /cancel."
)
GENERIC = N_("That did not work. Nothing was changed.")
NOT_ALLOWED = N_("You may not do that. Nothing was changed.")

# What a person reads for each kind of refusal (DomainError.code); a code not here reads
# as GENERIC.
BY_CODE: dict[str, str] = {
    "no_such_page": N_(
        "There is no such page: /calls 2 shows the second page of your queue, /calls all the "
        "call log. Nothing was changed."
    ),
    "no_units": N_(
        "We have no equipment of yours on record. Please call the service hotline. Nothing "
        "was changed."
    ),
    "customer_not_bound": N_(
        "The customer is not in the chat, so nothing can be sent there; please call them. "
        "Nothing was changed."
    ),
    "not_own_request": N_(
        "That job was not reported by the customer in the chat. Nothing was changed."
    ),
    "unknown_location": N_(
        "That is not a stock location: name central, a branch code (SH01) or a technician's "
        "van (van:T01, or just T01). Nothing was changed."
    ),
    "not_your_job": N_(
        "That job is not yours: only its technician or a supervisor of its branch may change "
        "it. Nothing was changed."
    ),
    "unknown_clock": N_("That deadline does not exist. Nothing was changed."),
    "clock_not_running": N_("That deadline is not running. Nothing was changed."),
    "clock_not_paused": N_("That deadline is not paused. Nothing was changed."),
    "pause_needs_reason": N_("A pause needs a reason in words. Nothing was changed."),
    "unknown_customer": N_("No customer matches that. Nothing was changed."),
    "ambiguous_customer": N_("Several customers match that. Nothing was changed."),
    "unknown_equipment": N_("That unit is not on record. Nothing was changed."),
    "equipment_not_customers": N_("That unit is not this customer's. Nothing was changed."),
    "invalid_job_field": N_("Something in that job is not valid. Nothing was changed."),
    "unknown_job": N_(
        "There is no such job. Job numbers look like J20260914-001. Nothing was changed."
    ),
    "unknown_staff": N_("There is no such member of staff. Nothing was changed."),
    "unknown_part": N_("There is no such part. Send a code like P005. Nothing was changed."),
    "part_shortfall": N_("There are not enough of that part. Nothing was taken."),
    "stock_shortfall": N_("That stock location does not hold enough. Nothing moved."),
    "signoff_link_invalid": N_(
        "This sign-off link is no longer valid. Please ask the technician for a new one."
    ),
    "cash_not_allowed": N_("Cash is not possible for this job. Nothing was changed."),
    "unknown_branch": N_("There is no such branch. Nothing was changed."),
    "missing_reason": N_("That needs a reason in words. Nothing was changed."),
    "no_contract": N_("There is no contract for that. Nothing was changed."),
    "unknown_report": N_("There is no such report. Nothing was changed."),
    "report_decided": N_(
        "That report was confirmed, corrected or decided already. Nothing was changed."
    ),
    "invalid_phone": N_(
        "That is not a phone number. Write it like 13812345678. Nothing was changed."
    ),
    "invalid_working_hours": N_("Those working hours are not valid. Nothing was changed."),
    "registration_refused": N_("That registration is not possible. Nothing was changed."),
    "quote_required": N_(
        "Labour and parts are above the quote limit: the customer must accept a quote before "
        "the work. Send /cancel, then tap Send quote on the job's card. Nothing was recorded."
    ),
    "quote_not_needed": N_(
        "That estimate needs no quote (only a type A estimate above the quote limit does): "
        "go ahead with the work. Nothing was sent."
    ),
    "no_pending_quote": N_("This quote is no longer waiting for an answer. Nothing was changed."),
    "not_resolved_remotely": N_(
        "Only a job resolved remotely can be confirmed by phone; after a visit the customer "
        "confirms in the chat or signs the paper voucher. Nothing was changed."
    ),
    "survey_incomplete": N_("Please rate all four items first; nothing was submitted."),
    "survey_answered": N_("This survey is already answered. Nothing was changed."),
    "unknown_survey": N_("That survey does not exist. Nothing was changed."),
    "invalid_rating": N_("That is not one of the levels. Nothing was changed."),
    "no_candidate": N_("That complaint candidate is already decided. Nothing was changed."),
    "unknown_complaint": N_(
        "There is no such complaint. Complaint numbers look like TS-20260914-001. Nothing was "
        "changed."
    ),
    "away_overlap": N_("They are already away on some of those days. Nothing was changed."),
    "not_away": N_("Nobody is away there: there is no leave to end. Nothing was changed."),
    "complaint_state": N_(
        "That is not possible where the complaint stands now. Nothing was changed."
    ),
    "invalid_period": N_(
        "That is not a period: write a month like 2026-09 or a day like 2026-09-14."
    ),
    "invalid_scope": N_(
        "I do not know whose figures those are: write company, a branch code like SH01 or a "
        "technician's code like T01, then optionally a month (2026-09) or a day (2026-09-14)."
    ),
}
# invalid_input: by the field that was wrong.
BY_FIELD: dict[str, str] = {
    "location": N_(
        "That location is not valid. Please share your location with the button. "
        "Nothing was changed."
    ),
    "at": N_("That time is not valid; it must be later than now. Nothing was changed."),
    "promised_at": N_("That day is not valid; it must be from today on. Nothing was changed."),
    "minutes": N_("That time spent is not valid. Nothing was changed."),
    "quantity": N_("The quantity must be a whole number above 0. Nothing was changed."),
    "parts": N_("Please name the parts needed. Nothing was changed."),
    "work": N_("Please say what was done. Nothing was changed."),
    "notes": N_("Please say what was repaired. Nothing was changed."),
    "photo": N_("Please send the photo of the signed voucher. Nothing was changed."),
    "quote_photo": N_("Please send the photo of the signed quote. Nothing was changed."),
    "estimate": N_("Amounts cannot be negative. Nothing was sent."),
    "period": N_(
        "Those dates do not make a period: the first day comes first, the last is today or "
        "later, at most a year. Nothing was changed."
    ),
    "receipt": N_("That receipt is confirmed already or no longer open. Nothing was changed."),
}
INVALID_INPUT = N_("That input is not valid. Nothing was changed.")
BY_STORE_ERROR: tuple[tuple[type[StoreError], str], ...] = (
    (AlreadyBound, N_("This Telegram account is already linked to someone else.")),
    (InsufficientStock, N_("There is not enough stock for that. Nothing was taken.")),
    (NotFound, N_("That is not there any more. Nothing was changed.")),
    (MissingReference, N_("Something it refers to is not on record. Nothing was changed.")),
)


def free_text(turn: Turn, raw: str | None) -> str:
    """Free text the person sent (a reason, a description, a search), by the one rule of
    :mod:`fieldbot.domain.text` with ``FIELDBOT_TEXT_MAX_CHARS``; :class:`InvalidText` (told by
    the router as a refusal) when it has no visible character or is too long."""
    return clean_text(raw, turn.deps.settings.text_max_chars)


async def free_text_or_ask(turn: Turn, message: Message, again: str) -> str | None:
    """:func:`free_text` of a form's message; when it is not valid, the form's own question
    ``again`` (taking ``{max}``) is asked again and None returned: nothing is saved."""
    try:
        return free_text(turn, message.text)
    except InvalidText as exc:
        turn.refused("invalid text", why=exc.params.get("reason"))
        await turn.reply(again, args={"max": turn.deps.settings.text_max_chars})
        return None


def refusal(exc: Exception) -> tuple[str, dict[str, Any]]:
    """The template and arguments that tell why a step was refused."""
    if isinstance(exc, ConcurrencyConflict):
        return (
            N_("Someone else changed this a moment ago. Nothing was changed; please look again."),
            {},
        )
    if isinstance(exc, IllegalTransition):
        state = str(exc.params.get("state", ""))
        return (
            N_("That is no longer possible: the job is {state} now. Nothing was changed."),
            {"state": {"t": STATE_NAMES[JobState(state)] if state in _STATES else state}},
        )
    if isinstance(exc, NotAllowed):
        return BY_CODE.get(exc.code, NOT_ALLOWED), {}
    if isinstance(exc, InvalidMoney):
        reason = str(exc.params.get("reason", "malformed"))
        return (
            N_("I cannot read that amount: {reason}. Write it like 12.50 or ¥1,234.50."),
            {"reason": {"t": MONEY_REASONS.get(reason, MONEY_REASONS["malformed"])}},
        )
    if isinstance(exc, InvalidText):
        limit = exc.params.get("max")
        template = TEXT_TOO_LONG if exc.params.get("reason") == "too_long" else TEXT_EMPTY
        return template, {"max": limit if isinstance(limit, int) else "?"}
    if isinstance(exc, DomainError):
        if exc.code == "invalid_input":
            return BY_FIELD.get(str(exc.params.get("field")), INVALID_INPUT), {}
        return BY_CODE.get(exc.code, GENERIC), {}
    if isinstance(exc, StoreError):
        for kind, template in BY_STORE_ERROR:
            if isinstance(exc, kind):
                return template, {}
        return GENERIC, {}
    raise exc
