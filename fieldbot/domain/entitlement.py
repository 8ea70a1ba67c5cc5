"""Entitlement and charging: which service type a job gets and what the customer pays.

A fee-paying, B under a maintenance contract, C free under warranty, D internal admin work
(never derived). What each type charges is DESIGN.md §3 "Fees".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from fieldbot.domain.errors import DomainError
from fieldbot.domain.model import Contract, Equipment, ServiceType
from fieldbot.domain.money import Money


class MissingReason(DomainError):
    code = "missing_reason"


class NoContract(DomainError):
    code = "no_contract"


class FeeKind(StrEnum):
    LABOUR = "labour"
    PARTS = "parts"
    TRAVEL = "travel"
    OTHER = "other"


def active_contract(day: date, customer: str, contracts: Iterable[Contract]) -> Contract | None:
    """The customer's contract covering ``day`` (the one ending last when several do)."""
    covering = [c for c in contracts if c.customer == customer and c.starts_on <= day <= c.ends_on]
    return max(covering, key=lambda c: (c.ends_on, c.number), default=None)


def service_type_on(day: date, equipment: Equipment, contracts: Iterable[Contract]) -> ServiceType:
    """In warranty on ``day`` → C; else an active contract of the owner → B; else A."""
    if equipment.warranty_until is not None and equipment.warranty_until >= day:
        return ServiceType.C
    if active_contract(day, equipment.customer, contracts) is not None:
        return ServiceType.B
    return ServiceType.A


@dataclass(frozen=True, slots=True)
class Override:
    """A correction of the derived service type; a reason is required (e.g. misuse damage)."""

    service_type: ServiceType
    reason: str

    def __post_init__(self) -> None:
        if not self.reason.strip():
            raise MissingReason(
                "changing the service type needs a reason", service_type=self.service_type.value
            )


def effective_service_type(derived: ServiceType, override: Override | None) -> ServiceType:
    return override.service_type if override is not None else derived


@dataclass(frozen=True, slots=True)
class FeeLine:
    kind: FeeKind
    description: str
    amount: Money
    warranty_eligible: bool = False  # meaningful for parts only

    def __post_init__(self) -> None:
        if self.amount.fen < 0:
            raise ValueError("a fee line cannot be negative")


@dataclass(frozen=True, slots=True)
class ChargedLine:
    line: FeeLine
    charged: Money

    @property
    def covered(self) -> Money:
        return self.line.amount - self.charged


@dataclass(frozen=True, slots=True)
class Charges:
    service_type: ServiceType
    lines: tuple[ChargedLine, ...]
    total: Money  # the list value of every line; the approval limit applies to it
    amount_due: Money  # what the customer pays

    @property
    def covered(self) -> Money:
        return self.total - self.amount_due


def _is_charged(service_type: ServiceType, line: FeeLine, contract: Contract | None) -> bool:
    if service_type is ServiceType.A:
        return True
    if service_type is ServiceType.D:
        return False
    if service_type is ServiceType.B:
        assert contract is not None
        if line.kind is FeeKind.LABOUR:
            return not contract.covers_labour
        if line.kind is FeeKind.PARTS:
            return not contract.covers_parts
        return True
    # C: warranty covers labour and warranty-eligible parts only.
    if line.kind is FeeKind.LABOUR:
        return False
    if line.kind is FeeKind.PARTS:
        return not line.warranty_eligible
    return True


def charges_kind(service_type: ServiceType, kind: FeeKind, contract: Contract | None) -> bool:
    """Whether ``service_type`` charges an entered fee line of ``kind`` (labour, travel,
    other) at all: the finish form asks only those (C: no labour; B: no labour when the
    contract covers it; D: nothing). Type B without its contract is asked everything, as
    :func:`charge` will refuse it anyway."""
    if service_type is ServiceType.B and contract is None:
        return True
    return _is_charged(service_type, FeeLine(kind, "", Money(0)), contract)


def charge(
    service_type: ServiceType, lines: Sequence[FeeLine], contract: Contract | None = None
) -> Charges:
    """Charge ``lines`` under ``service_type``; type B needs the contract that entitles it."""
    if service_type is ServiceType.B and contract is None:
        raise NoContract("type B service needs the maintenance contract that covers it")
    charged = tuple(
        ChargedLine(line, line.amount if _is_charged(service_type, line, contract) else Money(0))
        for line in lines
    )
    return Charges(
        service_type=service_type,
        lines=charged,
        total=Money.sum(line.amount for line in lines),
        amount_due=Money.sum(c.charged for c in charged),
    )


def needs_approval(total: Money, limit_fen: int) -> bool:
    """A job total strictly above the approval limit needs the supervisor's approval."""
    return total.fen > limit_fen


def cash_allowed(due: Money, cash_limit_fen: int) -> bool:
    """Cash on site is allowed when the amount due is at most the cash limit."""
    return due.fen <= cash_limit_fen


def needs_quote(service_type: ServiceType, estimate: Money, quote_limit_fen: int) -> bool:
    """A type A estimate (labour and parts) strictly above the quote limit is put to the
    customer as a quote before the work (DESIGN.md §3 Second pass)."""
    return service_type is ServiceType.A and estimate.fen > quote_limit_fen
