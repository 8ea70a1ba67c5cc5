"""A constructed September in SH01 for the KPIs, the technicians' performance and the monthly
report: every record made by the use cases (see :func:`play_month`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fieldbot.domain.model import Customer
from fieldbot.repositories.jobs import JobRecord
from fieldbot.services import complaints, remote, signoff, surveys, work_record

from .conftest import Flow, to_on_site


async def _survey(flow: Flow, job: JobRecord, customer: str, ratings: tuple[int, ...]) -> None:
    assert job.id is not None
    found = await flow.read(lambda uow: uow.surveys.for_job(job.id))
    assert found is not None
    for item, level in zip(("attitude", "skill", "arrival", "promises"), ratings, strict=True):
        await flow.run(surveys.rate, survey=found.id, customer=customer, item=item, level=level)
    await flow.run(surveys.submit, survey=found.id, customer=customer)


async def _finish(flow: Flow, job: JobRecord, tech: str) -> None:
    await flow.run(work_record.finish, job=job.id, actor=tech, work="done", minutes=60)


async def _done(flow: Flow, job: JobRecord, tech: str, customer: str) -> JobRecord:
    """On site, finished in an hour, confirmed by the customer: nothing due, so closed."""
    await to_on_site(flow, job, tech)
    await _finish(flow, job, tech)
    await flow.run(signoff.confirm, job=job.id, customer=customer)
    assert job.id is not None
    closed = await flow.job(job.id)
    assert closed.state.value == "closed"
    return closed


async def play_month(flow: Flow) -> dict[str, JobRecord]:
    """September in SH01 (Monday 14th 09:30 Shanghai onwards):

    - R1 repair of C002's coffee machine by T02, closed on the 14th, survey 4/4/3/2; a
      complaint about it, replied to by a call at once; R2, a new repair of the same unit on
      the 24th (inside 30 days: R1 does not pass);
    - R3 repair of C001's refrigerator by T01, on site on the 14th, finished on the 18th (4
      working days: resolution missed), survey 2/2/4/4; R5, a new repair of it on 29 October
      (41 days after: R3 passes);
    - I1 installation for C001 by T01, disputed, accepted as is; I2 installation for C002 by
      T02, confirmed;
    - K1 consultation of C003 resolved remotely, confirmed by phone; K2 the same for C099, a
      walk-in whose file has no address and no unit;
    - R4 repair of C005's unit registered on the 14th and never visited.
    """
    jobs: dict[str, JobRecord] = {}
    jobs["R1"] = await flow.new_job("C002", "CF22-0107")
    jobs["R3"] = await flow.new_job("C001", "RF25-0001")
    jobs["R4"] = await flow.new_job("C005", "AC23-0512")
    await to_on_site(flow, jobs["R3"], "T01")
    jobs["R1"] = await _done(flow, jobs["R1"], "T02", "C002")
    await _survey(flow, jobs["R1"], "C002", (4, 4, 3, 2))
    filed = await flow.run(
        complaints.file_by_staff, actor="S01", description="still noisy", job=jobs["R1"].id
    )
    await flow.run(
        complaints.record_contact,
        complaint=filed.id,
        actor="S01",
        kind="call",
        at=flow.clock.now(),
        outcome="explained the noise",
    )

    i1 = await flow.new_job("C001", "IM25-0002", kind="installation")
    await to_on_site(flow, i1, "T01")
    await _finish(flow, i1, "T01")
    await flow.run(signoff.dispute, job=i1.id, customer="C001", reason="crooked")
    await flow.run(signoff.accept_as_is, job=i1.id, actor="S01", reason="within tolerance")
    jobs["I1"] = i1
    jobs["I2"] = await _done(
        flow, await flow.new_job("C002", "DW22-0108", kind="installation"), "T02", "C002"
    )
    k1 = await flow.new_job("C003", None, kind="consultation", priority="consult")
    await flow.run(remote.resolve_remotely, job=k1.id, actor="S01", advice="descale it")
    await flow.run(remote.confirm_by_phone, job=k1.id, actor="S01")
    jobs["K1"] = k1
    async with flow.store.unit_of_work() as uow:  # a walk-in's file: no address, no unit
        await uow.customers.upsert(
            Customer("C099", "Walk-in", "+8613800000099", "", 31.23, 121.47, "SH01")
        )
        await uow.commit()
    k2 = await flow.new_job("C099", None, kind="consultation", priority="consult")
    await flow.run(remote.resolve_remotely, job=k2.id, actor="S01", advice="reset it")
    await flow.run(remote.confirm_by_phone, job=k2.id, actor="S01")

    flow.clock.advance(timedelta(days=4))  # Friday 18th 09:30
    await _finish(flow, jobs["R3"], "T01")
    await flow.run(signoff.confirm, job=jobs["R3"].id, customer="C001")
    await _survey(flow, jobs["R3"], "C001", (2, 2, 4, 4))

    flow.clock.advance(timedelta(days=6))  # Thursday 24th
    jobs["R2"] = await flow.new_job("C002", "CF22-0107")
    flow.clock.set(datetime(2026, 10, 29, 1, 30, tzinfo=UTC))
    jobs["R5"] = await flow.new_job("C001", "RF25-0001")
    flow.clock.set(datetime(2026, 11, 30, 2, 0, tzinfo=UTC))
    return jobs
