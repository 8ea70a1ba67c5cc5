"""What an import deals in: the kinds, their records, the report and the failure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeAlias

from fieldbot.domain.model import Branch, Contract, Customer, Equipment, Part, Staff, StockLevel

KINDS: tuple[str, ...] = (
    "branches",
    "staff",
    "customers",
    "equipment",
    "contracts",
    "parts",
    "stock",
)

Record: TypeAlias = Branch | Staff | Customer | Equipment | Contract | Part | StockLevel


@dataclass(frozen=True)
class ImportReport:
    kind: str
    added: int
    updated: int
    unchanged: int


class ImportFailed(Exception):
    """Nothing was written; ``errors`` holds one ``FILE:LINE: COLUMN: what is wrong`` each."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class KnownKeys:
    """What references may point to: the keys already in the database."""

    branches: frozenset[str] = frozenset()
    customers: frozenset[str] = frozenset()
    parts: frozenset[str] = frozenset()
    staff: frozenset[str] = frozenset()
    technicians: frozenset[str] = frozenset()
    units: Mapping[str, str] = field(default_factory=dict)  # serial -> its customer's code


@dataclass(frozen=True)
class Parsed:
    line: int
    record: Record
