"""The decisions the services put to a supervisor: cancelling a job, approving or rejecting its
fees, deciding a dispute (rework or accept as it is) and passing or failing an inspection. A
cancel, a rejection and a failed inspection ask the reason in a form (``uow.forms``).

Buttons carry the version the supervisor saw: pressed after the job moved on, they change
nothing and say why. Cancelling is a route's permission; who may take the other decisions
depends on the job (:func:`.common.decider`), so the handlers check it.
"""

from __future__ import annotations

from telegram import Message

from fieldbot.domain.errors import IllegalTransition
from fieldbot.domain.model import JobState
from fieldbot.domain.permissions import Permission
from fieldbot.domain.states import OPEN_STATES
from fieldbot.handlers.refusals import free_text_or_ask
from fieldbot.handlers.routes import Route, action, form
from fieldbot.handlers.supervisor.common import (
    FORM_REASON,
    current,
    decider,
    expect,
    job_id_of,
    require,
)
from fieldbot.handlers.turn import Turn
from fieldbot.i18n import N_
from fieldbot.labels import STATE_NAMES
from fieldbot.repositories.conversations import Form
from fieldbot.repositories.jobs import JobRecord
from fieldbot.services import dispatch as dispatching
from fieldbot.services import signoff, work_record, workshop


def routes() -> list[Route]:
    return [
        action("sup.cancel", cancel_pressed, "staff", Permission.CANCEL),
        action("fees.approve", approve_pressed, "staff"),
        action("fees.reject", reject_pressed, "staff"),
        action("dispute.rework", rework_pressed, "staff"),
        action("dispute.accept", accept_as_is_pressed, "staff"),
        action("inspection.pass", pass_pressed, "staff"),
        action("inspection.fail", fail_pressed, "staff"),
        # What the reason is for (cancel, reject, fail) decides who may give it: checked inside.,
        form(FORM_REASON, reason_form, "staff"),
    ]


ASK_REASON = {
    "cancel": N_("Why is job {number} cancelled? Write the reason, or /cancel to keep the job."),
    "reject": N_("Why are the fees of job {number} rejected? Write the reason, or /cancel."),
    "fail": N_("Why did job {number} fail inspection? Write the reason, or /cancel."),
}
REASON_TEXT = N_("Please write the reason in words (at most {max} characters), or /cancel.")


async def _ask_reason(turn: Turn, what: str, job: JobRecord) -> None:
    data = {"what": what, "job_id": job_id_of(job), "version": job.version}
    await turn.uow.forms.start(turn.user_id, FORM_REASON, "reason", data, turn.now)
    await turn.reply(ASK_REASON[what], args={"number": job.number})


async def cancel_pressed(turn: Turn, payload: dict[str, object]) -> None:
    job = await current(turn, payload)
    if job.state not in OPEN_STATES:
        raise IllegalTransition(f"job {job.number} is {job.state}", state=job.state.value)
    await _ask_reason(turn, "cancel", job)


async def reject_pressed(turn: Turn, payload: dict[str, object]) -> None:
    await decider(turn, Permission.APPROVE_FEES, int(str(payload["job_id"])))
    job = await current(turn, payload)
    expect(job, JobState.AWAITING_APPROVAL)
    await _ask_reason(turn, "reject", job)


async def fail_pressed(turn: Turn, payload: dict[str, object]) -> None:
    await decider(turn, Permission.INSPECT, int(str(payload["job_id"])))
    job = await current(turn, payload)
    expect(job, JobState.AWAITING_INSPECTION)
    await _ask_reason(turn, "fail", job)


async def reason_form(turn: Turn, form: Form, message: Message) -> None:
    text = await free_text_or_ask(turn, message, REASON_TEXT)
    if text is None:
        return
    what = str(form.data["what"])
    job = int(str(form.data["job_id"]))
    version = int(str(form.data["version"]))
    settings, clock, uow = turn.deps.settings, turn.deps.clock, turn.uow
    await uow.forms.clear(turn.user_id)
    if what == "cancel":
        code = require(turn, Permission.CANCEL)
        change = await dispatching.cancel(
            uow, settings, clock, job=job, actor=code, reason=text, expected_version=version
        )
        template = N_("Job {number} is cancelled: {reason}")
    elif what == "reject":
        code = await decider(turn, Permission.APPROVE_FEES, job)
        change = await work_record.reject(
            uow, settings, clock, job=job, actor=code, reason=text, expected_version=version
        )
        template = N_("The fees of job {number} are rejected: {reason}. The technician is told.")
    else:
        code = await decider(turn, Permission.INSPECT, job)
        change = await workshop.fail_inspection(
            uow, settings, clock, job=job, actor=code, reason=text, expected_version=version
        )
        template = N_("Job {number} failed inspection: {reason}. Back to the workshop.")
    await turn.reply(template, args={"number": change.job.number, "reason": text})


async def approve_pressed(turn: Turn, payload: dict[str, object]) -> None:
    code = await decider(turn, Permission.APPROVE_FEES, int(str(payload["job_id"])))
    job = await current(turn, payload)
    approved = await work_record.approve(
        turn.uow,
        turn.deps.settings,
        turn.deps.clock,
        job=job_id_of(job),
        actor=code,
        expected_version=job.version,
    )
    await turn.clear_keyboard()
    await turn.reply(
        N_("The fees of job {number} are approved; the customer is asked to sign off."),
        args={"number": approved.change.job.number},
    )


async def rework_pressed(turn: Turn, payload: dict[str, object]) -> None:
    code = await decider(turn, Permission.RESOLVE_DISPUTE, int(str(payload["job_id"])))
    job = await current(turn, payload)
    change = await signoff.rework(
        turn.uow,
        turn.deps.settings,
        turn.deps.clock,
        job=job_id_of(job),
        actor=code,
        expected_version=job.version,
    )
    await turn.clear_keyboard()
    await turn.reply(
        N_("Job {number} goes back on site for rework; the technician is told."),
        args={"number": change.job.number},
    )


async def accept_as_is_pressed(turn: Turn, payload: dict[str, object]) -> None:
    code = await decider(turn, Permission.RESOLVE_DISPUTE, int(str(payload["job_id"])))
    job = await current(turn, payload)
    signed = await signoff.accept_as_is(
        turn.uow,
        turn.deps.settings,
        turn.deps.clock,
        job=job_id_of(job),
        actor=code,
        expected_version=job.version,
    )
    await turn.clear_keyboard()
    final = signed.closed.job if signed.closed is not None else signed.change.job
    await turn.reply(
        N_("Job {number} is accepted as it is and signed off; it is {state} now."),
        args={"number": final.number, "state": {"t": STATE_NAMES[final.state]}},
    )


async def pass_pressed(turn: Turn, payload: dict[str, object]) -> None:
    code = await decider(turn, Permission.INSPECT, int(str(payload["job_id"])))
    job = await current(turn, payload)
    change = await workshop.pass_inspection(
        turn.uow,
        turn.deps.settings,
        turn.deps.clock,
        job=job_id_of(job),
        actor=code,
        expected_version=job.version,
    )
    await turn.clear_keyboard()
    await turn.reply(
        N_("Job {number} passed inspection; the technician returns the unit."),
        args={"number": change.job.number},
    )
