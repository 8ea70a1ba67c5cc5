"""Issue 11 at the service layer: resolving a job remotely (sign-off in the chat or confirmed by
phone) and the quote of a type A estimate above the quote limit (accepted, declined, required
before a finish above it, refused when stale or not needed)."""

from __future__ import annotations

import pytest

from fieldbot.domain.entitlement import FeeKind, FeeLine
from fieldbot.domain.errors import IllegalTransition, InvalidText, NotAllowed
from fieldbot.domain.model import JobState
from fieldbot.domain.money import Money
from fieldbot.services import dispatch, quote, remote, signoff, signoff_summary, work_record
from fieldbot.services.quote import NoPendingQuote, QuoteNotNeeded
from fieldbot.services.remote import NotResolvedRemotely
from fieldbot.services.work_record import QuoteRequired
from fieldbot.store import UnitOfWork

from .conftest import CUSTOMER_USERS, STAFF_USERS, Flow, to_on_site


async def test_a_consultation_resolved_remotely_is_signed_off_in_the_chat_and_closes_at_zero(
    flow: Flow,
) -> None:
    job = await flow.new_job("C002", "CF22-0107", kind="consultation", priority="consult")
    assert job.id is not None
    with pytest.raises(InvalidText):
        await flow.run(remote.resolve_remotely, job=job.id, actor="S01", advice="\u200b ")
    with pytest.raises(NotAllowed):  # another branch's supervisor
        await flow.run(remote.resolve_remotely, job=job.id, actor="S02", advice="descale")
    done = await flow.run(
        remote.resolve_remotely, job=job.id, actor="S01", advice="Run the descaling program"
    )
    assert done.change.state is JobState.AWAITING_SIGNOFF and done.customer_in_chat
    assert done.record.total_fen == 0 and done.record.lines == ()
    clocks = await flow.read(lambda uow: uow.clocks.for_subject("job", job.id))
    assert {c.clock: c.state for c in clocks}.get("assign") == "stopped"
    assert all(c.state == "stopped" for c in clocks if c.clock in ("assign", "arrival"))
    asked = [
        m
        for m in await flow.outbox(CUSTOMER_USERS["C002"])
        if m.template == signoff.SIGNOFF_TEMPLATE
    ]
    work = asked[-1].params["args"]["work"]
    assert work == {
        "t": signoff_summary.REMOTE_WORK,
        "args": {"advice": "Run the descaling program"},
    }
    signed = await flow.run(signoff.confirm, job=job.id, customer="C002")
    assert signed.closed is not None and signed.closed.state is JobState.CLOSED
    settled = await flow.read(lambda uow: uow.fieldwork.settlement(job.id))  # type: ignore[arg-type]
    assert settled is not None and settled.method == "none" and settled.amount_fen == 0


async def test_the_technician_records_a_phone_confirmation_of_a_remote_resolution(
    flow: Flow,
) -> None:
    job = await flow.new_job("C003", "CF21-0033")  # C003 is not on Telegram
    assert job.id is not None
    await flow.run(dispatch.dispatch, job=job.id, technician="T02", actor="S01")
    await flow.run(dispatch.accept, job=job.id, actor="T02")
    with pytest.raises(NotAllowed):  # not the assigned technician
        await flow.run(remote.resolve_remotely, job=job.id, actor="T03", advice="reset it")
    done = await flow.run(
        remote.resolve_remotely, job=job.id, actor="T02", advice="Reset the breaker"
    )
    assert not done.customer_in_chat
    assert await flow.read(lambda uow: remote.resolved_remotely(uow, done.change.job))
    with pytest.raises(IllegalTransition):  # no second resolution
        await flow.run(remote.resolve_remotely, job=job.id, actor="T02", advice="again")
    signed = await flow.run(remote.confirm_by_phone, job=job.id, actor="T02")
    assert signed.closed is not None and signed.closed.state is JobState.CLOSED
    signoffs = await flow.read(lambda uow: uow.fieldwork.signoffs(job.id))  # type: ignore[arg-type]
    assert [(s.outcome, s.method) for s in signoffs] == [("confirmed", "phone")]


async def test_a_job_visited_on_site_cannot_be_confirmed_by_phone(flow: Flow) -> None:
    job = await flow.new_job("C002", "CF22-0107")
    assert job.id is not None
    await to_on_site(flow, job, "T02")
    with pytest.raises(IllegalTransition):  # on site: no remote resolution any more
        await flow.run(remote.resolve_remotely, job=job.id, actor="T02", advice="phone")
    await flow.run(work_record.finish, job=job.id, actor="T02", work="cleaned", minutes=30)
    with pytest.raises(NotResolvedRemotely):
        await flow.run(remote.confirm_by_phone, job=job.id, actor="T02")
    assert (await flow.job(job.id)).state is JobState.AWAITING_SIGNOFF


async def _type_a_on_site(flow: Flow) -> int:
    job = await flow.new_job("C003", "CF21-0033")  # type A, not on Telegram
    assert job.id is not None
    await to_on_site(flow, job, "T02")
    return job.id


