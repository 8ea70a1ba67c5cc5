"""Staff who leave or are away (DESIGN.md §6, the unassign row of §3): offboarding hands
over jobs, van stock, cash and invites in one event and is idempotent; /away and /back
take a technician out of the suggestions and back; the roster shows who is active, away and
bound. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from fieldbot.domain.entitlement import FeeKind, FeeLine
from fieldbot.domain.errors import NotAllowed
from fieldbot.domain.model import JobState, Language
from fieldbot.domain.money import Money
from fieldbot.repositories.jobs import JobRecord
from fieldbot.services import absences, dispatch, offboarding, settlement, work_record
from fieldbot.services.absences import AwayOverlap, NotAway
from fieldbot.services.dispatch import Reason
from fieldbot.services.imports import import_company
from fieldbot.services.registration import identify
from fieldbot.services.roster import roster
from fieldbot.services.workflow import InvalidInput

from .conftest import EXAMPLES, STAFF_USERS, Flow, to_on_site

TODAY = date(2026, 9, 14)  # the flow's clock: Monday 09:30 Asia/Shanghai


async def _awaiting_signoff_with_cash(flow: Flow) -> JobRecord:
    """T01 finishes a type C job (travel ¥30.00 due) and collects the cash before sign-off."""
    job = await flow.new_job("C001", "RF25-0001")
    await to_on_site(flow, job, "T01")
    await flow.run(
        work_record.finish,
        job=job.id,
        actor="T01",
        work="repaired",
        minutes=60,
        fees=[FeeLine(FeeKind.TRAVEL, "travel", Money.yuan(30))],
        parts=[],
    )
    await flow.run(settlement.record_payment, job=job.id, actor="T01", method="cash")
    return job


async def _suggested(flow: Flow, job: JobRecord) -> list[dispatch.Suggestion]:
    async def go(uow: object) -> list[dispatch.Suggestion]:
        return await dispatch.suggest_technicians(
            uow,  # type: ignore[arg-type]
            flow.settings,
            job=job.id,  # type: ignore[arg-type]
            now=flow.clock.now(),
        )

    return await flow.read(go)


async def test_leaving_hands_everything_over_in_one_event_and_again_changes_nothing(
    flow: Flow,
) -> None:
    dispatched = await flow.new_job("C005", "AC23-0512")
    await flow.run(dispatch.dispatch, job=dispatched.id, technician="T01", actor="S01")
    on_site = await flow.new_job("C001", "RF25-0001")
    await to_on_site(flow, on_site, "T01")
    signing = await _awaiting_signoff_with_cash(flow)
    async with flow.store.unit_of_work() as uow:
        t01 = await uow.staff.require_id("T01")
        now = flow.clock.now()
        invite = await uow.invites.create(
            kind="staff", now=now, expires_at=now + timedelta(days=3), staff_id=t01
        )
        await uow.commit()
    van_before = {
        s.part: s.quantity for s in await flow.read(lambda u: u.stock.at_location("van:T01"))
    }
    store_p035 = await flow.stock("SH01", "P035")
    outbox_before = len(await flow.outbox())

    # a supervisor may not offboard; the manager may
    with pytest.raises(NotAllowed):
        await flow.run(offboarding.leave, staff="T01", actor="S01")
    done = await flow.run(offboarding.leave, staff="T01", actor="M01")

    assert not done.already_left
    assert [j.number for j in done.plan.requeue] == [dispatched.number]
    assert [j.number for j in done.plan.from_site] == [on_site.number]
    assert [j.number for j in done.plan.kept] == [signing.number]
    assert done.plan.cash_fen == 3000 and done.cash_to is not None
    assert done.cash_to.staff.code == "S01" and done.plan.invites == 1
    # the person is a stranger from the next update
    person = await flow.read(
        lambda uow: identify(uow, STAFF_USERS["T01"], STAFF_USERS["T01"], None, Language.EN)
    )
    assert person.kind == "unknown"
    # jobs: back in the queue, no technician, no appointment; the one further on kept
    for job in (dispatched, on_site):
        now_job = await flow.job(job.id)  # type: ignore[arg-type]
        assert now_job.state is JobState.REGISTERED and now_job.technician_id is None
        assert now_job.appointment_at is None
        assert "job.unassign" in [e.kind for e in await flow.events(job.id)]  # type: ignore[arg-type]
    kept = await flow.job(signing.id)  # type: ignore[arg-type]
    assert kept.state is JobState.AWAITING_SIGNOFF and kept.technician_id == t01
    # the van is empty, its stock in the branch store
    assert all(s.quantity == 0 for s in await flow.read(lambda u: u.stock.at_location("van:T01")))
    assert await flow.stock("SH01", "P035") == store_p035 + van_before["P035"]
    assert {s.part for s in done.plan.stock} == {p for p, q in van_before.items() if q > 0}
    # the invite is revoked
    revoked = await flow.read(lambda uow: uow.invites.get(invite.payload))
    assert revoked is not None and revoked.expires_at <= flow.clock.now()
    # one event records it all, the cash hand-over included
    left = [
        e
        for e in await flow.read(lambda uow: uow.events.for_subject("staff", str(t01)))
        if e.kind == offboarding.LEFT_EVENT
    ]
    assert len(left) == 1
    payload = left[0].payload
    assert payload["requeued"] == [dispatched.number]
    assert payload["from_site"] == [on_site.number]
    assert payload["kept"] == [{"number": signing.number, "state": "awaiting_signoff"}]
    assert payload["cash"] == {
        "amount_fen": 3000,
        "to_staff_id": await flow.staff_id("S01"),
        "to_code": "S01",
    }
    assert payload["invites_revoked"] == 1 and payload["store"] == "SH01"
    # the supervisor is told: each job back in the queue with a Dispatch button, the kept
    # ones listed, the cash handed to them
    to_s01 = (await flow.outbox(STAFF_USERS["S01"]))[-4:]
    assert [m.template for m in to_s01] == [
        offboarding.REQUEUED,
        offboarding.FROM_SITE,
        offboarding.KEPT_HEADER,
        offboarding.CASH_TO_SUPERVISOR,
    ]
    assert to_s01[0].params["buttons"][0][0]["label"] == "Dispatch"
    assert to_s01[3].params["args"]["amount"] == {"money": 3000}

    # again: already left, nothing changes
    events = await flow.read(lambda uow: uow.events.count())
    outbox = await flow.outbox()
    assert len(outbox) > outbox_before
    again = await flow.run(offboarding.leave, staff="T01", actor="M01")
    assert again.already_left and again.left_at == left[0].at
    assert await flow.read(lambda uow: uow.events.count()) == events
    assert len(await flow.outbox()) == len(outbox)

    # a re-import of the company does not make them active again
    await import_company(flow.store, EXAMPLES, settings=flow.settings, clock=flow.clock)
    row = await flow.read(lambda uow: uow.staff.row("T01"))
    assert row is not None and not row.staff.active


async def test_away_and_back_take_a_technician_out_of_the_suggestions_and_back(
    flow: Flow,
) -> None:
    job = await flow.new_job("C001", "RF25-0001")  # refrigeration: T01 first
    busy = await flow.new_job("C005", "AC23-0512")
    await flow.run(dispatch.dispatch, job=busy.id, technician="T03", actor="S01")
    first = await _suggested(flow, job)
    assert first[0].staff_code == "T01" and len(first) == 3
    assert all(s.available for s in first)

    # T03 goes away with an open job: the supervisor is told to reassign it
    away = await flow.run(
        absences.go_away,
        actor="T03",
        starts_on=TODAY,
        ends_on=TODAY + timedelta(days=4),
        reason="年假 annual leave",
    )
    assert [j.number for j in away.open_jobs] == [busy.number] and away.told
    told = (await flow.outbox(STAFF_USERS["S01"]))[-1]
    assert told.template == absences.GOING_AWAY
    assert told.params["buttons"][0][0]["label"] == "Reassign"
    # S01 marks T01 away; S02 (another branch) may not
    with pytest.raises(NotAllowed):
        await flow.run(
            absences.go_away, actor="S02", technician="T01", starts_on=TODAY, ends_on=TODAY
        )
    await flow.run(
        absences.go_away,
        actor="S01",
        technician="T01",
        starts_on=TODAY - timedelta(days=1),
        ends_on=TODAY + timedelta(days=2),
    )
    second = await _suggested(flow, job)
    available = [s.staff_code for s in second if s.available]
    skipped = {s.staff_code: s.reasons[0] for s in second if not s.available}
    assert available == ["T02"]
    assert skipped["T01"].code is Reason.AWAY and skipped["T01"].detail == "2026-09-16"
    assert skipped["T03"].code is Reason.AWAY and skipped["T03"].detail == "2026-09-18"

    # bad periods and overlaps are refused, nothing recorded
    for starts, ends in ((TODAY, TODAY - timedelta(days=1)), (TODAY - timedelta(days=9),) * 2):
        with pytest.raises(InvalidInput):
            await flow.run(absences.go_away, actor="T02", starts_on=starts, ends_on=ends)
    with pytest.raises(AwayOverlap):
        await flow.run(absences.go_away, actor="T01", starts_on=TODAY, ends_on=TODAY)
    with pytest.raises(NotAway):
        await flow.run(absences.come_back, actor="T02")

    # T01 is back: suggested again at once; T03 leaves the company: skipped as left
    await flow.run(absences.come_back, actor="T01")
    await flow.run(offboarding.leave, staff="T03")
    third = await _suggested(flow, job)
    assert [s.staff_code for s in third if s.available] == ["T01", "T02"]
    assert [(s.staff_code, s.reasons[0].code) for s in third if not s.available] == [
        ("T03", Reason.LEFT)
    ]


async def test_the_roster_shows_who_is_active_away_and_bound(flow: Flow) -> None:
    await flow.run(
        absences.go_away, actor="T02", starts_on=TODAY, ends_on=TODAY + timedelta(days=1)
    )
    await flow.run(
        absences.go_away,
        actor="T01",
        starts_on=TODAY + timedelta(days=7),
        ends_on=TODAY + timedelta(days=8),
    )
    await flow.run(offboarding.leave, staff="T03")
    entries = {
        e.code: e for e in await flow.read(lambda uow: roster(uow, flow.settings, flow.clock.now()))
    }
    assert entries["T02"].away_until == TODAY + timedelta(days=1) and entries["T02"].active
    assert entries["T01"].away_until is None  # not yet
    assert not entries["T03"].active and entries["T03"].away_until is None
    assert entries["T05"].bound is False and entries["T01"].bound is True
    assert entries["S01"].roles == ("supervisor",) and entries["M01"].branch is None
