"""Stock locations and their minimum (DESIGN.md §3 parts, §8 stock): the central warehouse
(``central``), a branch store (its code) and each technician's van (``van:STAFF_CODE``)."""

from __future__ import annotations

from fieldbot.domain.model import StockLevel

CENTRAL = "central"
VAN_PREFIX = "van:"


def van(staff_code: str) -> str:
    """The stock location of a technician's van."""
    return f"{VAN_PREFIX}{staff_code}"


def van_owner(location: str) -> str | None:
    """The staff code whose van ``location`` is, or None for a store."""
    return location.removeprefix(VAN_PREFIX) if location.startswith(VAN_PREFIX) else None


def below_minimum(level: StockLevel) -> bool:
    """Whether a level holds less than its minimum (a level without one never is)."""
    return level.min_quantity is not None and level.quantity < level.min_quantity
