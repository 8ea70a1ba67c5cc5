"""The job state machine against DESIGN.md §3's normative table, row by row."""

from __future__ import annotations

import itertools

import pytest

from fieldbot.domain.errors import IllegalTransition
from fieldbot.domain.model import JobState as S
from fieldbot.domain.states import (
    OPEN_STATES,
    Action,
    Actor,
    allowed_actions,
    is_open,
    transition,
    who_may,
)

A = Action
SUP = frozenset({Actor.SUPERVISOR})
TECH = frozenset({Actor.ASSIGNED_TECHNICIAN})
CUSTOMER_OR_TECH = frozenset({Actor.CUSTOMER, Actor.ASSIGNED_TECHNICIAN})

# The table of DESIGN.md §3, written out independently of the module: (from, action, to, who).
TABLE: list[tuple[S, Action, S, frozenset[Actor]]] = [
    (S.REGISTERED, A.DISPATCH, S.DISPATCHED, SUP),
    (S.DISPATCHED, A.ACCEPT, S.ACCEPTED, TECH),
    (S.DISPATCHED, A.DECLINE, S.REGISTERED, TECH),
    (S.ACCEPTED, A.SET_APPOINTMENT, S.SCHEDULED, TECH),
    (S.SCHEDULED, A.SET_APPOINTMENT, S.SCHEDULED, TECH),
    (S.SCHEDULED, A.ON_MY_WAY, S.EN_ROUTE, TECH),
    (S.SCHEDULED, A.ARRIVE, S.ON_SITE, TECH),
    (S.EN_ROUTE, A.ARRIVE, S.ON_SITE, TECH),
    (S.ON_SITE, A.NEED_PART, S.WAITING_PART, TECH),
    (S.WAITING_PART, A.PART_DELIVERED, S.ACCEPTED, frozenset({Actor.STOREKEEPER})),
    (S.ON_SITE, A.FINISH, S.AWAITING_SIGNOFF, TECH),
    (S.AWAITING_APPROVAL, A.APPROVE, S.AWAITING_SIGNOFF, SUP),
    (S.AWAITING_APPROVAL, A.REJECT, S.ON_SITE, SUP),
    (S.AWAITING_SIGNOFF, A.CONFIRM, S.SIGNED_OFF, CUSTOMER_OR_TECH),
    (S.AWAITING_SIGNOFF, A.DISPUTE, S.DISPUTED, frozenset({Actor.CUSTOMER})),
    (S.DISPUTED, A.REWORK, S.ON_SITE, SUP),
    (S.DISPUTED, A.ACCEPT_AS_IS, S.SIGNED_OFF, SUP),
    (S.ON_SITE, A.TAKE_BACK, S.IN_WORKSHOP, TECH),
    (S.IN_WORKSHOP, A.REPAIRED, S.AWAITING_INSPECTION, TECH),
    (S.AWAITING_INSPECTION, A.PASS_INSPECTION, S.READY_FOR_RETURN, SUP),
    (S.AWAITING_INSPECTION, A.FAIL_INSPECTION, S.IN_WORKSHOP, SUP),
    (S.READY_FOR_RETURN, A.RETURN_UNIT, S.AWAITING_SIGNOFF, TECH),
    (S.SIGNED_OFF, A.CLOSE, S.CLOSED, frozenset({Actor.SYSTEM})),
    (S.REGISTERED, A.CARRY_IN, S.IN_WORKSHOP, SUP | TECH),
    (S.ON_SITE, A.QUOTE, S.AWAITING_QUOTE, TECH),
    (S.AWAITING_QUOTE, A.ACCEPT_QUOTE, S.ON_SITE, CUSTOMER_OR_TECH),
    (S.AWAITING_QUOTE, A.DECLINE_QUOTE, S.AWAITING_SIGNOFF, CUSTOMER_OR_TECH),
]
TABLE += [
    (s, A.RESOLVE_REMOTELY, S.AWAITING_SIGNOFF, SUP | TECH)
    for s in (S.REGISTERED, S.DISPATCHED, S.ACCEPTED, S.SCHEDULED)
]
OPEN = [s for s in S if s not in (S.CLOSED, S.CANCELLED)]
TABLE += [(s, A.CANCEL, S.CANCELLED, SUP) for s in OPEN]
TABLE += [(s, A.REASSIGN, S.DISPATCHED, SUP) for s in OPEN if s is not S.REGISTERED]
UNASSIGNABLE = (S.DISPATCHED, S.ACCEPTED, S.SCHEDULED, S.EN_ROUTE, S.ON_SITE, S.WAITING_PART)
TABLE += [(s, A.UNASSIGN, S.REGISTERED, SUP | {Actor.SYSTEM}) for s in UNASSIGNABLE]
LEGAL = {(frm, action): (to, who) for frm, action, to, who in TABLE}
ILLEGAL = [pair for pair in itertools.product(S, Action) if pair not in LEGAL]


