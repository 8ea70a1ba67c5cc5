"""What the supervisor's modules share: the names of their forms, the job a button is for (still
in the version the supervisor saw, of a branch they cover), and the checks that depend on the
job rather than on the route.
"""

from __future__ import annotations

from collections.abc import Mapping

from fieldbot.domain.errors import IllegalTransition, NotAllowed
from fieldbot.domain.model import JobState
from fieldbot.domain.permissions import Permission, covers_branch, may
from fieldbot.handlers.turn import Turn
from fieldbot.i18n import N_
from fieldbot.repositories.jobs import JobRecord
from fieldbot.services.recipients import may_act_for_branch, sees_branch
from fieldbot.services.workflow import load_job
from fieldbot.store import ConcurrencyConflict

FORM_NEW = "sup.new"
FORM_REASON = "sup.reason"
NO_SUCH_JOB = N_(
    "There is no job {number}. Job numbers look like J20260914-001; /calls lists them."
)
STALE_CHOICE = N_("This choice is no longer open. Nothing was changed.")


def require(turn: Turn, permission: Permission) -> str:
    """The supervisor's staff code, or :class:`NotAllowed`."""
    person = turn.person
    if person.kind != "staff" or person.code is None or not may(person.roles, permission):
        raise NotAllowed(f"{person.code} may not {permission.value}", permission=permission.value)
    return person.code


async def require_branch_of(turn: Turn, job: JobRecord) -> None:
    """Staff of a branch see and act on that branch's jobs only (the manager, without a
    branch, on every branch's), and whoever the branch's notices fall back to on the jobs
    they hear about (:func:`fieldbot.services.recipients.sees_branch`): checked before a
    job's card, suggestions or a question."""
    if covers_branch(turn.person.branch_id, job.branch_id):
        return
    person = turn.person
    if person.kind == "staff" and person.id is not None:
        row = await turn.uow.staff.row_by_id(person.id)
        if row is not None and await sees_branch(turn.uow, row, job.branch_id):
            return
    raise NotAllowed(
        f"{person.code} does not see the branch of job {job.number}",
        staff=person.code,
        job=job.number,
    )


async def branch_code(turn: Turn) -> str | None:
    if turn.person.branch_id is None:
        return None
    branches = await turn.uow.branches.stored_by_ids([turn.person.branch_id])
    return branches[turn.person.branch_id].code


async def current(turn: Turn, payload: Mapping[str, object]) -> JobRecord:
    """The job a button is for. Moved on since the button was made: by this person, say in
    which state it is now; by someone else, that someone else changed it."""
    job = await load_job(turn.uow, int(str(payload["job_id"])))
    await require_branch_of(turn, job)
    seen = int(str(payload["version"]))
    if job.version == seen:
        return job
    events = await turn.uow.events.for_subject("job", job_id_of(job))
    mine = bool(events) and events[-1].actor == f"staff:{turn.person.id}"
    if mine:
        raise IllegalTransition(f"job {job.number} moved on", state=job.state.value)
    raise ConcurrencyConflict(f"job {job.number} changed meanwhile (version {job.version})")


def job_id_of(job: JobRecord) -> int:
    assert job.id is not None
    return job.id


def expect(job: JobRecord, state: JobState) -> None:
    if job.state is not state:
        raise IllegalTransition(f"job {job.number} is {job.state}", state=job.state.value)


async def decider(turn: Turn, permission: Permission, job: int) -> str:
    """The staff code of who may take the supervisor's decision ``permission`` on the job
    (approve or reject fees, decide a dispute, pass or fail an inspection); else
    :class:`NotAllowed`. A supervisor, or whoever the branch's notices fall back to (a
    manager, :func:`fieldbot.services.recipients.may_act_for_branch`): not a route's check,
    it depends on the job."""
    person = turn.person
    if person.kind == "staff" and person.code is not None and person.id is not None:
        row = await turn.uow.staff.row_by_id(person.id)
        found = await turn.uow.jobs.get(job)
        if (
            row is not None
            and found is not None
            and await may_act_for_branch(turn.uow, row, found.branch_id, permission)
        ):
            return person.code
    return require(turn, permission)
