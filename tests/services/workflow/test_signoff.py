"""Sign-off by the customer or by photo, dispute, the sign-off link, settlement and closing,
and the unit's service voucher: the happy paths of service types A, B and C."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fieldbot.domain.entitlement import FeeKind, FeeLine
from fieldbot.domain.errors import IllegalTransition, NotAllowed
from fieldbot.domain.model import JobState, ServiceType
from fieldbot.domain.money import Money
from fieldbot.repositories.jobs import JobRecord
from fieldbot.services import cash, settlement, signoff, voucher, work_record
from fieldbot.services.settlement import CashNotAllowed
from fieldbot.services.signoff import SignoffLinkInvalid

from .conftest import CUSTOMER_USERS, STAFF_USERS, Flow, quote_accepted, to_on_site


async def _finished(
    flow: Flow,
    customer: str,
    unit: str,
    tech: str,
    fees: list[FeeLine],
    parts: list[tuple[str, int]] | None = None,
) -> tuple[JobRecord, work_record.Finished]:
    job = await flow.new_job(customer, unit)
    await to_on_site(flow, job, tech)
    if job.service_type is ServiceType.A:
        await quote_accepted(flow, job, tech, 50001)  # above the quote limit: accepted first
    finished = await flow.run(
        work_record.finish,
        job=job.id,
        actor=tech,
        work="repaired",
        minutes=60,
        fees=fees,
        parts=parts or [],
    )
    return job, finished


async def test_type_c_customer_confirms_pays_cash_and_the_job_closes(flow: Flow) -> None:
    job, finished = await _finished(
        flow,
        "C001",
        "RF25-0001",
        "T01",
        [FeeLine(FeeKind.TRAVEL, "travel", Money.yuan(30))],
        [("P008", 1)],
    )
    assert job.service_type is ServiceType.C
    assert finished.charges.amount_due == Money.yuan(30)
    with pytest.raises(NotAllowed):
        await flow.run(signoff.confirm, job=job.id, customer="C002")
    signed = await flow.run(signoff.confirm, job=job.id, customer="C001")
    assert signed.change.state is JobState.SIGNED_OFF and signed.closed is None
    told = (await flow.outbox(STAFF_USERS["T01"]))[-1]
    # money is due: the notice offers the next step, cash (within the limit) or an invoice
    assert told.template == (
        "Job {number} was confirmed by the customer. {due} is due: how is it settled?"
    )
    assert told.params["args"]["due"] == {"money": 3000}
    assert [b["label"] for b in told.params["buttons"][0]] == ["Cash collected", "Invoice"]
    paid = await flow.run(settlement.record_payment, job=job.id, actor="T01", method="cash")
    assert paid.settlement.method == "cash" and paid.settlement.amount_fen == 3000
    assert paid.cash_held_fen == 3000
    assert paid.closed is not None and paid.closed.state is JobState.CLOSED
    async with flow.store.unit_of_work() as uow:
        t01 = await uow.staff.require_id("T01")
        await cash.confirm_handover(
            uow, technician="T01", actor="A01", confirmed_fen=3000, now=flow.clock.now()
        )
        assert await cash.cash_held(uow, t01) == 0
        await uow.commit()
    kinds = [e.kind for e in await flow.events(job.id or 0)]
    assert kinds[-3:] == ["job.confirm", "job.settled", "job.close"]
    evidence = await flow.read(lambda uow: uow.fieldwork.signoffs(job.id))
    assert [(s.outcome, s.method) for s in evidence] == [("confirmed", "customer_chat")]


async def test_type_b_contract_covers_labour_and_nothing_due_closes_at_once(flow: Flow) -> None:
    job, finished = await _finished(
        flow, "C002", "CF22-0107", "T02", [FeeLine(FeeKind.LABOUR, "labour", Money.yuan(200))]
    )
    assert job.service_type is ServiceType.B
    assert finished.charges.total == Money.yuan(200)
    assert finished.charges.amount_due == Money(0)
    signed = await flow.run(signoff.confirm, job=job.id, customer="C002")
    assert signed.closed is not None and signed.closed.state is JobState.CLOSED
    settlement = await flow.read(lambda uow: uow.fieldwork.settlement(job.id))
    assert settlement is not None and settlement.method == "none"


async def test_type_b_charges_the_parts_the_contract_does_not_cover(flow: Flow) -> None:
    _job, finished = await _finished(
        flow,
        "C002",
        "CF22-0107",
        "T02",
        [FeeLine(FeeKind.LABOUR, "labour", Money.yuan(200))],
        [("P018", 2)],
    )
    assert finished.charges.amount_due == Money.yuan(50)


async def test_type_a_sign_off_by_photo_and_cash_above_the_limit_needs_an_invoice(
    flow: Flow,
) -> None:
    job, finished = await _finished(
        flow,
        "C003",
        "CF21-0033",
        "T02",
        [
            FeeLine(FeeKind.LABOUR, "labour", Money.yuan(300)),
            FeeLine(FeeKind.TRAVEL, "travel", Money.yuan(0, 1)),
        ],
    )
    assert job.service_type is ServiceType.A
    assert finished.charges.amount_due == Money(30001)
    assert await flow.outbox(CUSTOMER_USERS.get("C003", 0)) == []  # C003 is not on Telegram
    with pytest.raises(Exception, match="photo"):
        await flow.run(signoff.confirm_with_photo, job=job.id, actor="T02", photo=" ")
    with pytest.raises(NotAllowed):
        await flow.run(signoff.confirm_with_photo, job=job.id, actor="T01", photo="file-1")
    signed = await flow.run(
        signoff.confirm_with_photo, job=job.id, actor="T02", photo="AgACAgUAAxkBAAIB"
    )
    assert signed.change.state is JobState.SIGNED_OFF and signed.closed is None
    evidence = await flow.read(lambda uow: uow.fieldwork.signoffs(job.id))
    assert [(s.method, s.evidence) for s in evidence] == [("paper_photo", "AgACAgUAAxkBAAIB")]
    with pytest.raises(CashNotAllowed):
        await flow.run(settlement.record_payment, job=job.id, actor="T02", method="cash")
    paid = await flow.run(
        settlement.record_payment, job=job.id, actor="S01", method="invoice", invoice_number="INV-7"
    )
    assert paid.settlement.method == "invoice" and paid.settlement.invoice_number == "INV-7"
    assert paid.closed is not None and paid.closed.state is JobState.CLOSED


async def test_cash_exactly_at_the_limit_is_allowed_and_held(flow: Flow) -> None:
    job, _ = await _finished(
        flow, "C003", "CF21-0033", "T02", [FeeLine(FeeKind.LABOUR, "labour", Money.yuan(200))]
    )
    paid = await flow.run(settlement.record_payment, job=job.id, actor="T02", method="cash")
    assert paid.cash_held_fen == 20000
    assert paid.closed is None  # paid before sign-off: closes when signed off
    signed = await flow.run(signoff.confirm_with_photo, job=job.id, actor="T02", photo="f")
    assert signed.closed is not None and signed.closed.state is JobState.CLOSED


async def test_dispute_tells_the_supervisor_who_sends_it_back_or_accepts_it(flow: Flow) -> None:
    job, _ = await _finished(
        flow, "C002", "CF22-0107", "T02", [FeeLine(FeeKind.TRAVEL, "travel", Money.yuan(20))]
    )
    with pytest.raises(Exception, match="reason"):
        await flow.run(signoff.dispute, job=job.id, customer="C002", reason="")
    disputed = await flow.run(signoff.dispute, job=job.id, customer="C002", reason="still leaks")
    assert disputed.state is JobState.DISPUTED
    ask = (await flow.outbox(STAFF_USERS["S01"]))[-1]
    assert ask.params["args"]["reason"] == "still leaks"
    assert [b["label"] for b in ask.params["buttons"][0]] == ["Rework", "Accept as is"]
    with pytest.raises(NotAllowed):
        await flow.run(signoff.rework, job=job.id, actor="T02")
    back = await flow.run(signoff.rework, job=job.id, actor="S01", reason="check the seal")
    assert back.state is JobState.ON_SITE
    await flow.run(
        work_record.finish, job=job.id, actor="T02", work="new seal", minutes=20, fees=[]
    )
    await flow.run(signoff.dispute, job=job.id, customer="C002", reason="noise")
    accepted = await flow.run(signoff.accept_as_is, job=job.id, actor="S01", reason="normal")
    assert accepted.change.state is JobState.SIGNED_OFF
    assert accepted.closed is not None  # nothing due on the latest record
    evidence = await flow.read(lambda uow: uow.fieldwork.signoffs(job.id))
    assert [s.outcome for s in evidence] == ["disputed", "rework", "disputed", "accepted_as_is"]


async def test_sign_off_link_binds_the_customer_once_and_expires_with_the_state(
    flow: Flow,
) -> None:
    job, finished = await _finished(
        flow, "C003", "CF21-0033", "T02", [FeeLine(FeeKind.TRAVEL, "travel", Money.yuan(20))]
    )
    link = finished.signoff_link
    assert link is not None
    second_link = await flow.run(signoff.new_signoff_link, job=job.id, actor="T02")
    opened = await flow.run(signoff.open_signoff_link, payload=link, user_id=3003, chat_id=3003)
    assert opened.job.id == job.id
    assert [b["label"] for b in opened.params["buttons"][0]] == ["Confirm", "Dispute"]
    bound = await flow.read(lambda uow: uow.customers.row("C003"))
    assert bound is not None and bound.telegram_user_id == 3003
    with pytest.raises(SignoffLinkInvalid):
        await flow.run(signoff.open_signoff_link, payload=link, user_id=3003, chat_id=3003)
    await flow.run(signoff.confirm, job=job.id, customer="C003")
    with pytest.raises(SignoffLinkInvalid):  # the job left awaiting_signoff
        await flow.run(signoff.open_signoff_link, payload=second_link, user_id=3003, chat_id=3003)
    with pytest.raises(IllegalTransition):
        await flow.run(signoff.new_signoff_link, job=job.id, actor="T02")


async def test_service_voucher_lists_every_earlier_job_on_the_unit(flow: Flow) -> None:
    first, _ = await _finished(
        flow, "C001", "RF25-0001", "T01", [FeeLine(FeeKind.LABOUR, "labour", Money.yuan(100))]
    )
    await flow.run(signoff.confirm, job=first.id, customer="C001")
    flow.clock.advance(timedelta(days=3))
    second = await flow.new_job("C001", "RF25-0001", fault="异响 noise")
    other_unit = await flow.new_job("C001", "IM25-0002")
    history = await flow.read(lambda uow: voucher.service_history(uow, job=second.id or 0))
    assert [entry.number for entry in history] == [first.number]
    assert history[0].state == "closed" and history[0].work == "repaired"
    assert history[0].technician == "T01" and history[0].minutes == 60
    assert await flow.read(lambda uow: voucher.service_history(uow, job=first.id or 0)) == []
    everything = await flow.read(lambda uow: voucher.equipment_history(uow, "RF25-0001"))
    assert [e.number for e in everything] == [first.number, second.number]
    assert other_unit.number not in [e.number for e in everything]