@pytest.mark.parametrize(("state", "action", "target", "who"), TABLE)
def test_every_row_of_the_table_is_allowed_to_its_target_by_its_actors(
    state: S, action: Action, target: S, who: frozenset[Actor]
) -> None:
    assert transition(state, action) is target
    assert who_may(state, action) == who
    assert action in allowed_actions(state)


@pytest.mark.parametrize(("state", "action"), ILLEGAL)
def test_every_pair_not_in_the_table_is_refused_naming_state_and_action(
    state: S, action: Action
) -> None:
    with pytest.raises(IllegalTransition) as refused:
        transition(state, action)
    assert state.value in str(refused.value)
    assert action.value in str(refused.value)
    assert refused.value.params == {"state": state.value, "action": action.value}
    assert refused.value.code == "illegal_transition"
    assert who_may(state, action) == frozenset()
    assert action not in allowed_actions(state)


def test_the_product_is_split_exactly_into_legal_and_illegal_pairs() -> None:
    assert len(LEGAL) + len(ILLEGAL) == len(S) * len(Action)
    assert len(ILLEGAL) > 0


def test_finish_over_the_approval_limit_waits_for_approval() -> None:
    assert transition(S.ON_SITE, A.FINISH, over_approval_limit=True) is S.AWAITING_APPROVAL
    assert transition(S.ON_SITE, A.FINISH, over_approval_limit=False) is S.AWAITING_SIGNOFF


def test_the_approval_flag_changes_nothing_but_finish() -> None:
    assert transition(S.AWAITING_APPROVAL, A.APPROVE, over_approval_limit=True) is (
        S.AWAITING_SIGNOFF
    )
    with pytest.raises(IllegalTransition):
        transition(S.DISPATCHED, A.FINISH, over_approval_limit=True)


def test_open_states_are_all_but_closed_and_cancelled() -> None:
    assert frozenset(OPEN) == OPEN_STATES
    assert S.CLOSED not in OPEN_STATES and S.CANCELLED not in OPEN_STATES
    assert is_open(S.SIGNED_OFF) and not is_open(S.CLOSED)


def test_closed_and_cancelled_jobs_allow_nothing() -> None:
    assert allowed_actions(S.CLOSED) == []
    assert allowed_actions(S.CANCELLED) == []


def test_a_registered_job_cannot_be_reassigned() -> None:
    assert allowed_actions(S.REGISTERED) == [A.DISPATCH, A.CARRY_IN, A.RESOLVE_REMOTELY, A.CANCEL]


def test_allowed_actions_follow_the_order_of_the_action_enum() -> None:
    assert allowed_actions(S.ON_SITE) == [
        A.NEED_PART,
        A.FINISH,
        A.TAKE_BACK,
        A.QUOTE,
        A.CANCEL,
        A.REASSIGN,
        A.UNASSIGN,
    ]
