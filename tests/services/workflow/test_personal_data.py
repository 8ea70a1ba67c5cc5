"""Personal data on request (DESIGN.md §6): a customer with jobs exported (everything,
decrypted) and erased (jobs kept, anonymised, the event log still verifying), with no trace of
their phone or name left in the database — on SQLite its files, the WAL included, on
PostgreSQL every column of every table; and who was shown their phone."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from fieldbot.domain.entitlement import FeeKind, FeeLine
from fieldbot.domain.errors import NotAllowed
from fieldbot.domain.model import JobState
from fieldbot.domain.money import Money
from fieldbot.repositories.events import verify
from fieldbot.repositories.jobs import JobRecord
from fieldbot.services import custody, dispatch, settlement, signoff, surveys, work_record
from fieldbot.services.access_log import accesses
from fieldbot.services.imports import import_file
from fieldbot.services.jobs import resolve_customer
from fieldbot.services.personal_data import CUSTOMER_ERASED, erase, export_customer
from fieldbot.services.workflow import UnknownCustomer
from fieldbot.store import Store, UnitOfWork
from fieldbot.tables import buttons, invites, metadata, outbox

from .conftest import EXAMPLES, Flow, quote_accepted, to_on_site

CODE = "C003"  # Bund Corner Café, SH01, type A
NAME = "Bund Corner Café"
PHONE = "+8613601710003"
ADDRESS = "上海市黄浦区中山东一路18号"
USER = 3003  # the Telegram account bound to C003 for these tests
NEEDLES = {
    "the phone's digits": PHONE[3:].encode(),
    "the phone in E.164": PHONE[1:].encode(),
    "the name": NAME.encode(),
    "the address": ADDRESS.encode(),
}


async def _closed_by_paper(flow: Flow) -> JobRecord:
    """A type A repair: the signed paper quote, the work, the signed paper voucher, an
    invoice: closed."""
    job = await flow.new_job(CODE, "CF21-0033")
    await to_on_site(flow, job, "T02")
    await quote_accepted(flow, job, "T02", 30000)
    await flow.run(
        work_record.finish,
        job=job.id,
        actor="T02",
        work="descaled",
        minutes=60,
        fees=[FeeLine(FeeKind.LABOUR, "labour", Money.yuan(300))],
        parts=[],
    )
    await flow.run(signoff.confirm_with_photo, job=job.id, actor="T02", photo="voucher-photo")
    paid = await flow.run(
        settlement.record_payment, job=job.id, actor="S01", method="invoice", invoice_number="F-1"
    )
    assert paid.closed is not None and paid.closed.state is JobState.CLOSED
    return job


async def _carried_in(flow: Flow) -> JobRecord:
    """A carry-in whose paper receipt the technician photographed; still open."""
    job = await flow.new_job(CODE, "CF21-0033", fault="grinder jams")
    promised = flow.clock.now() + timedelta(days=2)
    await flow.run(
        custody.carry_in, job=job.id, actor="S01", promised_at=promised, technician="T02"
    )
    await flow.run(
        custody.confirm_receipt_with_photo, job=job.id, actor="T02", photo="receipt-photo"
    )
    return job


async def _bind(flow: Flow) -> None:
    async with flow.store.unit_of_work() as uow:
        await uow.customers.bind_telegram(CODE, USER, USER)
        customer_id = await uow.customers.require_id(CODE)
        await uow.buttons.create(USER, "customer.status", {}, flow.clock.now())
        await uow.invites.create(
            kind="signoff",
            now=flow.clock.now(),
            expires_at=flow.clock.now() + timedelta(days=1),
            customer_id=customer_id,
        )
        await uow.commit()


async def _export(flow: Flow) -> dict[str, object]:
    async with flow.store.unit_of_work() as uow:
        data = await export_customer(uow, CODE, operator="auditor", now=flow.clock.now())
        await uow.commit()
    return json.loads(json.dumps(data, ensure_ascii=False))  # it is JSON data as it is


async def test_export_holds_everything_about_the_customer_decrypted(flow: Flow) -> None:
    await _bind(flow)
    closed = await _closed_by_paper(flow)
    carried = await _carried_in(flow)
    data = await _export(flow)
    customer = data["customer"]
    assert isinstance(customer, dict)
    assert (customer["code"], customer["name"], customer["phone"]) == (CODE, NAME, PHONE)
    assert customer["address"] == ADDRESS and customer["branch"] == "SH01"
    assert customer["location"] == {"latitude": 31.2386, "longitude": 121.49}
    assert customer["chat"] == {"telegram_user_id": USER, "chat_id": USER}
    assert customer["erased_at"] is None
    assert [u["serial"] for u in data["units"]] == ["CF21-0033"]  # type: ignore[attr-defined]
    jobs = {j["number"]: j for j in data["jobs"]}  # type: ignore[attr-defined]
    first, second = jobs[closed.number], jobs[carried.number]
    assert first["state"] == "closed" and first["technician"] == "T02"
    assert first["fault"] == "不制冷 not cooling"
    kinds = [e["kind"] for e in first["events"]]
    assert "job.dispatch" in kinds and kinds[-1] == "job.close"
    assert [line["amount_fen"] for line in first["work_records"][-1]["lines"]] == [30000]
    assert [(s["method"], s["evidence"]) for s in first["signoffs"]] == [
        ("paper_photo", "voucher-photo")
    ]
    assert first["quote"]["evidence"] == "signed-quote"
    assert first["settlement"]["invoice_number"] == "F-1"
    assert first["survey"]["state"] == "open"  # every closed job gets one
    assert second["state"] == "in_workshop"
    assert second["receipts"][0]["confirm_evidence"] == "receipt-photo"
    shown = data["phone_shown"]
    assert [(a["who"], a["shown"], a["job"]) for a in shown] == [  # type: ignore[union-attr]
        ("T02", "dispatch_card", closed.number),
        ("cli:auditor", "export", None),  # this export itself
    ]
    assert any(m["template"] for m in data["messages"])  # type: ignore[union-attr]


async def _db_blobs(store: Store) -> list[tuple[str, bytes]]:
    """SQLite: the raw bytes of the database file and its WAL; PostgreSQL: every value of every
    column of every table, as text."""
    if store.dialect == "sqlite":
        database = make_url(str(store.engine.url)).database
        assert database is not None
        path = Path(database)
        files = [path.with_name(path.name + suffix) for suffix in ("", "-wal", "-shm")]
        return [(f.name, f.read_bytes()) for f in files if f.exists()]
    found: list[tuple[str, bytes]] = []
    async with store.unit_of_work(readonly=True) as uow:
        for table in metadata.sorted_tables:
            for row in (await uow.connection.execute(select(table))).all():
                found.append((table.name, "|".join(str(v) for v in row).encode()))
    return found


def _traces(blobs: list[tuple[str, bytes]]) -> list[str]:
    return [
        f"{where}: {what}"
        for where, data in blobs
        for what, needle in NEEDLES.items()
        if needle in data
    ]


async def test_erasure_keeps_the_jobs_anonymised_and_leaves_no_trace(
    flow: Flow, store: Store
) -> None:
    await _bind(flow)
    closed = await _closed_by_paper(flow)
    carried = await _carried_in(flow)
    await _export(flow)

    with pytest.raises(NotAllowed, match=carried.number):  # an open job: not yet
        await erase(store, flow.clock, CODE, operator="auditor")
    await flow.run(dispatch.cancel, job=carried.id, actor="S01", reason="customer withdrew")
    async with store.unit_of_work() as uow:  # unanswered: on the follow-up clerk's list
        survey = await uow.surveys.for_job(closed.id or 0)
        assert survey is not None
        await uow.surveys.save(replace(survey, handed_over_at=flow.clock.now()), flow.clock.now())
        assert [c.job.number for c in await surveys.calls_due(uow, None)] == [closed.number]
        await uow.commit()
    flow.clock.advance(timedelta(minutes=5))
    erased = await erase(store, flow.clock, CODE, operator="auditor")
    assert (erased.jobs, erased.already) == (2, False)
    assert erased.messages > 0  # the survey and notices queued for them went
    if store.dialect == "sqlite":
        assert erased.log_emptied is True

    async def after(uow: UnitOfWork) -> None:
        row = await uow.customers.row(CODE)
        assert row is not None and row.erased_at == flow.clock.now()
        assert (row.customer.name, row.customer.phone, row.customer.address) == ("", "", "")
        assert row.customer.erased and row.telegram_user_id is None and row.chat_id is None
        assert await uow.customers.find_by_phone(PHONE) is None
        assert await uow.customers.by_telegram_user(USER) is None
        with pytest.raises(UnknownCustomer):
            await resolve_customer(uow, CODE)  # no new jobs for an erased record
        # the jobs stay, anonymised: the fault and the work are there, the signatures are not
        jobs = await uow.jobs.list(customer_id=row.id)
        assert [j.number for j in jobs] == [closed.number, carried.number]
        assert jobs[0].fault == "不制冷 not cooling" and jobs[1].state is JobState.CANCELLED
        assert closed.id is not None and carried.id is not None
        assert [s.evidence for s in await uow.fieldwork.signoffs(closed.id)] == [None]
        assert [s.method for s in await uow.fieldwork.signoffs(closed.id)] == ["paper_photo"]
        quote = await uow.fieldwork.latest_quote(closed.id)
        assert quote is not None and quote.evidence is None and quote.status == "accepted"
        (receipt,) = await uow.fieldwork.receipts(carried.id)
        assert receipt.confirm_evidence is None and receipt.confirm_method == "paper_photo"
        assert await uow.outbox.to_customer(row.id) == []
        conn = uow.connection
        assert (await conn.execute(select(outbox).where(outbox.c.chat_id == USER))).all() == []
        assert (await conn.execute(select(buttons).where(buttons.c.user_id == USER))).all() == []
        assert (
            await conn.execute(select(invites).where(invites.c.customer_id == row.id))
        ).all() == []
        events = await uow.events.for_subject("customer", row.id)
        assert (events[-1].kind, events[-1].actor) == (CUSTOMER_ERASED, "cli:auditor")
        assert events[-1].payload["jobs"] == 2
        assert (await verify(conn)).ok
        assert await surveys.calls_due(uow, None) == []  # nobody to call any more
        # who saw the phone stays on record
        assert [a.shown for a in await accesses(uow, CODE)] == ["dispatch_card", "export"]

    await flow.read(after)
    assert _traces(await _db_blobs(store)) == []
    staff_name = b"Li Wei"  # a name kept in clear: the search does read the data
    assert any(staff_name in data for _, data in await _db_blobs(store))

    again = await erase(store, flow.clock, CODE, operator="someone else")
    assert again.already and again.at == erased.at

    async def count(uow: UnitOfWork) -> int:
        return await uow.events.count()

    before = await flow.read(count)
    # re-importing the company's customers leaves the erased record alone
    report = await import_file(
        store, "customers", EXAMPLES / "customers.csv", settings=flow.settings, clock=flow.clock
    )
    assert report.added == 0
    exported = await _export(flow)
    assert exported["customer"]["name"] == "" and exported["customer"]["phone"] == ""  # type: ignore[index]
    assert exported["customer"]["erased_at"] is not None  # type: ignore[index]
    assert await flow.read(count) >= before
    async with store.unit_of_work(readonly=True) as uow:
        assert (await verify(uow.connection)).ok
    await store.checkpoint()
    assert _traces(await _db_blobs(store)) == []
