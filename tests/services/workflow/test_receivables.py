"""Invoices and receivables (DESIGN.md §3 "Invoices and receivables", §4 receivable): the
invoice number is required and checked, the invoice stays a receivable after the job closes,
and only an accountant records it paid, once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fieldbot.domain.entitlement import FeeKind, FeeLine
from fieldbot.domain.errors import NotAllowed
from fieldbot.domain.model import JobState
from fieldbot.domain.money import Money
from fieldbot.repositories.jobs import JobRecord
from fieldbot.services import receivables, settlement, signoff, work_record
from fieldbot.services.deadlines.clocks import JOB
from fieldbot.services.job_details import job_details
from fieldbot.services.receivables import AlreadyPaid, UnknownInvoice
from fieldbot.services.workflow import InvalidInput

from .conftest import Flow, to_on_site


async def _signed_off(flow: Flow, priority: str = "general") -> JobRecord:
    """C002 (type B, contract covers labour) confirms; ¥50.00 travel is due."""
    job = await flow.new_job("C002", "CF22-0107", priority=priority)
    await to_on_site(flow, job, "T02")
    await flow.run(
        work_record.finish,
        job=job.id,
        actor="T02",
        work="descaled",
        minutes=60,
        fees=[FeeLine(FeeKind.TRAVEL, "travel", Money.yuan(50))],
    )
    await flow.run(signoff.confirm, job=job.id, customer="C002")
    return job


async def _invoice(flow: Flow, job: JobRecord, number: str | None) -> settlement.Payment:
    return await flow.run(
        settlement.record_payment, job=job.id, actor="T02", method="invoice", invoice_number=number
    )


@pytest.mark.parametrize("number", [None, "", "   ", "发票1", "INV 7", "A" * 41, "-7", "7-"])
async def test_an_invoice_without_a_valid_number_is_refused_and_changes_nothing(
    flow: Flow, number: str | None
) -> None:
    job = await _signed_off(flow)
    with pytest.raises(InvalidInput) as refused:
        await _invoice(flow, job, number)
    assert refused.value.params["field"] == "invoice_number"
    assert await flow.read(lambda uow: uow.fieldwork.settlement(job.id)) is None
    assert (await flow.job(job.id)).state is JobState.SIGNED_OFF


async def test_an_invoice_closes_the_job_and_stays_a_receivable_until_paid(flow: Flow) -> None:
    job = await _signed_off(flow)
    paid = await _invoice(flow, job, " inv-2026-0042 ")
    assert paid.settlement.invoice_number == "INV-2026-0042"
    assert paid.closed is not None and (await flow.job(job.id)).state is JobState.CLOSED
    clock = await flow.read(lambda uow: uow.clocks.get(JOB, job.id, "receivable"))
    assert clock is not None and clock.state == "running"
    assert clock.due_at == paid.settlement.settled_at + timedelta(days=30)

    flow.clock.advance(timedelta(days=31))
    now = flow.clock.now()
    (open_,) = await flow.read(lambda uow: receivables.unpaid(uow, flow.settings, now))
    assert (open_.job_number, open_.branch, open_.customer) == (job.number, "SH01", "C002")
    assert (open_.amount_fen, open_.invoice_number) == (5000, "INV-2026-0042")
    assert open_.days_open == 31 and open_.overdue
    assert await flow.read(lambda uow: receivables.unpaid(uow, flow.settings, now, "SH02")) == []

    for who in ("T02", "S01"):  # the technician and the supervisor do not record payments
        with pytest.raises(NotAllowed):
            await flow.run(receivables.record_paid, settlement_id=open_.settlement_id, actor=who)
    done = await flow.run(receivables.record_paid, settlement_id=open_.settlement_id, actor="A01")
    assert done.settlement.paid_at == now and done.job_number == job.number
    with pytest.raises(AlreadyPaid) as again:
        await flow.run(receivables.record_paid, settlement_id=open_.settlement_id, actor="A01")
    assert again.value.params["paid_at"] == now
    assert await flow.read(lambda uow: receivables.unpaid(uow, flow.settings, now)) == []
    clock = await flow.read(lambda uow: uow.clocks.get(JOB, job.id, "receivable"))
    assert clock is not None and clock.state == "stopped" and clock.met is False
    details = await flow.read(lambda uow: job_details(uow, job.number))
    assert details.settlement is not None and details.settlement.paid_at == now
    assert "job.invoice_paid" in [e.kind for e in await flow.events(job.id)]


async def test_cash_is_no_receivable_and_cannot_be_recorded_paid(flow: Flow) -> None:
    job = await _signed_off(flow)
    paid = await flow.run(settlement.record_payment, job=job.id, actor="T02", method="cash")
    assert paid.settlement.invoice_number is None
    now = flow.clock.now()
    assert await flow.read(lambda uow: receivables.unpaid(uow, flow.settings, now)) == []
    assert await flow.read(lambda uow: uow.clocks.get(JOB, job.id, "receivable")) is None
    with pytest.raises(UnknownInvoice):
        await flow.run(receivables.record_paid, settlement_id=paid.settlement.id, actor="A01")


async def test_the_receivable_clock_is_a_job_clock_of_the_registry_but_no_emergency(
    flow: Flow,
) -> None:
    """Started and stopped through the job clocks' one path (the registry's calendar); an
    emergency's unpaid invoice is held to working hours like any other."""
    job = await _signed_off(flow, priority="emergency")
    await _invoice(flow, job, "INV-9")
    clock = await flow.read(lambda uow: uow.clocks.get(JOB, job.id, "receivable"))
    assert clock is not None and (clock.calendar, clock.urgent) == ("calendar", False)
    signoff_clock = await flow.read(lambda uow: uow.clocks.get(JOB, job.id, "signoff"))
    assert signoff_clock is not None and signoff_clock.urgent  # the job's own clocks are
    kinds = [
        e.kind
        for e in await flow.read(
            lambda uow: uow.events.for_subject("deadline", f"job:{job.id}:receivable")
        )
    ]
    assert kinds == ["deadline.started"]