async def test_a_finish_above_the_quote_limit_needs_an_accepted_quote(flow: Flow) -> None:
    job = await _type_a_on_site(flow)
    labour = [FeeLine(FeeKind.LABOUR, "labour", Money(20001))]
    with pytest.raises(QuoteRequired):
        await flow.run(work_record.finish, job=job, actor="T02", work="x", minutes=60, fees=labour)
    assert (await flow.job(job)).state is JobState.ON_SITE
    # at the limit, or travel and other fees on top, need none
    at_limit = [
        FeeLine(FeeKind.LABOUR, "labour", Money(20000)),
        FeeLine(FeeKind.TRAVEL, "travel", Money(5000)),
    ]
    finished = await flow.run(
        work_record.finish, job=job, actor="T02", work="x", minutes=60, fees=at_limit
    )
    assert finished.change.state is JobState.AWAITING_SIGNOFF


async def test_a_quote_is_only_for_a_type_a_estimate_above_the_limit(flow: Flow) -> None:
    job = await _type_a_on_site(flow)
    with pytest.raises(QuoteNotNeeded):
        await flow.run(quote.send_quote, job=job, actor="T02", labour_fen=15000, parts_fen=5000)
    type_c = await flow.new_job("C001", "RF25-0001")
    await to_on_site(flow, type_c, "T01")
    with pytest.raises(QuoteNotNeeded):
        await flow.run(quote.send_quote, job=type_c.id, actor="T01", labour_fen=90000, parts_fen=0)
    with pytest.raises(NotAllowed):
        await flow.run(quote.send_quote, job=job, actor="T03", labour_fen=90000, parts_fen=0)


async def test_an_accepted_quote_lets_the_work_finish_and_the_summary_shows_estimate_and_final(
    flow: Flow,
) -> None:
    job = await _type_a_on_site(flow)
    sent = await flow.run(
        quote.send_quote, job=job, actor="T02", labour_fen=30000, parts_fen=15000, travel_fen=3000
    )
    assert sent.change.state is JobState.AWAITING_QUOTE and not sent.customer_in_chat
    assert sent.quote.estimate_fen == 45000
    with pytest.raises(NoPendingQuote):  # a tampered quote id
        await flow.run(
            quote.answer, job=job, decision="accept", actor="T02", photo="p", quote_id=999
        )
    answered = await flow.run(quote.answer, job=job, decision="accept", actor="T02", photo="p")
    assert answered.change.state is JobState.ON_SITE
    assert answered.quote.status == "accepted" and answered.quote.method == "paper_photo"
    with pytest.raises(NoPendingQuote):  # answered already
        await flow.run(quote.answer, job=job, decision="decline", actor="T02", photo="p")
    fees = [
        FeeLine(FeeKind.LABOUR, "labour", Money(32000)),
        FeeLine(FeeKind.TRAVEL, "travel", Money(3000)),
    ]
    finished = await flow.run(
        work_record.finish, job=job, actor="T02", work="pump", minutes=60, fees=fees
    )
    assert finished.change.state is JobState.AWAITING_SIGNOFF

    async def summary(uow: UnitOfWork) -> dict[str, object]:
        return await signoff_summary.summary_args(uow, finished.change.job, finished.record)

    args = await flow.read(summary)
    last = args["items"]["lines"][-1]  # type: ignore[index]
    assert last["t"] == signoff_summary.QUOTE_ACCEPTED_LINE
    assert last["args"] == {"estimate": {"money": 45000}, "total": {"money": 35000}}


async def test_a_declined_quote_leaves_only_the_call_out_fees_and_tells_the_supervisors(
    flow: Flow,
) -> None:
    job = await _type_a_on_site(flow)
    await flow.run(
        quote.send_quote,
        job=job,
        actor="T02",
        labour_fen=60000,
        parts_fen=0,
        travel_fen=3000,
        other_fen=2000,
    )
    with pytest.raises(NotAllowed):  # someone else's customer
        await flow.run(quote.answer, job=job, decision="decline", customer="C002")
    answered = await flow.run(quote.answer, job=job, decision="decline", actor="T02", photo="p")
    assert answered.change.state is JobState.AWAITING_SIGNOFF
    record = await flow.read(lambda uow: uow.fieldwork.latest_work_record(job))
    assert record is not None and answered.quote.work_record_id == record.id
    assert [(line.kind, line.charged_fen) for line in record.lines] == [
        ("travel", 3000),
        ("other", 2000),
    ]
    assert record.amount_due_fen == 5000
    told = [m for m in await flow.outbox(STAFF_USERS["S01"]) if "declined the quote" in m.template]
    assert len(told) == 1
    details = await flow.read(lambda uow: uow.fieldwork.latest_quote(job))
    assert details is not None and details.status == "declined"


async def test_the_supervisor_resolves_a_registered_job_and_records_the_phone_confirmation(
    flow: Flow,
) -> None:
    job = await flow.new_job("C003", "CF21-0033", kind="consultation", priority="consult")
    assert job.id is not None
    await flow.run(remote.resolve_remotely, job=job.id, actor="S01", advice="Use filtered water")
    with pytest.raises(NotAllowed):  # another branch's supervisor
        await flow.run(remote.confirm_by_phone, job=job.id, actor="S02")
    signed = await flow.run(remote.confirm_by_phone, job=job.id, actor="S01")
    assert signed.closed is not None and signed.closed.state is JobState.CLOSED
    kinds = [e.kind for e in await flow.events(job.id)]
    assert "job.resolve_remotely" in kinds and kinds[-2:] == ["job.confirm", "job.close"]
