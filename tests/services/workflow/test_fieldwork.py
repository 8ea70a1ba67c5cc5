"""On the way and on site: appointment, arrival and the geofence, parts from the van and the
storekeeper, the work record with its fees and the approval above the limit."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fieldbot.domain.entitlement import FeeKind, FeeLine
from fieldbot.domain.errors import IllegalTransition, NotAllowed
from fieldbot.domain.model import JobState
from fieldbot.domain.money import Money
from fieldbot.repositories.jobs import JobRecord
from fieldbot.services import dispatch, spare_parts, visit, work_record
from fieldbot.services.spare_parts import PartShortfall, StockShortfall
from fieldbot.services.workflow import InvalidInput

from .conftest import CUSTOMER_USERS, STAFF_USERS, Flow, quote_accepted, to_on_site

C001_SITE = (31.2297, 121.4803)


async def _scheduled(flow: Flow, job: JobRecord, tech: str = "T01") -> None:
    await flow.run(dispatch.dispatch, job=job.id, technician=tech, actor="S01")
    await flow.run(dispatch.accept, job=job.id, actor=tech)
    at = flow.clock.now() + timedelta(hours=3)
    await flow.run(visit.set_appointment, job=job.id, actor=tech, at=at)


async def test_accept_starts_the_contact_clock(flow: Flow) -> None:
    job = await flow.new_job("C001", "RF25-0001")
    await flow.run(dispatch.dispatch, job=job.id, technician="T01", actor="S01")
    change = await flow.run(dispatch.accept, job=job.id, actor="T01")
    assert change.state is JobState.ACCEPTED
    assert change.job.contact_due_at == flow.clock.now() + timedelta(hours=24)


async def test_appointment_and_on_my_way_tell_a_bound_customer(flow: Flow) -> None:
    job = await flow.new_job("C001", "RF25-0001")
    await _scheduled(flow, job)
    stored = await flow.job(job.id or 0)
    assert stored.state is JobState.SCHEDULED
    assert stored.appointment_at == flow.clock.now() + timedelta(hours=3)
    change = await flow.run(visit.on_my_way, job=job.id, actor="T01")
    assert change.state is JobState.EN_ROUTE
    told = await flow.outbox(CUSTOMER_USERS["C001"])
    # DESIGN.md §5 (issue 12): registered, technician assigned, appointment, on the way
    assert [m.template for m in told] == [
        "Job {number} is registered for you. We will tell you who comes and when.",
        "Job {number}: {technician} is your technician and will agree a time for the visit "
        "with you.",
        "Job {number}: {technician} will visit you at {when}.",
        "Job {number}: {technician} is on the way to you.",
    ]
    assert told[2].params["args"]["when"]["tz"] == "Asia/Shanghai"
    assert told[2].recipient_kind == "customer"


async def test_unbound_customer_is_not_told(flow: Flow) -> None:
    job = await flow.new_job("C003", "CF21-0033")
    await _scheduled(flow, job, "T02")
    change = await flow.run(visit.on_my_way, job=job.id, actor="T02")
    assert change.notified == ()


async def test_arrival_inside_the_geofence_is_verified(flow: Flow) -> None:
    job = await flow.new_job("C001", "RF25-0001")
    await _scheduled(flow, job)
    arrival = await flow.run(
        visit.arrive, job=job.id, actor="T01", latitude=31.2300, longitude=121.4805
    )
    assert arrival.verified and arrival.method == "location"
    assert arrival.distance_m is not None and arrival.distance_m < 500
    assert arrival.change.state is JobState.ON_SITE
    # no supervisor is told of a verified arrival; the customer is (DESIGN.md §5, issue 12)
    (notice,) = arrival.change.notified
    told = await flow.read(lambda uow: uow.outbox.get(notice))
    assert told is not None and told.recipient_kind == "customer"
    assert told.template == "Job {number}: {technician} has arrived."
    assert (await flow.events(job.id or 0))[-1].payload["verified"] is True


async def test_arrival_outside_the_geofence_is_unverified_and_the_supervisor_told(
    flow: Flow,
) -> None:
    job = await flow.new_job("C001", "RF25-0001")
    await _scheduled(flow, job)
    arrival = await flow.run(
        visit.arrive, job=job.id, actor="T01", latitude=31.2397, longitude=121.4803
    )
    assert not arrival.verified
    assert arrival.distance_m is not None and 1000 < arrival.distance_m < 1200
    assert arrival.change.state is JobState.ON_SITE
    (told,) = await flow.outbox(STAFF_USERS["S01"])
    assert told.template.startswith("Job {number}: arrival unverified")
    assert 1000 < told.params["args"]["distance"] < 1200
    event = (await flow.events(job.id or 0))[-1]
    assert event.kind == "job.arrive" and event.payload["verified"] is False


async def test_manual_arrival_is_unverified(flow: Flow) -> None:
    job = await flow.new_job("C001", "RF25-0001")
    await _scheduled(flow, job)
    arrival = await flow.run(visit.arrive, job=job.id, actor="T01")
    assert not arrival.verified and arrival.method == "manual" and arrival.distance_m is None
    (told,) = await flow.outbox(STAFF_USERS["S01"])
    assert "manually" in told.template


async def test_arrival_before_an_appointment_is_refused(flow: Flow) -> None:
    job = await flow.new_job("C001", "RF25-0001")
    await flow.run(dispatch.dispatch, job=job.id, technician="T01", actor="S01")
    await flow.run(dispatch.accept, job=job.id, actor="T01")
    with pytest.raises(IllegalTransition) as refused:
        await flow.run(visit.arrive, job=job.id, actor="T01")
    assert refused.value.params == {"state": "accepted", "action": "arrive"}


async def test_a_shortfall_becomes_a_request_the_storekeeper_fulfils(flow: Flow) -> None:
    job = await flow.new_job("C001", "RF25-0001")
    await to_on_site(flow, job, "T01")
    assert await flow.stock("van:T01", "P004") == 0
    result = await flow.run(
        spare_parts.use_parts, job=job.id, actor="T01", parts=[("P005", 1), ("P004", 1)]
    )
    assert result.used == (("P005", 1),)
    assert await flow.stock("van:T01", "P005") == 1
    (request,) = result.requests
    assert (request.part, request.quantity, request.target) == ("P004", 1, "van:T01")
    assert result.change is not None and result.change.state is JobState.WAITING_PART
    (keeper_msg,) = await flow.outbox(STAFF_USERS["K01"])
    assert keeper_msg.params["buttons"][0][0]["label"] == "Deliver"

    with pytest.raises(NotAllowed):
        await flow.run(spare_parts.deliver_part, request_id=request.id, actor="T01")
    central = await flow.stock("central", "P004")
    delivery = await flow.run(spare_parts.deliver_part, request_id=request.id, actor="K01")
    assert delivery.request.status == "fulfilled" and delivery.request.source == "central"
    assert await flow.stock("central", "P004") == central - 1
    assert await flow.stock("van:T01", "P004") == 1
    assert delivery.change is not None
    assert delivery.change.state is JobState.ACCEPTED
    assert delivery.change.job.appointment_at is None  # a new appointment follows
    told = await flow.outbox(STAFF_USERS["T01"])
    assert told[-1].template.endswith("Set a new appointment.")
    with pytest.raises(Exception, match="not open"):
        await flow.run(spare_parts.deliver_part, request_id=request.id, actor="K01")


async def test_a_part_in_no_van_is_requested_and_a_source_without_it_is_refused(
    flow: Flow,
) -> None:
    job = await flow.new_job("C001", "RF25-0001")
    await to_on_site(flow, job, "T01")
    result = await flow.run(spare_parts.need_part, job=job.id, actor="T01", parts=[("P001", 1)])
    assert result.change.state is JobState.WAITING_PART
    (request,) = result.requests
    with pytest.raises(StockShortfall):
        await flow.run(spare_parts.deliver_part, request_id=request.id, actor="K01", source="SH01")
    assert await flow.stock("van:T01", "P001") == 0
    delivery = await flow.run(spare_parts.deliver_part, request_id=request.id, actor="K01")
    assert delivery.change is not None and delivery.change.state is JobState.ACCEPTED


async def test_stock_never_goes_negative_at_finish(flow: Flow) -> None:
    job = await flow.new_job("C001", "RF25-0001")
    await to_on_site(flow, job, "T01")
    with pytest.raises(PartShortfall) as refused:
        await flow.run(
            work_record.finish,
            job=job.id,
            actor="T01",
            work="换门封",
            minutes=30,
            parts=[("P005", 1), ("P004", 2)],
        )
    assert refused.value.params["missing"] == [["P004", 2]]
    assert await flow.stock("van:T01", "P005") == 2  # nothing was taken
    assert (await flow.job(job.id or 0)).state is JobState.ON_SITE


async def test_defective_parts_returned_are_counted(flow: Flow) -> None:
    job = await flow.new_job("C001", "RF25-0001")
    await to_on_site(flow, job, "T01")
    await flow.run(spare_parts.return_defective, job=job.id, actor="T01", part="P008", quantity=2)
    defects = await flow.read(lambda uow: uow.fieldwork.defectives(job.id))
    assert [(d.part, d.quantity) for d in defects] == [("P008", 2)]
    with pytest.raises(NotAllowed):
        await flow.run(spare_parts.return_defective, job=job.id, actor="T03", part="P008")


async def test_warranty_job_charges_only_what_warranty_does_not_cover(flow: Flow) -> None:
    job = await flow.new_job("C001", "RF25-0001")  # type C
    await to_on_site(flow, job, "T01")
    finished = await flow.run(
        work_record.finish,
        job=job.id,
        actor="T01",
        work="更换启动电容和门封条",
        minutes=75,
        fees=[
            FeeLine(FeeKind.LABOUR, "labour", Money.yuan(150)),
            FeeLine(FeeKind.TRAVEL, "travel", Money.yuan(30)),
        ],
        parts=[("P008", 1), ("P005", 1)],
    )
    # P008 is warranty-eligible (free), P005 is not (charged), labour free, travel charged.
    assert finished.charges.total == Money.yuan(150 + 30 + 45 + 88)
    assert finished.charges.amount_due == Money.yuan(30 + 88)
    assert not finished.needs_approval
    assert finished.change.state is JobState.AWAITING_SIGNOFF
    assert finished.record.amount_due_fen == 11800 and finished.record.minutes == 75
    assert [(line.part, line.charged_fen) for line in finished.record.lines[2:]] == [
        ("P008", 0),
        ("P005", 8800),
    ]
    assert await flow.stock("van:T01", "P008") == 2
    assert finished.signoff_link
    ask = (await flow.outbox(CUSTOMER_USERS["C001"]))[-1]
    assert ask.template.startswith("Please confirm job {number}")
    assert ask.params["args"]["due"] == {"money": 11800}
    assert [b["label"] for b in ask.params["buttons"][0]] == ["Confirm", "Dispute"]


async def test_fees_above_the_limit_wait_for_approval_then_sign_off(flow: Flow) -> None:
    job = await flow.new_job("C003", "CF21-0033")  # type A
    await to_on_site(flow, job, "T02")
    await quote_accepted(flow, job, "T02", 50001)  # type A above the quote limit
    finished = await flow.run(
        work_record.finish,
        job=job.id,
        actor="T02",
        work="replaced the brewing unit",
        minutes=120,
        fees=[FeeLine(FeeKind.LABOUR, "labour", Money.yuan(500, 1))],
    )
    assert finished.needs_approval and finished.signoff_link is None
    assert finished.change.state is JobState.AWAITING_APPROVAL
    assert finished.record.approval == "pending"
    ask = (await flow.outbox(STAFF_USERS["S01"]))[-1]
    assert ask.template.startswith("Job {number} needs your approval")
    assert ask.params["args"]["total"] == {"money": 50001}
    assert [b["label"] for b in ask.params["buttons"][0]] == ["Approve", "Reject"]
    with pytest.raises(NotAllowed):
        await flow.run(work_record.approve, job=job.id, actor="T02")
    approved = await flow.run(work_record.approve, job=job.id, actor="S01")
    assert approved.change.state is JobState.AWAITING_SIGNOFF and approved.signoff_link
    record = await flow.read(lambda uow: uow.fieldwork.latest_work_record(job.id))
    assert record is not None and record.approval == "approved"
    assert record.decided_by == await flow.staff_id("S01")


async def test_exactly_the_limit_needs_no_approval(flow: Flow) -> None:
    job = await flow.new_job("C003", "CF21-0033")
    await to_on_site(flow, job, "T02")
    await quote_accepted(flow, job, "T02", 50001)  # type A above the quote limit
    finished = await flow.run(
        work_record.finish,
        job=job.id,
        actor="T02",
        work="service",
        minutes=60,
        fees=[FeeLine(FeeKind.LABOUR, "labour", Money.yuan(500))],
    )
    assert not finished.needs_approval


async def test_rejected_fees_send_the_job_back_and_parts_are_charged_again(flow: Flow) -> None:
    job = await flow.new_job("C003", "CF21-0033")
    await to_on_site(flow, job, "T02")
    await quote_accepted(flow, job, "T02", 50001)  # type A above the quote limit
    first = await flow.run(
        work_record.finish,
        job=job.id,
        actor="T02",
        work="pump and gasket",
        minutes=90,
        fees=[FeeLine(FeeKind.LABOUR, "labour", Money.yuan(560))],
        parts=[("P018", 2)],
    )
    assert first.needs_approval
    with pytest.raises(Exception, match="reason"):
        await flow.run(work_record.reject, job=job.id, actor="S01", reason="")
    rejected = await flow.run(work_record.reject, job=job.id, actor="S01", reason="工时太高")
    assert rejected.state is JobState.ON_SITE
    told = (await flow.outbox(STAFF_USERS["T02"]))[-1]
    assert told.params["args"]["reason"] == "工时太高"
    second = await flow.run(
        work_record.finish,
        job=job.id,
        actor="T02",
        work="pump and gasket",
        minutes=90,
        fees=[FeeLine(FeeKind.LABOUR, "labour", Money.yuan(300))],
    )
    assert not second.needs_approval
    assert second.charges.total == Money.yuan(300 + 50)  # the gaskets again, taken once
    assert await flow.stock("van:T02", "P018") == 4
    records = await flow.read(lambda uow: uow.fieldwork.work_records(job.id))
    assert [r.approval for r in records] == ["rejected", "none"]


async def test_parts_are_charged_from_the_parts_used_not_typed_in(flow: Flow) -> None:
    job = await flow.new_job("C003", "CF21-0033")
    await to_on_site(flow, job, "T02")
    with pytest.raises(InvalidInput):
        await flow.run(
            work_record.finish,
            job=job.id,
            actor="T02",
            work="x",
            minutes=10,
            fees=[FeeLine(FeeKind.PARTS, "a part", Money.yuan(10))],
        )
