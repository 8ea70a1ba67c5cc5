"""Who may do what: roles, several per person."""

from __future__ import annotations

from fieldbot.domain.model import Role
from fieldbot.domain.permissions import PERMISSIONS, Permission, may, permissions_of

P = Permission


def test_every_role_has_permissions_and_every_permission_a_role() -> None:
    assert set(PERMISSIONS) == set(Role)
    assert all(PERMISSIONS[role] for role in Role)
    assert set().union(*PERMISSIONS.values()) == set(Permission)


def test_a_technician_works_jobs_but_cannot_dispatch_or_approve() -> None:
    roles = {Role.TECHNICIAN}
    assert may(roles, P.WORK_JOBS)
    assert may(roles, P.CONFIRM_DAILY_REPORT)
    assert not may(roles, P.DISPATCH)
    assert not may(roles, P.APPROVE_FEES)
    assert not may(roles, P.CANCEL)


def test_a_supervisor_dispatches_reassigns_cancels_approves_and_inspects() -> None:
    for permission in (
        P.REGISTER_JOB,
        P.DISPATCH,
        P.REASSIGN,
        P.CANCEL,
        P.APPROVE_FEES,
        P.INSPECT,
        P.ACKNOWLEDGE_ESCALATION,
        P.VIEW_CALL_LOG,
    ):
        assert may([Role.SUPERVISOR], permission)
    assert not may([Role.SUPERVISOR], P.WORK_JOBS)
    assert not may([Role.SUPERVISOR], P.APPROVE_BRANCH_REPORT)


def test_each_back_office_role_has_its_own_duty() -> None:
    assert may([Role.MANAGER], P.APPROVE_BRANCH_REPORT)
    assert may([Role.DEPUTY_GM], P.RECEIVE_SERIOUS_COMPLAINTS)
    assert may([Role.CLERK], P.RECORD_SURVEY)
    assert may([Role.ACCOUNTANT], P.CONFIRM_CASH)
    assert may([Role.ACCOUNTANT], P.RECORD_PAYMENT)
    assert not may([Role.SUPERVISOR], P.RECORD_PAYMENT)  # supervisors see receivables only
    assert may([Role.STOREKEEPER], P.FULFIL_PART_REQUEST)
    assert may([Role.ADMIN], P.ADMIN_IMPORT)
    assert not may([Role.CLERK], P.CONFIRM_CASH)
    assert not may([Role.ACCOUNTANT], P.FULFIL_PART_REQUEST)
    assert not may([Role.STOREKEEPER], P.DISPATCH)


def test_a_person_with_several_roles_may_do_what_any_of_them_may() -> None:
    roles = frozenset({Role.TECHNICIAN, Role.STOREKEEPER})
    assert may(roles, P.WORK_JOBS)
    assert may(roles, P.FULFIL_PART_REQUEST)
    assert not may(roles, P.DISPATCH)
    assert permissions_of(roles) == PERMISSIONS[Role.TECHNICIAN] | PERMISSIONS[Role.STOREKEEPER]


def test_no_roles_may_do_nothing() -> None:
    assert not any(may([], permission) for permission in Permission)
    assert permissions_of([]) == frozenset()
