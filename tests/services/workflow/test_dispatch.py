"""Suggestions, dispatch, decline and requeue, reassign, cancel, and who may do them."""

from __future__ import annotations

import asyncio

import pytest

from fieldbot.domain.entitlement import MissingReason
from fieldbot.domain.errors import IllegalTransition, NotAllowed
from fieldbot.domain.model import JobState, Language, Role, Staff
from fieldbot.services import dispatch
from fieldbot.services.dispatch import Reason
from fieldbot.store import ConcurrencyConflict

from .conftest import STAFF_USERS, Flow


async def test_suggestions_rank_skill_then_distance_and_load_with_reasons(flow: Flow) -> None:
    job = await flow.new_job("C001", "RF25-0001")  # refrigeration, SH01
    assert job.id is not None

    async def suggest() -> list[dispatch.Suggestion]:
        async with flow.store.unit_of_work() as uow:
            return await dispatch.suggest_technicians(
                uow, flow.settings, job=job.id, now=flow.clock.now()
            )

    first = await suggest()
    assert [s.staff_code for s in first] == ["T01", "T03", "T02"]  # T02 lacks refrigeration
    assert first[0].skilled is True and first[2].skilled is False
    codes = {r.code for r in first[0].reasons}
    assert codes == {Reason.FROM_BRANCH, Reason.SKILLED, Reason.OPEN_JOBS}
    assert first[0].open_jobs == 0 and 0 < first[0].distance_m < 2000

    # T01 gets another job: the load moves T03 ahead of T01.
    other = await flow.new_job("C005", "AC23-0512")
    await flow.run(dispatch.dispatch, job=other.id, technician="T01", actor="S01")
    second = await suggest()
    assert [s.staff_code for s in second][:2] == ["T03", "T01"]
    assert second[1].open_jobs == 1

    # A last known location near the site beats the branch.
    async with flow.store.unit_of_work() as uow:
        t02 = await uow.staff.require_id("T02")
        await uow.staff.set_location(t02, 31.2297, 121.4803, flow.clock.now())
        await uow.commit()
    third = await suggest()
    t02_suggestion = next(s for s in third if s.staff_code == "T02")
    assert t02_suggestion.reasons[0].code is Reason.FROM_LAST_LOCATION
    assert t02_suggestion.distance_m < 1


async def test_dispatch_offers_the_job_to_the_technician_with_accept_and_decline(
    flow: Flow,
) -> None:
    job = await flow.new_job("C001", "RF25-0001")
    change = await flow.run(dispatch.dispatch, job=job.id, technician="T01", actor="S01")
    assert change.state is JobState.DISPATCHED and change.previous is JobState.REGISTERED
    assert change.job.technician_id == await flow.staff_id("T01")
    message, pin = await flow.outbox(STAFF_USERS["T01"])
    assert message.template.startswith("New job {number}")
    args = message.params["args"]
    assert args["number"] == job.number
    assert args["customer"] == {"customer": job.customer_id, "field": "name"}
    assert args["phone"] == {"customer": job.customer_id, "field": "phone"}
    assert args["unit"]["args"]["serial"] == "RF25-0001" and "warranty until" in args["unit"]["t"]
    assert args["priority"] == {"t": "general"} and args["service_type"] == "C"
    assert args["arrival_due"]["dt"] == job.arrival_due_at.isoformat()  # type: ignore[union-attr]
    assert pin.template == "@location" and pin.params["location"] == [31.2297, 121.4803]
    labels = [b["label"] for b in message.params["buttons"][0]]
    assert labels == ["Accept", "Decline"]
    events = await flow.events(change.job.id or 0)
    assert events[-1].kind == "job.dispatch"
    assert events[-1].payload["technician_id"] == change.job.technician_id


async def test_decline_returns_the_job_to_the_queue_and_tells_the_supervisor(flow: Flow) -> None:
    job = await flow.new_job("C001", "RF25-0001")
    await flow.run(dispatch.dispatch, job=job.id, technician="T01", actor="S01")
    with pytest.raises(MissingReason):
        await flow.run(dispatch.decline, job=job.id, actor="T01", reason="  ")
    change = await flow.run(dispatch.decline, job=job.id, actor="T01", reason="家里有事")
    assert change.state is JobState.REGISTERED and change.job.technician_id is None
    (told,) = await flow.outbox(STAFF_USERS["S01"])
    assert told.template == "Job {number} was declined by {technician}: {reason}"
    assert told.params["args"]["reason"] == "家里有事"
    assert told.id in change.notified
    # Back in the queue: the decliner now ranks last, and it can be dispatched again.
    async with flow.store.unit_of_work() as uow:
        ranked = await dispatch.suggest_technicians(
            uow, flow.settings, job=job.id, now=flow.clock.now()
        )
    assert ranked[-1].staff_code == "T01"
    assert Reason.DECLINED_BEFORE in {r.code for r in ranked[-1].reasons}
    again = await flow.run(dispatch.dispatch, job=job.id, technician="T03", actor="S01")
    assert again.state is JobState.DISPATCHED


