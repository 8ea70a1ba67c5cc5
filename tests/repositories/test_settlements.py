"""Settlements as receivables: unpaid invoices listed oldest first (by branch), recorded paid
exactly once; cash and nothing-due settlements are no receivables."""

from __future__ import annotations

from datetime import timedelta

from fieldbot.store import Store

from .conftest import NOW, insert_job


async def test_unpaid_invoices_are_listed_oldest_first_and_recorded_paid_once(
    seeded: Store,
) -> None:
    async with seeded.unit_of_work() as uow:
        first = await insert_job(uow, NOW)
        second = await insert_job(uow, NOW, customer="C004")  # SH02
        cash = await insert_job(uow, NOW, customer="C002")
        assert first.id and second.id and cash.id
        later = NOW + timedelta(hours=1)
        await uow.fieldwork.settle(
            job_id=second.id, method="invoice", amount_fen=2500, invoice_number="B-2", now=later
        )
        await uow.fieldwork.settle(
            job_id=first.id, method="invoice", amount_fen=9900, invoice_number="A-1", now=NOW
        )
        await uow.fieldwork.settle(job_id=cash.id, method="cash", amount_fen=100, now=NOW)
        await uow.commit()
    async with seeded.unit_of_work(readonly=True) as uow:
        found = await uow.fieldwork.receivables()
        assert [r.settlement.invoice_number for r in found] == ["A-1", "B-2"]
        assert found[0].job_number == first.number and found[0].branch_id == first.branch_id
        assert found[0].customer_id == first.customer_id and found[0].settlement.paid_at is None
        only = await uow.fieldwork.receivables(second.branch_id)
        assert [r.job_number for r in only] == [second.number]
    accountant = None
    async with seeded.unit_of_work() as uow:
        accountant = await uow.staff.require_id("M01")
        settled = found[0].settlement
        paid_at = NOW + timedelta(days=3)
        assert await uow.fieldwork.record_paid(settled.id, accountant, paid_at)
        assert not await uow.fieldwork.record_paid(settled.id, accountant, paid_at + timedelta(1))
        cash_row = await uow.fieldwork.settlement(cash.id)
        assert cash_row is not None
        assert not await uow.fieldwork.record_paid(cash_row.id, accountant, paid_at)
        await uow.commit()
    async with seeded.unit_of_work(readonly=True) as uow:
        paid = await uow.fieldwork.settlement_by_id(settled.id)
        assert paid is not None and paid.paid_at == paid_at and paid.paid_by == accountant
        assert [r.settlement.invoice_number for r in await uow.fieldwork.receivables()] == ["B-2"]
        assert await uow.fieldwork.settlement_by_id(999_999) is None
