"""Cash held by a technician (DESIGN.md §3 Fees, §6 offboarding): the one home of the
number. Minimal here: the cash they collected on site that the accountant has not confirmed
as handed over, from the settlements the store records."""

from __future__ import annotations

from fieldbot.store import UnitOfWork


async def cash_held(uow: UnitOfWork, staff_id: int) -> int:
    """Fen: cash collected on site by the person minus the cash the accountant confirmed."""
    return await uow.fieldwork.cash_held(staff_id)
