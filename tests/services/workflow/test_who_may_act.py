"""Who may act, in the services (issue 9): a sign-off link opened by anyone but the job's
customer binds nobody, uses nothing up and asks the bound customer; the customer's answers
to an appointment need their own job, still scheduled, at the time they were shown."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fieldbot.domain.entitlement import FeeKind, FeeLine
from fieldbot.domain.errors import IllegalTransition, NotAllowed
from fieldbot.domain.money import Money
from fieldbot.repositories.jobs import JobRecord
from fieldbot.services import dispatch, signoff, visit, work_record
from fieldbot.services.signoff import LinkRefusal, OpenedSignoff, SignoffLinkRefused
from fieldbot.store import ConcurrencyConflict

from .conftest import CUSTOMER_USERS, STAFF_USERS, Flow, to_on_site


async def _awaiting_signoff(
    flow: Flow, customer: str, unit: str, tech: str
) -> tuple[JobRecord, str]:
    job = await flow.new_job(customer, unit)
    await to_on_site(flow, job, tech)
    finished = await flow.run(
        work_record.finish,
        job=job.id,
        actor=tech,
        work="repaired",
        minutes=30,
        fees=[FeeLine(FeeKind.TRAVEL, "travel", Money.yuan(20))],
    )
    assert finished.signoff_link is not None
    return job, finished.signoff_link


async def _asked(flow: Flow, user: int) -> int:
    return sum(m.template == signoff.SIGNOFF_TEMPLATE for m in await flow.outbox(user))


async def test_a_signoff_link_of_a_bound_customer_opened_by_anyone_else_binds_nobody(
    flow: Flow,
) -> None:
    job, link = await _awaiting_signoff(flow, "C001", "RF25-0001", "T01")
    owner = CUSTOMER_USERS["C001"]
    asked = await _asked(flow, owner)
    for user, reason in (
        (9999, LinkRefusal.NOT_THE_CUSTOMER),
        (CUSTOMER_USERS["C002"], LinkRefusal.NOT_THE_CUSTOMER),
        (STAFF_USERS["T01"], LinkRefusal.STAFF),
    ):
        refused = await flow.run(
            signoff.open_signoff_link, payload=link, user_id=user, chat_id=user
        )
        assert refused == SignoffLinkRefused(reason, asked_customer=True)
        assert not await flow.outbox(9999)
    assert await _asked(flow, owner) == asked + 3
    c001 = await flow.read(lambda uow: uow.customers.row("C001"))
    assert c001 is not None and c001.telegram_user_id == owner
    invite = await flow.read(lambda uow: uow.invites.get(link))
    assert invite is not None and invite.used_at is None
    opened = await flow.run(signoff.open_signoff_link, payload=link, user_id=owner, chat_id=owner)
    assert isinstance(opened, OpenedSignoff) and opened.job.id == job.id


async def test_a_signoff_link_of_an_unbound_customer_refuses_other_accounts_unused(
    flow: Flow,
) -> None:
    _job, link = await _awaiting_signoff(flow, "C003", "CF21-0033", "T02")
    for user, reason in (
        (CUSTOMER_USERS["C002"], LinkRefusal.NOT_THE_CUSTOMER),
        (STAFF_USERS["S01"], LinkRefusal.STAFF),
    ):
        refused = await flow.run(
            signoff.open_signoff_link, payload=link, user_id=user, chat_id=user
        )
        assert refused == SignoffLinkRefused(reason, asked_customer=False)
    c003 = await flow.read(lambda uow: uow.customers.row("C003"))
    assert c003 is not None and c003.telegram_user_id is None
    opened = await flow.run(signoff.open_signoff_link, payload=link, user_id=3003, chat_id=3003)
    assert isinstance(opened, OpenedSignoff)


async def test_the_customer_answers_only_their_own_scheduled_appointment(flow: Flow) -> None:
    job = await flow.new_job("C001", "RF25-0001")
    await to_on_site(flow, job, "T01")  # scheduled, then arrived: no longer answerable
    with pytest.raises(IllegalTransition):
        await flow.run(visit.confirm_appointment, job=job.id, customer="C001")
    with pytest.raises(IllegalTransition):
        await flow.run(visit.ask_other_time, job=job.id, customer="C001", wish="Friday")
    other = await flow.new_job("C002", "CF22-0107")
    await flow.run(dispatch.dispatch, job=other.id, technician="T02", actor="S01")
    await flow.run(dispatch.accept, job=other.id, actor="T02")
    at = flow.clock.now() + timedelta(hours=2)
    await flow.run(visit.set_appointment, job=other.id, actor="T02", at=at)
    with pytest.raises(NotAllowed):
        await flow.run(visit.confirm_appointment, job=other.id, customer="C001")
    moved = at + timedelta(hours=1)
    await flow.run(visit.set_appointment, job=other.id, actor="T02", at=moved)
    with pytest.raises(ConcurrencyConflict):
        await flow.run(
            visit.confirm_appointment,
            job=other.id,
            customer="C002",
            appointment_at=at.isoformat(),
        )
    confirmed = await flow.run(
        visit.confirm_appointment,
        job=other.id,
        customer="C002",
        appointment_at=moved.isoformat(),
    )
    assert confirmed.appointment_at == moved
    kinds = [e.kind for e in await flow.events(other.id or 0)]
    assert kinds.count("job.appointment_confirmed") == 1
