"""A customer's own request and the reply to it (DESIGN.md §5), and the one mute check of the
customer's informational notices: the use cases on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fieldbot.domain.errors import NotAllowed
from fieldbot.services import customer_notices
from fieldbot.services.customer_requests import (
    CustomerNotBound,
    NotOwnRequest,
    NoUnits,
    reply_to_customer,
    report_fault,
)
from fieldbot.services.jobs import EquipmentNotCustomers
from fieldbot.services.workflow import notify_customer
from fieldbot.store import UnitOfWork
from tests.services.workflow.conftest import CUSTOMER_USERS, Flow


async def test_a_unit_of_another_customer_is_refused_and_nothing_registered(flow: Flow) -> None:
    with pytest.raises(EquipmentNotCustomers):
        await flow.run(
            report_fault, customer="C001", equipment="CF22-0107", fault="x", priority="general"
        )
    assert await flow.read(lambda uow: uow.jobs.list()) == []


async def test_a_consultation_is_registered_as_one(flow: Flow) -> None:
    done = await flow.run(
        report_fault,
        customer="C002",
        equipment="CF22-0107",
        fault="how to descale?",
        priority="consult",
    )
    assert done.job.kind.value == "consultation" and done.job.own_request
    assert done.notified  # the branch's supervisors


async def test_a_customer_without_units_cannot_report(flow: Flow) -> None:
    async def drop_units(uow: UnitOfWork) -> None:
        from sqlalchemy import delete

        from fieldbot import tables as t

        row = await uow.customers.row("C003")
        assert row is not None
        await uow.connection.execute(delete(t.equipment).where(t.equipment.c.customer_id == row.id))
        await uow.commit()

    async with flow.store.unit_of_work() as uow:
        await drop_units(uow)
    with pytest.raises(NoUnits):
        await flow.run(
            report_fault, customer="C003", equipment="CF21-0033", fault="x", priority="general"
        )


async def test_the_first_reply_stops_the_clock_and_only_the_branch_may_reply(flow: Flow) -> None:
    done = await flow.run(
        report_fault, customer="C001", equipment="RF25-0001", fault="warm", priority="general"
    )
    number = done.job.number
    with pytest.raises(NotAllowed):  # another branch's supervisor
        await flow.run(reply_to_customer, job=number, actor="S02", text="hello")
    flow.clock.advance(timedelta(minutes=30))
    first = await flow.run(reply_to_customer, job=number, actor="S01", text="明早到")
    again = await flow.run(reply_to_customer, job=number, actor="S01", text="再说一次")
    assert first.first and not again.first
    sent = await flow.outbox(chat_id=CUSTOMER_USERS["C001"])
    assert [m.params["args"]["text"] for m in sent if "text" in m.params.get("args", {})] == [
        "明早到",
        "再说一次",
    ]
    clock = await flow.read(lambda uow: uow.clocks.get("job", first.job.id or 0, "first_reply"))
    assert clock is not None and clock.state == "stopped" and clock.met is True
    staff_job = await flow.new_job("C001", "RF25-0001")
    with pytest.raises(NotOwnRequest):
        await flow.run(reply_to_customer, job=staff_job.number, actor="S01", text="hi")


async def test_a_customer_not_in_the_chat_cannot_be_replied_to(flow: Flow) -> None:
    done = await flow.run(
        report_fault, customer="C003", equipment="CF21-0033", fault="leaks", priority="general"
    )
    with pytest.raises(CustomerNotBound):
        await flow.run(reply_to_customer, job=done.job.number, actor="S01", text="hello")


async def test_muted_customers_get_no_informational_notice_but_the_others(flow: Flow) -> None:
    now = flow.clock.now()
    async with flow.store.unit_of_work() as uow:
        assert await customer_notices.set_muted(uow, customer="C001", muted=True, now=now)
        assert not await customer_notices.set_muted(uow, customer="C001", muted=True, now=now)
        row = await uow.customers.row("C001")
        assert row is not None and row.notices_muted
        told = await notify_customer(uow, row, "x {number}", {"number": 1}, now, informational=True)
        kept = await notify_customer(uow, row, "y {number}", {"number": 1}, now)
        await uow.commit()
    assert told is None and kept is not None


async def test_a_muted_customer_still_gets_the_take_back_receipt_to_confirm(flow: Flow) -> None:
    """The receipt asks for the customer's confirmation of custody (DESIGN.md §3 Custody),
    like the sign-off: /mute silences step notices, never what the customer must answer."""
    from fieldbot.services import custody
    from tests.services.workflow.conftest import to_on_site

    chat = CUSTOMER_USERS["C001"]
    now = flow.clock.now()
    async with flow.store.unit_of_work() as uow:
        await customer_notices.set_muted(uow, customer="C001", muted=True, now=now)
        await uow.commit()
    muted = await flow.new_job("C001", "RF25-0001")
    await to_on_site(flow, muted, "T01")
    promised = flow.clock.now() + timedelta(days=3)
    await flow.run(custody.take_back, job=muted.number, actor="T01", promised_at=promised)
    receipts = [m for m in await flow.outbox(chat_id=chat) if "receipt" in m.template]
    assert len(receipts) == 1 and receipts[0].params["args"]["number"] == muted.number
