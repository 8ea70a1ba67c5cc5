"""Entitlement (A/B/C from warranty and contracts) and what each service type charges."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pytest

from fieldbot.domain.entitlement import (
    ChargedLine,
    FeeKind,
    FeeLine,
    MissingReason,
    NoContract,
    Override,
    active_contract,
    cash_allowed,
    charge,
    charges_kind,
    effective_service_type,
    needs_approval,
    service_type_on,
)
from fieldbot.domain.model import Contract, Equipment, ServiceType
from fieldbot.domain.money import Money

DAY = date(2026, 9, 14)


def unit(warranty_until: date | None = None, customer: str = "C001") -> Equipment:
    return Equipment(
        serial="SN-1",
        customer=customer,
        model="X200",
        product_line="pumps",
        purchased_on=date(2024, 1, 10),
        warranty_until=warranty_until,
    )


def contract(
    customer: str = "C002",
    starts_on: date = date(2026, 1, 1),
    ends_on: date = date(2026, 12, 31),
    *,
    labour: bool = True,
    parts: bool = False,
    number: str = "K-1",
) -> Contract:
    return Contract(number, customer, starts_on, ends_on, labour, parts)


LINES = [
    FeeLine(FeeKind.LABOUR, "2 h repair", Money(30000)),
    FeeLine(FeeKind.PARTS, "pump seal", Money(12000), warranty_eligible=True),
    FeeLine(FeeKind.PARTS, "filter (consumable)", Money(3000), warranty_eligible=False),
    FeeLine(FeeKind.TRAVEL, "suburban trip", Money(5000)),
    FeeLine(FeeKind.OTHER, "disposal", Money(1000)),
]
TOTAL = Money(51000)


def charged(lines: Sequence[ChargedLine]) -> list[int]:
    return [line.charged.fen for line in lines]


def test_a_unit_in_warranty_on_the_day_is_type_c() -> None:
    assert service_type_on(DAY, unit(warranty_until=DAY), []) is ServiceType.C
    assert service_type_on(DAY, unit(warranty_until=date(2027, 1, 1)), []) is ServiceType.C


def test_warranty_wins_over_a_contract() -> None:
    equipment = unit(warranty_until=DAY, customer="C002")
    assert service_type_on(DAY, equipment, [contract()]) is ServiceType.C


def test_an_active_contract_of_the_owner_makes_type_b() -> None:
    equipment = unit(warranty_until=date(2025, 1, 1), customer="C002")
    assert service_type_on(DAY, equipment, [contract()]) is ServiceType.B


def test_contract_days_are_inclusive_at_both_ends() -> None:
    equipment = unit(customer="C002")
    first = contract(starts_on=DAY, ends_on=date(2026, 12, 31))
    last = contract(starts_on=date(2026, 1, 1), ends_on=DAY)
    assert service_type_on(DAY, equipment, [first]) is ServiceType.B
    assert service_type_on(DAY, equipment, [last]) is ServiceType.B


def test_expired_future_or_other_customers_contracts_give_type_a() -> None:
    equipment = unit(warranty_until=date(2026, 9, 13), customer="C003")
    contracts = [
        contract(customer="C003", ends_on=date(2026, 9, 13)),
        contract(customer="C003", starts_on=date(2026, 9, 15)),
        contract(customer="C002"),
    ]
    assert service_type_on(DAY, equipment, contracts) is ServiceType.A


def test_type_d_is_never_derived() -> None:
    results = {
        service_type_on(DAY, unit(warranty_until=w, customer=c), [contract()])
        for w in (None, DAY)
        for c in ("C001", "C002")
    }
    assert ServiceType.D not in results


def test_active_contract_picks_the_one_ending_last() -> None:
    short = contract(ends_on=date(2026, 10, 1), number="K-1")
    long = contract(ends_on=date(2027, 6, 30), number="K-2")
    assert active_contract(DAY, "C002", [short, long]) == long
    assert active_contract(DAY, "C009", [short, long]) is None


def test_an_override_needs_a_reason() -> None:
    with pytest.raises(MissingReason):
        Override(ServiceType.A, "   ")
    override = Override(ServiceType.A, "damage by misuse, not a quality case")
    assert effective_service_type(ServiceType.C, override) is ServiceType.A
    assert effective_service_type(ServiceType.C, None) is ServiceType.C


def test_type_a_charges_everything() -> None:
    charges = charge(ServiceType.A, LINES)
    assert charged(charges.lines) == [30000, 12000, 3000, 5000, 1000]
    assert charges.total == TOTAL
    assert charges.amount_due == TOTAL
    assert charges.covered == Money(0)


def test_type_b_charges_what_a_labour_only_contract_does_not_cover() -> None:
    charges = charge(ServiceType.B, LINES, contract(labour=True, parts=False))
    assert charged(charges.lines) == [0, 12000, 3000, 5000, 1000]
    assert charges.total == TOTAL
    assert charges.amount_due == Money(21000)


def test_type_b_with_labour_and_parts_covered_still_charges_travel_and_other() -> None:
    charges = charge(ServiceType.B, LINES, contract(labour=True, parts=True))
    assert charged(charges.lines) == [0, 0, 0, 5000, 1000]
    assert charges.amount_due == Money(6000)


def test_type_b_with_a_parts_only_contract_charges_labour() -> None:
    charges = charge(ServiceType.B, LINES, contract(labour=False, parts=True))
    assert charged(charges.lines) == [30000, 0, 0, 5000, 1000]


def test_type_b_without_its_contract_is_refused() -> None:
    with pytest.raises(NoContract):
        charge(ServiceType.B, LINES, None)


def test_type_c_charges_no_labour_nor_warranty_parts_but_consumables_travel_other() -> None:
    charges = charge(ServiceType.C, LINES)
    assert charged(charges.lines) == [0, 0, 3000, 5000, 1000]
    assert charges.total == TOTAL
    assert charges.amount_due == Money(9000)
    assert [c.covered.fen for c in charges.lines] == [30000, 12000, 0, 0, 0]


def test_type_d_charges_nothing() -> None:
    charges = charge(ServiceType.D, LINES)
    assert charged(charges.lines) == [0, 0, 0, 0, 0]
    assert charges.amount_due == Money(0)
    assert charges.total == TOTAL


def test_no_lines_charge_nothing() -> None:
    charges = charge(ServiceType.A, [])
    assert charges.total == Money(0) == charges.amount_due
    assert charges.lines == ()


def test_approval_is_needed_strictly_above_the_limit() -> None:
    assert not needs_approval(Money(50000), 50000)
    assert needs_approval(Money(50001), 50000)
    assert needs_approval(TOTAL, 50000)


def test_cash_is_allowed_up_to_and_including_the_limit() -> None:
    assert cash_allowed(Money(20000), 20000)
    assert cash_allowed(Money(0), 20000)
    assert not cash_allowed(Money(20001), 20000)


def test_a_negative_fee_line_is_refused() -> None:
    with pytest.raises(ValueError):
        FeeLine(FeeKind.OTHER, "refund", Money(-1))


@pytest.mark.parametrize(
    ("service_type", "covers_labour", "asked"),
    [
        (ServiceType.A, None, {FeeKind.LABOUR, FeeKind.TRAVEL, FeeKind.OTHER}),
        (ServiceType.B, True, {FeeKind.TRAVEL, FeeKind.OTHER}),
        (ServiceType.B, False, {FeeKind.LABOUR, FeeKind.TRAVEL, FeeKind.OTHER}),
        (ServiceType.C, None, {FeeKind.TRAVEL, FeeKind.OTHER}),
        (ServiceType.D, None, set()),
    ],
)
def test_the_fee_lines_a_type_charges_are_the_ones_charge_charges(
    service_type: ServiceType, covers_labour: bool | None, asked: set[FeeKind]
) -> None:
    """The finish form asks what :func:`charges_kind` says; it is the rule of :func:`charge`."""
    found = None if covers_labour is None else contract(labour=covers_labour)
    entered = (FeeKind.LABOUR, FeeKind.TRAVEL, FeeKind.OTHER)
    assert {k for k in entered if charges_kind(service_type, k, found)} == asked
    for kind in entered:
        line = FeeLine(kind, kind.value, Money(100))
        charged = charge(service_type, [line], found).amount_due.fen > 0
        assert charged == charges_kind(service_type, kind, found)
