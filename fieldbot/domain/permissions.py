"""What each staff role may do (DESIGN.md §1). A person may hold several roles.

Handlers check permissions on the server for every command and button; ownership (the
assigned technician, the branch's supervisor) is checked by the services on top of this.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from types import MappingProxyType

from fieldbot.domain.model import Role


class Permission(StrEnum):
    REGISTER_JOB = "register_job"
    DISPATCH = "dispatch"
    REASSIGN = "reassign"
    CANCEL = "cancel"
    APPROVE_FEES = "approve_fees"
    INSPECT = "inspect"
    RESOLVE_DISPUTE = "resolve_dispute"
    PAUSE_CLOCK = "pause_clock"
    ACKNOWLEDGE_ESCALATION = "acknowledge_escalation"
    HANDLE_COMPLAINT = "handle_complaint"
    RECEIVE_BRANCH_REPORT = "receive_branch_report"
    APPROVE_BRANCH_REPORT = "approve_branch_report"
    WORK_JOBS = "work_jobs"
    OVERRIDE_SERVICE_TYPE = "override_service_type"
    CONFIRM_DAILY_REPORT = "confirm_daily_report"
    RECORD_SURVEY = "record_survey"
    CONFIRM_CASH = "confirm_cash"
    RECORD_PAYMENT = "record_payment"  # an invoice paid (receivables)
    FULFIL_PART_REQUEST = "fulfil_part_request"
    RECEIVE_SERIOUS_COMPLAINTS = "receive_serious_complaints"
    ADMIN_IMPORT = "admin_import"
    MANAGE_CALENDAR = "manage_calendar"
    INVITE_STAFF = "invite_staff"
    VIEW_CALL_LOG = "view_call_log"
    VIEW_REPORTS = "view_reports"
    VIEW_STOCK = "view_stock"  # /stock: the stock of a store or a van
    OFFBOARD_STAFF = "offboard_staff"  # /leave: a person leaves the company (DESIGN.md §6)
    MARK_AWAY = "mark_away"  # /away T01 …: a technician of the branch is on leave
    VIEW_KPIS = "view_kpis"  # /kpi: a branch's (a supervisor's own), the company's


_P = Permission

PERMISSIONS: Mapping[Role, frozenset[Permission]] = MappingProxyType(
    {
        Role.TECHNICIAN: frozenset(
            {_P.WORK_JOBS, _P.CONFIRM_DAILY_REPORT, _P.OVERRIDE_SERVICE_TYPE}
        ),
        Role.SUPERVISOR: frozenset(
            {
                _P.REGISTER_JOB,
                _P.DISPATCH,
                _P.REASSIGN,
                _P.CANCEL,
                _P.APPROVE_FEES,
                _P.INSPECT,
                _P.RESOLVE_DISPUTE,
                _P.PAUSE_CLOCK,
                _P.ACKNOWLEDGE_ESCALATION,
                _P.HANDLE_COMPLAINT,
                _P.RECEIVE_BRANCH_REPORT,
                _P.OVERRIDE_SERVICE_TYPE,
                _P.VIEW_CALL_LOG,
                _P.VIEW_REPORTS,
                _P.VIEW_STOCK,
                _P.MARK_AWAY,
                _P.VIEW_KPIS,
            }
        ),
        # Second escalation level, and the first when a branch has no supervisor.
        Role.MANAGER: frozenset(
            {
                _P.ACKNOWLEDGE_ESCALATION,
                _P.APPROVE_BRANCH_REPORT,
                _P.RECEIVE_BRANCH_REPORT,
                _P.HANDLE_COMPLAINT,
                _P.VIEW_CALL_LOG,
                _P.VIEW_REPORTS,
                _P.OFFBOARD_STAFF,
                _P.MARK_AWAY,
                _P.VIEW_KPIS,
            }
        ),
        Role.DEPUTY_GM: frozenset(
            {
                _P.RECEIVE_SERIOUS_COMPLAINTS,
                _P.ACKNOWLEDGE_ESCALATION,
                _P.HANDLE_COMPLAINT,
                _P.VIEW_CALL_LOG,
                _P.VIEW_REPORTS,
                _P.VIEW_KPIS,
            }
        ),
        Role.CLERK: frozenset({_P.RECORD_SURVEY, _P.VIEW_CALL_LOG}),
        Role.ACCOUNTANT: frozenset({_P.CONFIRM_CASH, _P.RECORD_PAYMENT, _P.VIEW_REPORTS}),
        Role.STOREKEEPER: frozenset({_P.FULFIL_PART_REQUEST, _P.VIEW_STOCK}),
        Role.ADMIN: frozenset({_P.ADMIN_IMPORT, _P.MANAGE_CALENDAR, _P.INVITE_STAFF}),
    }
)


def permissions_of(roles: Iterable[Role]) -> frozenset[Permission]:
    """Everything a person holding ``roles`` may do."""
    granted: set[Permission] = set()
    for role in roles:
        granted |= PERMISSIONS.get(role, frozenset())
    return frozenset(granted)


def may(roles: Iterable[Role], permission: Permission) -> bool:
    return any(permission in PERMISSIONS.get(role, frozenset()) for role in roles)


def covers_branch(staff_branch_id: int | None, branch_id: int) -> bool:
    """Whether staff of ``staff_branch_id`` see and act on the jobs of ``branch_id``: staff of
    a branch only on their own branch's, staff without a branch (the manager, the service
    department) on every branch's."""
    return staff_branch_id is None or staff_branch_id == branch_id


def covers_scope(staff_branch_id: int | None, scope_branch_id: int | None) -> bool:
    """Whether staff of ``staff_branch_id`` may read figures (KPIs, performance) of a scope
    in ``scope_branch_id`` (None: the whole company): staff of a branch their own branch and
    its technicians only, staff without a branch (the manager, the deputy GM) everything."""
    return staff_branch_id is None or staff_branch_id == scope_branch_id
