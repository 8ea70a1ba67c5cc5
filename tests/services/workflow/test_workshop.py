"""Custody and the workshop: receipt (confirmed by the customer or a paper photo), in/out
register, repair cards billed by service type like on-site work, inspection (with a failure,
and the approval of fees above the limit), return with the customer's sign-off, carry-in."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from fieldbot.domain.entitlement import FeeKind, FeeLine
from fieldbot.domain.errors import IllegalTransition, NotAllowed
from fieldbot.domain.model import JobState
from fieldbot.domain.money import Money
from fieldbot.rendering import KEYBOARD
from fieldbot.repositories.jobs import JobRecord
from fieldbot.services import custody, settlement, signoff, workshop
from fieldbot.services.deadlines.slips import NEW_PROMISED_DATE
from fieldbot.services.workflow import RECORD_AGAIN, InvalidInput
from fieldbot.store import UnitOfWork

from .conftest import CUSTOMER_USERS, STAFF_USERS, Flow, to_on_site


def labour(yuan: int) -> FeeLine:
    return FeeLine(FeeKind.LABOUR, "labour", Money(yuan * 100))


async def _custody(flow: Flow, job: JobRecord) -> tuple[Any, ...]:
    async def records(uow: UnitOfWork) -> tuple[Any, ...]:
        f = uow.fieldwork
        assert job.id is not None
        return (
            await f.register(job.id),
            await f.receipts(job.id),
            await f.repair_cards(job.id),
            await f.inspections(job.id),
            await f.signoffs(job.id),
            await f.work_records(job.id),
        )

    return await flow.read(records)


async def test_type_a_take_back_is_billed_and_signed_off_with_paper(flow: Flow) -> None:
    """The issue's case: a type A unit, two repair cards (P004, then P006), 3.5 h: billed,
    approved with the inspection above the limit, signed off with the paper photos."""
    job = await flow.new_job("C004", "IM24-0210")  # SH02, type A, not on Telegram
    await to_on_site(flow, job, "T04", supervisor="S02")
    promised = flow.clock.now() + timedelta(days=3)
    taken = await flow.run(custody.take_back, job=job.id, actor="T04", promised_at=promised)
    assert taken.change.state is JobState.IN_WORKSHOP
    assert taken.change.job.workshop_due_at == promised
    assert taken.receipt.number == f"R{job.number[1:]}-1" and taken.receipt.voided_at is None
    assert not taken.customer_asked
    with pytest.raises(NotAllowed):
        await flow.run(custody.confirm_receipt_with_photo, job=job.id, actor="T05", photo="p")
    confirmed = await flow.run(
        custody.confirm_receipt_with_photo, job=job.id, actor="T04", photo="receipt-photo"
    )
    assert confirmed.receipt.confirm_method == "paper_photo"
    assert confirmed.receipt.confirm_evidence == "receipt-photo"
    with pytest.raises(InvalidInput):
        await flow.run(custody.confirm_receipt_with_photo, job=job.id, actor="T04", photo="p")

    flow.clock.advance(timedelta(days=1))
    with pytest.raises(NotAllowed):
        await flow.run(workshop.record_repair, job=job.id, actor="T05", minutes=1, notes="x")
    first = await flow.run(
        workshop.record_repair,
        job=job.id,
        actor="T04",
        minutes=90,
        notes="换温控器",
        parts=[("P004", 1)],
        fees=[labour(200)],
    )
    assert first.change.state is JobState.AWAITING_INSPECTION
    assert first.card.parts == (("P004", 1),) and first.card.minutes == 90
    assert (first.charges.total.fen, first.charges.amount_due.fen) == (35800, 35800)
    assert not first.needs_approval and first.record.stage == "workshop"
    ask = (await flow.outbox(STAFF_USERS["S02"]))[-1]
    assert [b["label"] for b in ask.params["buttons"][0]] == ["Pass", "Fail"]
    assert ask.params["args"]["total"] == {"money": 35800}

    with pytest.raises(NotAllowed):
        await flow.run(workshop.fail_inspection, job=job.id, actor="S01", reason="x")
    failed = await flow.run(workshop.fail_inspection, job=job.id, actor="S02", reason="仍漏水")
    assert failed.state is JobState.IN_WORKSHOP
    told = (await flow.outbox(STAFF_USERS["T04"]))[-1]
    assert told.params["args"]["reason"] == "仍漏水"
    with pytest.raises(IllegalTransition):
        await flow.run(workshop.return_unit, job=job.id, actor="T04")

    # The second card starts from the first: its fees and the part fitted, charged again.
    async def draft(uow: UnitOfWork) -> Any:
        return await workshop.repair_draft(uow, await flow.job(job.id or 0))

    start = await flow.read(draft)
    assert start.fees == {"labour": 20000} and start.fitted == (("P004", 1),)
    flow.clock.advance(timedelta(hours=1))
    second = await flow.run(
        workshop.record_repair,
        job=job.id,
        actor="T04",
        minutes=120,
        notes="补充制冷剂",
        parts=[("P006", 1)],
        fees=[labour(300)],
    )
    assert [line.description for line in second.record.lines] == [
        "labour",
        "P004 温控器 Thermostat × 1",
        "P006 R404A 制冷剂（每公斤）Refrigerant R404A per kg × 1",
    ]
    assert second.charges.total.fen == 30000 + 15800 + 9500
    assert second.needs_approval and second.record.approval == "pending"
    assert second.record.minutes == 210  # 3.5 h over both cards
    passed = await flow.run(workshop.pass_inspection, job=job.id, actor="S02")
    assert passed.state is JobState.READY_FOR_RETURN

    flow.clock.advance(timedelta(days=1))
    returned = await flow.run(workshop.return_unit, job=job.id, actor="T04")
    assert returned.change.state is JobState.AWAITING_SIGNOFF
    assert returned.record.id == second.record.id and returned.record.approval == "approved"
    register, receipts, *_ = await _custody(flow, job)
    assert receipts[0].voided_at is None  # not before the customer signs
    signed = await flow.run(
        signoff.confirm_with_photo, job=job.id, actor="T04", photo="voucher-photo"
    )
    assert signed.change.state is JobState.SIGNED_OFF and signed.closed is None  # ¥553 due
    paid = await flow.run(
        settlement.record_payment, job=job.id, actor="T04", method="invoice", invoice_number="I-1"
    )
    assert paid.settlement.amount_fen == 55300
    assert paid.closed is not None and paid.closed.state is JobState.CLOSED

    register, receipts, cards, inspections, signoffs, records = await _custody(flow, job)
    assert [entry.direction for entry in register] == ["in", "out"]
    assert register[1].at - register[0].at == timedelta(days=2, hours=1)
    assert receipts[0].voided_at == flow.clock.now()
    assert [card.minutes for card in cards] == [90, 120]
    assert [(i.passed, i.reason) for i in inspections] == [(False, "仍漏水"), (True, None)]
    assert [i.repair_card_id for i in inspections] == [cards[0].id, cards[1].id]
    assert [(s.outcome, s.method) for s in signoffs] == [("confirmed", "paper_photo")]
    assert [(r.stage, r.approval) for r in records] == [
        ("workshop", "none"),
        ("workshop", "approved"),
    ]
    kinds = [e.kind for e in await flow.events(job.id or 0)]
    assert kinds[-10:] == [
        "job.take_back",
        "job.receipt_confirmed",
        "job.repaired",
        "job.fail_inspection",
        "job.repaired",
        "job.pass_inspection",
        "job.return_unit",
        "job.confirm",
        "job.settled",
        "job.close",
    ]


async def _repaired_and_returned(
    flow: Flow, job: JobRecord, fees: list[FeeLine], parts: list[tuple[str, int]]
) -> workshop.Returned:
    await to_on_site(flow, job, "T03")
    promised = flow.clock.now() + timedelta(days=2)
    taken = await flow.run(custody.take_back, job=job.id, actor="T03", promised_at=promised)
    assert taken.customer_asked
    await flow.run(
        workshop.record_repair,
        job=job.id,
        actor="T03",
        minutes=45,
        notes="repaired",
        parts=parts,
        fees=fees,
    )
    await flow.run(workshop.pass_inspection, job=job.id, actor="S01")
    return await flow.run(workshop.return_unit, job=job.id, actor="T03")


async def test_type_b_workshop_repair_charges_what_the_contract_does_not_cover(
    flow: Flow,
) -> None:
    job = await flow.new_job("C002", "CF22-0107")  # contract covers labour only, on Telegram
    await to_on_site(flow, job, "T03")
    promised = flow.clock.now() + timedelta(days=2)
    taken = await flow.run(custody.take_back, job=job.id, actor="T03", promised_at=promised)
    asked = (await flow.outbox(CUSTOMER_USERS["C002"]))[-1]
    assert asked.params["args"]["receipt"] == taken.receipt.number
    assert asked.params["args"]["equipment"] == "Espresso Pro 2G 双头意式咖啡机 (CF22-0107)"
    assert [b["label"] for b in asked.params["buttons"][0]] == ["Confirm"]
    with pytest.raises(NotAllowed):
        await flow.run(custody.confirm_receipt, job=job.id, customer="C001")
    done = await flow.run(
        custody.confirm_receipt, job=job.id, customer="C002", receipt_id=taken.receipt.id
    )
    assert done.receipt.confirm_method == "customer_chat"
    told = (await flow.outbox(STAFF_USERS["T03"]))[-1]
    assert told.params["args"]["receipt"] == taken.receipt.number
    with pytest.raises(InvalidInput):
        await flow.run(custody.confirm_receipt, job=job.id, customer="C002")

    repaired = await flow.run(
        workshop.record_repair,
        job=job.id,
        actor="T03",
        minutes=45,
        notes="换冷媒",
        parts=[("P006", 1)],
        fees=[labour(200)],
    )
    assert [(c.line.kind, c.charged.fen) for c in repaired.charges.lines] == [
        (FeeKind.LABOUR, 0),
        (FeeKind.PARTS, 9500),
    ]
    await flow.run(workshop.pass_inspection, job=job.id, actor="S01")
    returned = await flow.run(workshop.return_unit, job=job.id, actor="T03")
    summary = (await flow.outbox(CUSTOMER_USERS["C002"]))[-1]
    assert summary.template.startswith("Please confirm job {number}.")
    assert summary.params["args"]["due"] == {"money": 9500}
    assert summary.params["args"]["work"] == "换冷媒"
    assert returned.change.notified == (summary.id,)
    signed = await flow.run(signoff.confirm, job=job.id, customer="C002")
    assert signed.change.state is JobState.SIGNED_OFF and signed.closed is None
    _register, receipts, *_ = await _custody(flow, job)
    assert receipts[0].voided_at == flow.clock.now()
    paid = await flow.run(settlement.record_payment, job=job.id, actor="T03", method="cash")
    assert paid.settlement.amount_fen == 9500 and paid.closed is not None


async def test_type_c_workshop_repair_charges_parts_that_are_not_warranty_eligible(
    flow: Flow,
) -> None:
    job = await flow.new_job("C001", "RF25-0001")  # in warranty
    returned = await _repaired_and_returned(flow, job, [labour(200)], [("P004", 1), ("P006", 1)])
    charged = [(line.kind, line.part, line.charged_fen) for line in returned.record.lines]
    assert charged == [("labour", None, 0), ("parts", "P004", 0), ("parts", "P006", 9500)]
    assert returned.record.amount_due_fen == 9500
    assert returned.change.state is JobState.AWAITING_SIGNOFF


async def test_a_free_workshop_repair_closes_at_the_sign_off(flow: Flow) -> None:
    job = await flow.new_job("C001", "RF25-0001")
    await _repaired_and_returned(flow, job, [], [("P004", 1)])
    signed = await flow.run(signoff.confirm, job=job.id, customer="C001")
    assert signed.closed is not None and signed.closed.state is JobState.CLOSED
    *_, records = await _custody(flow, job)
    assert records[-1].amount_due_fen == 0


async def test_repair_card_proposes_the_working_time_since_the_bench(flow: Flow) -> None:
    job = await flow.new_job("C004", "IM24-0210")
    await to_on_site(flow, job, "T04", supervisor="S02")  # Mon 09:30 + manual arrival
    promised = flow.clock.now() + timedelta(days=3)
    await flow.run(custody.take_back, job=job.id, actor="T04", promised_at=promised)
    flow.clock.advance(timedelta(hours=3))  # 09:30 → 12:30: 2.5 working hours (lunch)

    async def proposed(uow: UnitOfWork) -> int:
        found = await flow.job(job.id or 0)
        return await workshop.proposed_minutes(uow, flow.settings, found, flow.clock.now())

    assert await flow.read(proposed) == 150
    flow.clock.advance(timedelta(hours=1, minutes=15))  # 13:45
    assert await flow.read(proposed) == 195


async def test_take_back_needs_a_promised_date_in_the_future(flow: Flow) -> None:
    job = await flow.new_job("C004", "IM24-0210")
    await to_on_site(flow, job, "T04", supervisor="S02")
    with pytest.raises(Exception, match="past"):
        await flow.run(custody.take_back, job=job.id, actor="T04", promised_at=flow.clock.now())


async def test_carry_in_by_a_technician_of_the_branch(flow: Flow) -> None:
    job = await flow.new_job("C001", "RF25-0001")
    promised = flow.clock.now() + timedelta(days=2)
    with pytest.raises(NotAllowed):  # T04 works for SH02
        await flow.run(custody.carry_in, job=job.id, actor="T04", promised_at=promised)
    taken = await flow.run(custody.carry_in, job=job.id, actor="T01", promised_at=promised)
    assert taken.change.state is JobState.IN_WORKSHOP
    assert taken.change.job.technician_id == await flow.staff_id("T01")
    assert taken.customer_asked and taken.receipt.number == f"R{job.number[1:]}-1"
    register, receipts, *_ = await _custody(flow, job)
    assert [e.direction for e in register] == ["in"] and receipts[0].promised_at == promised

    async def clocks(uow: UnitOfWork) -> dict[str, Any]:
        return {c.clock: c for c in await uow.clocks.for_subject("job", job.id or 0)}

    found = await flow.read(clocks)
    assert found["workshop"].state == "running" and found["workshop"].due_at == promised
    assert found["assign"].state == "stopped"
    with pytest.raises(IllegalTransition):
        await flow.run(custody.carry_in, job=job.id, actor="T01", promised_at=promised)


async def test_carry_in_by_a_supervisor_names_the_technician(flow: Flow) -> None:
    job = await flow.new_job("C003", "CF21-0033")  # not on Telegram
    promised = flow.clock.now() + timedelta(days=2)
    with pytest.raises(NotAllowed):  # S02 does not supervise SH01
        await flow.run(
            custody.carry_in, job=job.id, actor="S02", promised_at=promised, technician="T02"
        )
    with pytest.raises(NotAllowed):  # T04 is not a technician of SH01
        await flow.run(
            custody.carry_in, job=job.id, actor="S01", promised_at=promised, technician="T04"
        )
    taken = await flow.run(
        custody.carry_in, job=job.id, actor="S01", promised_at=promised, technician="T02"
    )
    assert taken.change.job.technician_id == await flow.staff_id("T02")
    assert not taken.customer_asked
    told = (await flow.outbox(STAFF_USERS["T02"]))[-1]
    assert told.params["args"]["receipt"] == taken.receipt.number
    await flow.run(custody.confirm_receipt_with_photo, job=job.id, actor="T02", photo="p")


# --- the next step after an inspection, and the promised date --------------------------------


async def _keyboard_edits(flow: Flow, chat_id: int) -> set[int | None]:
    """The outbox ids whose keyboard an edit takes away, in one chat."""
    return {
        m.ref_outbox_id
        for m in await flow.outbox(chat_id)
        if m.method == "edit" and m.template == KEYBOARD
    }


async def test_a_failed_inspection_offers_the_repair_again_until_it_is_recorded(
    flow: Flow,
) -> None:
    job = await flow.new_job("C004", "IM24-0210")  # SH02, T04, S02
    await to_on_site(flow, job, "T04", supervisor="S02")
    promised = flow.clock.now() + timedelta(days=3)
    await flow.run(custody.take_back, job=job.id, actor="T04", promised_at=promised)
    await flow.run(workshop.record_repair, job=job.id, actor="T04", minutes=30, notes="换泵")
    await flow.run(workshop.fail_inspection, job=job.id, actor="S02", reason="仍漏水")
    told = (await flow.outbox(STAFF_USERS["T04"]))[-1]
    assert told.template == "Job {number} failed inspection: {reason}"
    (button,) = told.params["buttons"][0]
    assert button["label"] == RECORD_AGAIN

    async def pressed(uow: UnitOfWork) -> Any:
        return await uow.buttons.get(button["token"])

    found = await flow.read(pressed)
    assert found.action == "job.repaired" and found.payload == {"job_id": job.id}
    assert told.id not in await _keyboard_edits(flow, STAFF_USERS["T04"])
    # the repair recorded again: the notice's button is done and goes
    await flow.run(workshop.record_repair, job=job.id, actor="T04", minutes=30, notes="换密封圈")
    assert told.id in await _keyboard_edits(flow, STAFF_USERS["T04"])


async def test_the_promised_date_is_moved_by_the_technician_or_the_supervisor_only(
    flow: Flow,
) -> None:
    job = await flow.new_job("C001", "RF25-0001")  # SH01, the customer on Telegram
    await to_on_site(flow, job, "T01")
    now = flow.clock.now()
    await flow.run(custody.take_back, job=job.id, actor="T01", promised_at=now + timedelta(days=2))
    later = now + timedelta(days=4)
    for someone_else in ("T02", "S02", "K01"):  # another technician, supervisor of SH02, keeper
        with pytest.raises(workshop.NotYourJob):
            await flow.run(
                workshop.move_promised_date, job=job.id, actor=someone_else, promised_at=later
            )
    with pytest.raises(InvalidInput):
        await flow.run(
            workshop.move_promised_date, job=job.id, actor="T01", promised_at=now - timedelta(1)
        )
    assert (await flow.job(job.id or 0)).workshop_due_at == now + timedelta(days=2)

    moved = await flow.run(workshop.move_promised_date, job=job.id, actor="T01", promised_at=later)
    assert moved.job.workshop_due_at == later
    (customer,) = [m for m in await flow.outbox(CUSTOMER_USERS["C001"]) if m.id in moved.notified]
    assert customer.template == NEW_PROMISED_DATE
    assert customer.params["args"]["when"]["dt"] == later.isoformat()

    latest = now + timedelta(days=5)
    by_supervisor = await flow.run(
        workshop.move_promised_date, job=job.id, actor="S01", promised_at=latest
    )
    told = [m for m in await flow.outbox(STAFF_USERS["T01"]) if m.id in by_supervisor.notified]
    assert [m.params["args"]["supervisor"] for m in told] == [
        {"staff": await flow.staff_id("S01"), "field": "name"}
    ]

    async def workshop_clock(uow: UnitOfWork) -> Any:
        return await uow.clocks.get("job", job.id or 0, "workshop")

    clock = await flow.read(workshop_clock)
    assert (clock.generation, clock.due_at) == (3, latest)
    await flow.run(workshop.record_repair, job=job.id, actor="T01", minutes=30, notes="修好")
    await flow.run(workshop.pass_inspection, job=job.id, actor="S01")
    with pytest.raises(IllegalTransition):  # ready for return: the date no longer moves
        await flow.run(workshop.move_promised_date, job=job.id, actor="T01", promised_at=later)
