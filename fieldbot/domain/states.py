"""The life of a job: the normative transition table of DESIGN.md §3.

Anything not in the table is refused with :class:`IllegalTransition`, whose message names the
state and the action. Who may take a step is answered by :func:`who_may`; whether the person
asking is that actor (the assigned technician, the job's customer) is for the service to check.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from fieldbot.domain.errors import IllegalTransition
from fieldbot.domain.model import JobState


class Action(StrEnum):
    DISPATCH = "dispatch"
    ACCEPT = "accept"
    DECLINE = "decline"
    SET_APPOINTMENT = "set_appointment"
    ON_MY_WAY = "on_my_way"
    ARRIVE = "arrive"
    NEED_PART = "need_part"
    PART_DELIVERED = "part_delivered"
    FINISH = "finish"
    APPROVE = "approve"
    REJECT = "reject"
    CONFIRM = "confirm"
    DISPUTE = "dispute"
    REWORK = "rework"
    ACCEPT_AS_IS = "accept_as_is"
    TAKE_BACK = "take_back"
    REPAIRED = "repaired"
    PASS_INSPECTION = "pass_inspection"
    FAIL_INSPECTION = "fail_inspection"
    RETURN_UNIT = "return_unit"
    CLOSE = "close"
    CARRY_IN = "carry_in"
    RESOLVE_REMOTELY = "resolve_remotely"
    QUOTE = "quote"
    ACCEPT_QUOTE = "accept_quote"
    DECLINE_QUOTE = "decline_quote"
    CANCEL = "cancel"
    REASSIGN = "reassign"
    UNASSIGN = "unassign"


class Actor(StrEnum):
    SUPERVISOR = "supervisor"
    ASSIGNED_TECHNICIAN = "assigned_technician"
    CUSTOMER = "customer"
    STOREKEEPER = "storekeeper"
    SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class Rule:
    """One row of the table for one source state."""

    target: JobState
    who: frozenset[Actor]


_SUPERVISOR = frozenset({Actor.SUPERVISOR})
_TECHNICIAN = frozenset({Actor.ASSIGNED_TECHNICIAN})
# The customer confirms in their own chat, or the technician records it with evidence
# (a photo of the signed paper voucher): both are modelled, the service keeps the method.
_CUSTOMER_OR_TECHNICIAN = frozenset({Actor.CUSTOMER, Actor.ASSIGNED_TECHNICIAN})

OPEN_STATES: frozenset[JobState] = frozenset(
    s for s in JobState if s not in {JobState.CLOSED, JobState.CANCELLED}
)
# "dispatched … on_site, waiting_part" of the unassign row: a job not yet further on (the
# workshop, awaiting approval, a quote or sign-off keep their state when its technician leaves).
UNASSIGNABLE_STATES: frozenset[JobState] = frozenset(
    {
        JobState.DISPATCHED,
        JobState.ACCEPTED,
        JobState.SCHEDULED,
        JobState.EN_ROUTE,
        JobState.ON_SITE,
        JobState.WAITING_PART,
    }
)
FINAL_STATES: frozenset[JobState] = frozenset({JobState.CLOSED, JobState.CANCELLED})


def _build() -> dict[tuple[JobState, Action], Rule]:
    S, A = JobState, Action
    table: dict[tuple[JobState, Action], Rule] = {
        (S.REGISTERED, A.DISPATCH): Rule(S.DISPATCHED, _SUPERVISOR),
        (S.DISPATCHED, A.ACCEPT): Rule(S.ACCEPTED, _TECHNICIAN),
        (S.DISPATCHED, A.DECLINE): Rule(S.REGISTERED, _TECHNICIAN),
        (S.ACCEPTED, A.SET_APPOINTMENT): Rule(S.SCHEDULED, _TECHNICIAN),
        (S.SCHEDULED, A.SET_APPOINTMENT): Rule(S.SCHEDULED, _TECHNICIAN),
        (S.SCHEDULED, A.ON_MY_WAY): Rule(S.EN_ROUTE, _TECHNICIAN),
        (S.SCHEDULED, A.ARRIVE): Rule(S.ON_SITE, _TECHNICIAN),
        (S.EN_ROUTE, A.ARRIVE): Rule(S.ON_SITE, _TECHNICIAN),
        (S.ON_SITE, A.NEED_PART): Rule(S.WAITING_PART, _TECHNICIAN),
        (S.WAITING_PART, A.PART_DELIVERED): Rule(S.ACCEPTED, frozenset({Actor.STOREKEEPER})),
        # The target below is the one under the approval limit; see transition().
        (S.ON_SITE, A.FINISH): Rule(S.AWAITING_SIGNOFF, _TECHNICIAN),
        (S.AWAITING_APPROVAL, A.APPROVE): Rule(S.AWAITING_SIGNOFF, _SUPERVISOR),
        (S.AWAITING_APPROVAL, A.REJECT): Rule(S.ON_SITE, _SUPERVISOR),
        (S.AWAITING_SIGNOFF, A.CONFIRM): Rule(S.SIGNED_OFF, _CUSTOMER_OR_TECHNICIAN),
        (S.AWAITING_SIGNOFF, A.DISPUTE): Rule(S.DISPUTED, frozenset({Actor.CUSTOMER})),
        (S.DISPUTED, A.REWORK): Rule(S.ON_SITE, _SUPERVISOR),
        (S.DISPUTED, A.ACCEPT_AS_IS): Rule(S.SIGNED_OFF, _SUPERVISOR),
        (S.ON_SITE, A.TAKE_BACK): Rule(S.IN_WORKSHOP, _TECHNICIAN),
        (S.IN_WORKSHOP, A.REPAIRED): Rule(S.AWAITING_INSPECTION, _TECHNICIAN),
        (S.AWAITING_INSPECTION, A.PASS_INSPECTION): Rule(S.READY_FOR_RETURN, _SUPERVISOR),
        (S.AWAITING_INSPECTION, A.FAIL_INSPECTION): Rule(S.IN_WORKSHOP, _SUPERVISOR),
        # "the assigned technician with the customer": the technician hands the unit back and
        # the customer then signs off the workshop repair's summary like any job (Custody).
        (S.READY_FOR_RETURN, A.RETURN_UNIT): Rule(S.AWAITING_SIGNOFF, _TECHNICIAN),
        (S.SIGNED_OFF, A.CLOSE): Rule(S.CLOSED, frozenset({Actor.SYSTEM})),
        # Second pass (DESIGN.md §3): a unit brought or sent in; "a technician of the branch"
        # is checked by the service, as the assigned technician is elsewhere.
        (S.REGISTERED, A.CARRY_IN): Rule(S.IN_WORKSHOP, _SUPERVISOR | _TECHNICIAN),
        (S.ON_SITE, A.QUOTE): Rule(S.AWAITING_QUOTE, _TECHNICIAN),
        (S.AWAITING_QUOTE, A.ACCEPT_QUOTE): Rule(S.ON_SITE, _CUSTOMER_OR_TECHNICIAN),
        (S.AWAITING_QUOTE, A.DECLINE_QUOTE): Rule(S.AWAITING_SIGNOFF, _CUSTOMER_OR_TECHNICIAN),
    }
    for state in (S.REGISTERED, S.DISPATCHED, S.ACCEPTED, S.SCHEDULED):
        table[(state, A.RESOLVE_REMOTELY)] = Rule(S.AWAITING_SIGNOFF, _SUPERVISOR | _TECHNICIAN)
    # The technician left or is away: the job goes back to the queue, at offboarding
    # automatically (the system) or by the supervisor.
    for state in UNASSIGNABLE_STATES:
        table[(state, A.UNASSIGN)] = Rule(S.REGISTERED, _SUPERVISOR | {Actor.SYSTEM})
    for state in OPEN_STATES:
        table[(state, A.CANCEL)] = Rule(S.CANCELLED, _SUPERVISOR)
        if state is not S.REGISTERED:
            table[(state, A.REASSIGN)] = Rule(S.DISPATCHED, _SUPERVISOR)
    return table


TRANSITIONS: Mapping[tuple[JobState, Action], Rule] = MappingProxyType(_build())


def transition(state: JobState, action: Action, *, over_approval_limit: bool = False) -> JobState:
    """The state a job in ``state`` moves to when ``action`` is taken.

    ``over_approval_limit`` matters only for finish: a job total above the approval limit
    waits for the supervisor's approval before sign-off.
    """
    rule = TRANSITIONS.get((state, action))
    if rule is None:
        raise IllegalTransition(
            f"cannot {action.value} a job that is {state.value}",
            state=state.value,
            action=action.value,
        )
    if action is Action.FINISH and over_approval_limit:
        return JobState.AWAITING_APPROVAL
    return rule.target


def who_may(state: JobState, action: Action) -> frozenset[Actor]:
    """The actors who may take ``action`` in ``state``; empty when the table forbids it."""
    rule = TRANSITIONS.get((state, action))
    return rule.who if rule is not None else frozenset()


def allowed_actions(state: JobState) -> list[Action]:
    """Actions the table allows from ``state``, in the order of :class:`Action`."""
    return [action for action in Action if (state, action) in TRANSITIONS]


def is_open(state: JobState) -> bool:
    return state in OPEN_STATES