async def test_wrong_technician_and_other_branch_supervisor_are_refused(flow: Flow) -> None:
    job = await flow.new_job("C001", "RF25-0001")
    with pytest.raises(NotAllowed):
        await flow.run(dispatch.dispatch, job=job.id, technician="T01", actor="S02")
    with pytest.raises(NotAllowed):
        await flow.run(dispatch.dispatch, job=job.id, technician="T01", actor="T02")
    await flow.run(dispatch.dispatch, job=job.id, technician="T01", actor="S01")
    with pytest.raises(NotAllowed):
        await flow.run(dispatch.accept, job=job.id, actor="T02")
    with pytest.raises(IllegalTransition):
        await flow.run(dispatch.dispatch, job=job.id, technician="T03", actor="S01")
    assert (await flow.job(job.id or 0)).state is JobState.DISPATCHED


async def test_two_supervisors_dispatching_at_once_one_wins(flow: Flow) -> None:
    async with flow.store.unit_of_work() as uow:
        await uow.staff.upsert(
            Staff(
                code="S03",
                name="Second supervisor",
                roles=frozenset({Role.SUPERVISOR}),
                phone="+8613817760199",
                language=Language.EN,
                branch="SH01",
            )
        )
        await uow.commit()
    job = await flow.new_job("C001", "RF25-0001")
    seen = job.version
    results = await asyncio.gather(
        flow.run(
            dispatch.dispatch, job=job.id, technician="T01", actor="S01", expected_version=seen
        ),
        flow.run(
            dispatch.dispatch, job=job.id, technician="T03", actor="S03", expected_version=seen
        ),
        return_exceptions=True,
    )
    won = [r for r in results if isinstance(r, dispatch.JobChange)]
    lost = [r for r in results if isinstance(r, BaseException)]
    assert len(won) == 1 and len(lost) == 1
    assert isinstance(lost[0], ConcurrencyConflict)
    stored = await flow.job(job.id or 0)
    assert stored.technician_id == won[0].job.technician_id
    assert [e.kind for e in await flow.events(job.id or 0)].count("job.dispatch") == 1


async def test_reassign_moves_the_job_and_tells_both_technicians(flow: Flow) -> None:
    job = await flow.new_job("C001", "RF25-0001")
    await flow.run(dispatch.dispatch, job=job.id, technician="T01", actor="S01")
    await flow.run(dispatch.accept, job=job.id, actor="T01")
    change = await flow.run(
        dispatch.reassign, job=job.id, technician="T03", actor="S01", reason="T01 病假"
    )
    assert change.state is JobState.DISPATCHED and change.previous is JobState.ACCEPTED
    assert change.job.technician_id == await flow.staff_id("T03")
    t03 = await flow.outbox(STAFF_USERS["T03"])
    t01 = await flow.outbox(STAFF_USERS["T01"])
    assert t03[-2].template.startswith("New job") and t03[-1].template == "@location"
    assert t01[-1].template == "Job {number} was reassigned to {technician}."
    with pytest.raises(NotAllowed):
        await flow.run(dispatch.accept, job=job.id, actor="T01")


async def test_cancel_needs_a_reason_and_ends_the_job(flow: Flow) -> None:
    job = await flow.new_job("C001", "RF25-0001")
    await flow.run(dispatch.dispatch, job=job.id, technician="T01", actor="S01")
    with pytest.raises(MissingReason):
        await flow.run(dispatch.cancel, job=job.id, actor="S01", reason="")
    with pytest.raises(NotAllowed):
        await flow.run(dispatch.cancel, job=job.id, actor="T01", reason="no")
    change = await flow.run(dispatch.cancel, job=job.id, actor="S01", reason="客户取消")
    assert change.state is JobState.CANCELLED
    assert (await flow.outbox(STAFF_USERS["T01"]))[-1].template.startswith(
        "Job {number} was cancelled"
    )
    with pytest.raises(IllegalTransition):
        await flow.run(dispatch.cancel, job=job.id, actor="S01", reason="again")
