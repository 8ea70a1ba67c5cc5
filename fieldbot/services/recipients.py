"""Who hears about a job, and who may act on what they hear (DESIGN.md §3 "Who hears about a
job"): the one home of the recipients rule.

"The supervisors of a branch" are its active supervisors who are bound to a chat; none bound:
the branch's managers (bound); none: every manager (bound). Every notice to supervisors
(decline, unverified arrival, fee approval, dispute, inspection, undeliverable message, ladder
level 1) goes to :func:`supervisors_of`, and whoever a notice falls back to may act on it as
the supervisor would (:func:`may_act_for_branch`) and sees the jobs it is about
(:func:`sees_branch`). An overdue receivable also reaches the accountants
(:func:`accountants_of`). Part requests and low stock go to the storekeepers
(:func:`storekeepers`).
"""

from __future__ import annotations

from collections.abc import Collection

from fieldbot.domain.model import Role
from fieldbot.domain.permissions import Permission, covers_branch, may
from fieldbot.repositories.people import StaffRow
from fieldbot.store import UnitOfWork

# What the notices that fall back to a manager ask of the supervisor: approve or reject fees,
# pass or fail an inspection, decide a dispute, acknowledge an escalation.
SUPERVISOR_DECISIONS = frozenset(
    {
        Permission.APPROVE_FEES,
        Permission.INSPECT,
        Permission.RESOLVE_DISPUTE,
        Permission.ACKNOWLEDGE_ESCALATION,
    }
)


async def _bound(uow: UnitOfWork, role: Role, excluding: Collection[int]) -> list[StaffRow]:
    rows = await uow.staff.rows(role=role)
    return [row for row in rows if row.chat_id is not None and row.id not in excluding]


async def bound_supervisors(
    uow: UnitOfWork, branch_id: int | None, *, excluding: Collection[int] = ()
) -> list[StaffRow]:
    """The branch's active supervisors bound to a chat (no fallback)."""
    if branch_id is None:
        return []
    rows = await _bound(uow, Role.SUPERVISOR, excluding)
    return [row for row in rows if row.branch_id == branch_id]


async def managers_of(
    uow: UnitOfWork, branch_id: int | None, *, excluding: Collection[int] = ()
) -> list[StaffRow]:
    """The branch's active managers bound to a chat; none: every active manager bound to one."""
    bound = await _bound(uow, Role.MANAGER, excluding)
    own = [row for row in bound if branch_id is not None and row.branch_id == branch_id]
    return own or bound


async def supervisors_of(
    uow: UnitOfWork, branch_id: int | None, *, excluding: Collection[int] = ()
) -> list[StaffRow]:
    """The supervisors of a branch, as every notice to supervisors reaches them: its bound
    supervisors; none: its managers; none: every manager (``excluding``: people who cannot
    be reached, e.g. the one whose message was undeliverable)."""
    return await bound_supervisors(uow, branch_id, excluding=excluding) or await managers_of(
        uow, branch_id, excluding=excluding
    )


async def accountants_of(uow: UnitOfWork, branch_id: int | None) -> list[StaffRow]:
    """The accountants who hear about a branch's invoices (an overdue receivable): its
    active accountants bound to a chat, and those without a branch (the company's)."""
    rows = await _bound(uow, Role.ACCOUNTANT, ())
    return [row for row in rows if branch_id is None or covers_branch(row.branch_id, branch_id)]


async def storekeepers(uow: UnitOfWork) -> list[StaffRow]:
    """Who fulfils part requests and hears that a location fell below its minimum: the
    company's active storekeepers bound to a chat (DESIGN.md §1; stock is not per branch)."""
    return await _bound(uow, Role.STOREKEEPER, ())


async def may_act_for_branch(
    uow: UnitOfWork, staff: StaffRow, branch_id: int, permission: Permission
) -> bool:
    """Whether ``staff`` may take a supervisor's decision (``permission``) on a job of the
    branch: a supervisor of the branch who holds it (a supervisor with no branch supervises
    every branch), or whoever the branch's notices fall back to, for the decisions those
    notices ask for (:data:`SUPERVISOR_DECISIONS`)."""
    if not staff.staff.active:
        return False
    if may(staff.staff.roles, permission) and covers_branch(staff.branch_id, branch_id):
        return True
    if permission not in SUPERVISOR_DECISIONS:
        return False
    return any(row.id == staff.id for row in await supervisors_of(uow, branch_id))


async def sees_branch(uow: UnitOfWork, staff: StaffRow, branch_id: int) -> bool:
    """Whether ``staff`` sees the jobs of the branch (their cards, suggestions and buttons):
    staff of the branch, or without a branch (:func:`fieldbot.domain.permissions.
    covers_branch`), or whoever the branch's notices fall back to (:func:`supervisors_of`)."""
    if covers_branch(staff.branch_id, branch_id):
        return True
    return any(row.id == staff.id for row in await supervisors_of(uow, branch_id))
