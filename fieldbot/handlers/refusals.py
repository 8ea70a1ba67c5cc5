"""A refused step, told to the person in their language: nothing was changed."""

from __future__ import annotations

from typing import Any

from fieldbot.domain.errors import DomainError, IllegalTransition, InvalidMoney, NotAllowed
from fieldbot.domain.model import JobState
from fieldbot.i18n import N_
from fieldbot.labels import STATE_NAMES
from fieldbot.store import ConcurrencyConflict, StoreError

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
        return N_("You may not do that. Nothing was changed."), {}
    if isinstance(exc, InvalidMoney):
        reason = str(exc.params.get("reason", "malformed"))
        return (
            N_("I cannot read that amount: {reason}. Write it like 12.50 or ¥1,234.50."),
            {"reason": {"t": MONEY_REASONS.get(reason, MONEY_REASONS["malformed"])}},
        )
    if isinstance(exc, DomainError | StoreError):
        return N_("That did not work: {detail}. Nothing was changed."), {"detail": str(exc)}
    raise exc
