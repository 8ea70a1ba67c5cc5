"""Issue 11 at the service layer: where a re-record starts, the full sign-off summary, and
who is told when a dispute is accepted as is or a job closes."""

from __future__ import annotations

from fieldbot.domain.entitlement import FeeKind, FeeLine
from fieldbot.domain.model import JobState
from fieldbot.domain.money import Money
from fieldbot.repositories.jobs import JobRecord
from fieldbot.services import signoff, signoff_summary, work_record

from .conftest import Flow, quote_accepted, to_on_site


async def _on_site(flow: Flow) -> JobRecord:
    job = await flow.new_job("C003", "CF21-0033")  # type A: everything is charged
    await to_on_site(flow, job, "T02")
    await quote_accepted(flow, job, "T02", 90000)  # above the quote limit: accepted first
    return job


async def test_the_draft_after_rejected_fees_carries_work_minutes_fees_and_fitted_parts(
    flow: Flow,
) -> None:
    job = await _on_site(flow)
    assert job.id is not None
    first = await flow.read(lambda uow: work_record.draft(uow, job))
    assert not first.redo and first.fitted == ()
    await flow.run(
        work_record.finish,
        job=job.id,
        actor="T02",
        work="gasket",
        minutes=90,
        fees=[FeeLine(FeeKind.LABOUR, "labour", Money.yuan(900))],
        parts=[("P018", 1)],
    )
    await flow.run(work_record.reject, job=job.id, actor="S01", reason="too much labour")
    again = await flow.read(lambda uow: work_record.draft(uow, job))
    assert again.redo and again.work == "gasket" and again.minutes == 90
    assert again.fees == {"labour": 90000}  # the part is not a fee the technician enters
    assert again.fitted == (("P018", 1),)


async def test_the_signoff_summary_lists_every_part_and_fee_line_total_and_due(
    flow: Flow,
) -> None:
    job = await _on_site(flow)
    finished = await flow.run(
        work_record.finish,
        job=job.id,
        actor="T02",
        work="gasket",
        minutes=60,
        fees=[FeeLine(FeeKind.TRAVEL, "travel", Money.yuan(30))],
        parts=[("P018", 2)],
    )
    args = signoff_summary.signoff_args(finished.change.job, finished.record)
    lines = args["items"]["lines"]
    assert [line["t"] for line in lines] == [signoff_summary.FEE_LINE, signoff_summary.PART_LINE]
    assert lines[1]["args"]["part"].startswith("P018 ") and "× 2" in lines[1]["args"]["part"]
    assert lines[1]["args"]["status"] == {"t": signoff_summary.CHARGED}
    assert args["total"] == args["due"] == {"money": finished.record.total_fen}


async def test_accept_as_is_tells_the_technician_and_the_customer(flow: Flow) -> None:
    job = await _on_site(flow)
    await flow.run(work_record.finish, job=job.id, actor="T02", work="seal", minutes=30)
    await flow.run(signoff.dispute, job=job.id, customer="C003", reason="still leaks")
    done = await flow.run(signoff.accept_as_is, job=job.id, actor="S01")
    assert done.change.state is JobState.SIGNED_OFF
    assert len(done.change.notified) >= 1  # the technician (the customer only when bound)
