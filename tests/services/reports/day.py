"""One working day of SH01, Monday 2026-09-14, played through the services so that every
figure of the daily reports can be computed by hand (see :data:`EXPECTED`):

- a job called on Friday 2026-09-11 and never dispatched: carried over this morning;
- job 1, C001's unit in warranty (type C): T01 on site, 90 minutes, part P008 ×1, travel
  ¥30.00 paid in cash; closed; the customer answers the survey in the chat;
- job 2, C003's unit (type A): T02 on site, 60 minutes, labour ¥100.00, signed off on paper,
  an invoice (a receivable); closed; its survey not answered (C003 is not on Telegram);
- job 3, C002 (registered only): open, its arrival clock overdue at 18:00 (due 16:30), and
  an escalation (level 1) recorded for it;
- a complaint filed by the supervisor about job 1;
- at 17:00 the accountant confirms ¥20.00 of T01's ¥30.00 handed over: ¥10.00 still held.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from fieldbot.domain.entitlement import FeeKind, FeeLine
from fieldbot.domain.money import Money
from fieldbot.domain.sla import carry_over_cutoff
from fieldbot.repositories.jobs import JobRecord
from fieldbot.services import (
    cash,
    complaints,
    settlement,
    signoff,
    surveys,
    work_record,
)
from fieldbot.services.carry_over import carry_over
from fieldbot.services.deadlines.clocks import Calendars
from tests.services.workflow.conftest import Flow, to_on_site

DAY = date(2026, 9, 14)
END = datetime(2026, 9, 14, 10, 0, tzinfo=UTC)  # 18:00 Asia/Shanghai


async def play_day(flow: Flow) -> dict[str, JobRecord]:
    clock = flow.clock
    friday = datetime(2026, 9, 11, 2, 0, tzinfo=UTC)  # Friday 10:00 local
    old = await flow.new_job("C002", "DW22-0108", called_at=friday)
    async with flow.store.unit_of_work() as uow:
        branch_id = await uow.branches.require_id("SH01")
        calendar = await Calendars(flow.settings).of(uow, branch_id)
        await carry_over(uow, branch_id, carry_over_cutoff(calendar, DAY), clock.now())
        await uow.commit()

    job1 = await flow.new_job("C001", "RF25-0001")
    await to_on_site(flow, job1, "T01")
    await flow.run(
        work_record.finish,
        job=job1.id,
        actor="T01",
        work="repaired",
        minutes=90,
        fees=[FeeLine(FeeKind.TRAVEL, "travel", Money.yuan(30))],
        parts=[("P008", 1)],
    )
    await flow.run(signoff.confirm, job=job1.id, customer="C001")
    await flow.run(settlement.record_payment, job=job1.id, actor="T01", method="cash")

    job2 = await flow.new_job("C003", "CF21-0033")
    await to_on_site(flow, job2, "T02")
    await flow.run(
        work_record.finish,
        job=job2.id,
        actor="T02",
        work="descaled",
        minutes=60,
        fees=[FeeLine(FeeKind.LABOUR, "labour", Money.yuan(100))],
    )
    await flow.run(signoff.confirm_with_photo, job=job2.id, actor="T02", photo="paper-1")
    await flow.run(
        settlement.record_payment,
        job=job2.id,
        actor="T02",
        method="invoice",
        invoice_number="INV-0001",
    )

    async with flow.store.unit_of_work() as uow:
        survey = await uow.surveys.for_job(job1.id or 0)
        await uow.commit()
    assert survey is not None
    for item in ("attitude", "skill", "arrival", "promises"):
        await flow.run(surveys.rate, survey=survey.id, customer="C001", item=item, level=4)
    await flow.run(surveys.submit, survey=survey.id, customer="C001")
    await flow.run(complaints.file_by_staff, actor="S01", description="late again", job=job1.id)

    job3 = await flow.new_job("C002", "CF22-0107")
    async with flow.store.unit_of_work() as uow:
        await uow.steps.fire("job", job3.id or 0, "arrival", 1, "level1", clock.now())
        await uow.commit()

    clock.set(datetime(2026, 9, 14, 9, 0, tzinfo=UTC))  # 17:00 local
    async with flow.store.unit_of_work() as uow:
        await cash.confirm_handover(
            uow, technician="T01", actor="A01", confirmed_fen=2000, now=clock.now()
        )
        await uow.commit()
    clock.set(END)
    return {"old": old, "job1": job1, "job2": job2, "job3": job3}


EXPECTED = {
    "registered": 3,  # jobs 1, 2, 3 (the Friday job was called on Friday)
    "closed": 2,  # jobs 1 and 2
    "open": 2,  # the Friday job and job 3
    "overdue": 2,  # both open jobs are past their arrival deadline at 18:00
    "carried_over": 1,  # the Friday job
    "escalations": 1,  # job 3's level 1
    "complaints": 1,
    "surveys_answered": 1,  # job 1's, in the chat
    "surveys_outstanding": 1,  # job 2's
    "receivables": 1,
    "receivables_fen": 10000,
}
HELD = {"T01": 1000, "T02": 0, "T03": 0}
COLLECTED = {"T01": 3000, "T02": 0, "T03": 0}
STEP = timedelta(minutes=1)
