"""What a person may send (issue 9, DESIGN.md §6), each hole as a named test on the sandbox:
edited messages answer no prompt, free text is bounded and needs visible characters, what
was typed where a job number belongs is not echoed, and internal exception text never reaches
a person. On SQLite and PostgreSQL, in Chinese and English."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from fieldbot.domain.model import JobState, ServiceType
from fieldbot.repositories.jobs import JobRecord
from fieldbot.sandbox.driver import Phone, Sandbox
from fieldbot.services import dispatch, visit
from fieldbot.tables import metadata
from tests.e2e.test_technician_flow import (
    C003_SITE,
    FAST,
    FAST_LIMITS,
    job_now,
    new_job,
    run,
    staff,
)

pytestmark = pytest.mark.e2e

PHONE = "13601710003"  # C003's phone, typed where it does not belong
LONG = "x" * 4100
# Tables that are not business data: what the bot queues to send, and its buttons' tokens.
NOT_BUSINESS = frozenset({"outbox", "buttons"})


@pytest.fixture(params=["sqlite", "postgresql"])
async def sb(request: pytest.FixtureRequest) -> AsyncIterator[Sandbox]:
    db_url = request.getfixturevalue("pg_url") if request.param == "postgresql" else None
    async with Sandbox.start(db_url=db_url, settings=FAST, limits=FAST_LIMITS) as sandbox:
        yield sandbox


async def business_rows(sb: Sandbox) -> dict[str, list[str]]:
    """Every row of every business table (forms included), to compare before and after."""
    store: Any = sb.bots[0].store  # type: ignore[attr-defined]
    found: dict[str, list[str]] = {}
    async with store.engine.connect() as connection:
        for table in metadata.sorted_tables:
            if table.name in NOT_BUSINESS:
                continue
            rows = (await connection.execute(select(table))).all()
            found[table.name] = sorted(repr(tuple(row)) for row in rows)
    return found


def replies_since(phone: Phone, count: int) -> list[str]:
    return [m.text for m in phone.inbox[count:]]


async def _on_site(sb: Sandbox, technician: str) -> JobRecord:
    job = await new_job(sb, "C003", "CF21-0033", technician)
    await run(sb, dispatch.accept, job=job.id, actor=technician)
    at = sb.clock.now().replace(microsecond=0) + timedelta(minutes=30)
    await run(sb, visit.set_appointment, job=job.id, actor=technician, at=at)
    await run(sb, visit.arrive, job=job.id, actor=technician)
    return job


async def _form(sb: Sandbox, user_id: int) -> Any:
    store: Any = sb.bots[0].store  # type: ignore[attr-defined]
    async with store.unit_of_work(readonly=True) as uow:
        return await uow.forms.get(user_id)


# --- edited messages ----------------------------------------------------------------------------


async def test_an_edited_labour_fee_does_not_answer_the_other_fee_prompt(sb: Sandbox) -> None:
    tech = await staff(sb, "T02", 1002, "Li Wei", "en")
    job = await _on_site(sb, "T02")
    await tech.send("/jobs")  # one job: its card at once
    await tech.wait_for(job.number)
    await tech.tap("Finish")
    await tech.wait_for("what did you do")
    await tech.send("Replaced the gasket")
    await tech.wait_for("How many hours")
    await tech.send("1")
    await tech.wait_for("Parts used from your van")
    await tech.tap("No more parts")
    await tech.wait_for("Labour fee")
    labour = await tech.send("120")
    await tech.wait_for("Travel fee")
    await tech.send("0")
    await tech.wait_for("other fee")
    before = await business_rows(sb)

    await tech.edit(labour, "150")
    told = await tech.wait_for("edited message")
    assert "send the correction as a new message" in told.text
    assert await business_rows(sb) == before
    form = await _form(sb, 1002)
    assert form.step == "other" and form.data["fees"] == {"labour": 12000, "travel": 0}

    await tech.send("0")
    summary = await tech.wait_for("to be recorded")
    assert "¥120.00" in summary.text and "¥150.00" not in summary.text


async def test_an_edited_command_in_chinese_changes_nothing_and_is_not_echoed(
    sb: Sandbox,
) -> None:
    sup = await staff(sb, "S01", 2001, "王芳", "zh-hans")
    job = await new_job(sb, "C001", None, None)
    sent = await sup.send(f"/job {job.number}")
    await sup.wait_for(f"工单 {job.number}")
    before = await business_rows(sb)
    count = len(sup.inbox)
    await sup.edit(sent, f"/pause {job.number} arrival {PHONE}")
    told = await sup.wait_for("编辑过的消息")
    assert "新消息" in told.text
    assert await business_rows(sb) == before
    assert all(PHONE not in text for text in replies_since(sup, count))


async def test_a_live_location_moving_is_still_no_answer(sb: Sandbox) -> None:
    tech = await staff(sb, "T02", 1002, "Li Wei", "en")
    await tech.share_location(*C003_SITE, live_period=600)
    await tech.wait_for("None of your jobs is waiting")
    count = len(tech.inbox)
    await tech.move_location(C003_SITE[0] + 0.001, C003_SITE[1])
    assert len(tech.inbox) == count


# --- bounded text -------------------------------------------------------------------------------


async def test_long_command_arguments_get_what_was_expected_never_silence(sb: Sandbox) -> None:
    sup = await staff(sb, "S02", 2002, "David Chen", "en")
    job = await new_job(sb, "C004", None, None, supervisor="S02")
    before = await business_rows(sb)
    await sup.send(f"/job {LONG}")
    await sup.wait_for("Which job? Send /job and its number, e.g. /job J20260914-001")
    await sup.send(f"/resume {LONG}")
    await sup.wait_for("Write /resume NUMBER")
    await sup.send(f"/pause {LONG}")
    await sup.wait_for("Write /pause NUMBER")
    await sup.send(f"/pause {job.number} arrival {LONG}")
    await sup.wait_for("too long: at most 1000 characters")
    await sup.send(f"/override {job.number} type A {LONG}")
    await sup.wait_for("too long: at most 1000 characters")
    assert await business_rows(sb) == before
    assert not [m for m in sup.inbox if "could not be delivered" in m.text]
    assert all(LONG not in m.text for m in sup.inbox)


async def test_a_5000_character_part_search_is_refused_with_the_limit(sb: Sandbox) -> None:
    tech = await staff(sb, "T02", 1002, "Li Wei", "en")
    job = await _on_site(sb, "T02")
    await tech.send("/jobs")  # one job: its card at once
    await tech.wait_for(job.number)
    await tech.tap("Need a part")
    await tech.wait_for("Send its code or a part of its name")
    before = await business_rows(sb)
    await tech.send("P" * 5000)
    refused = await tech.wait_for("at most 1000 characters")
    assert "P" * 50 not in refused.text
    assert await business_rows(sb) == before


async def test_a_5000_character_decline_reason_is_refused_in_chinese(sb: Sandbox) -> None:
    tech = await staff(sb, "T03", 1003, "陈刚", "zh-hans")
    job = await new_job(sb, "C003", "CF21-0033", "T03")
    await tech.wait_for(job.number)
    await tech.tap("拒绝")
    await tech.tap("其他原因")
    await tech.wait_for("原因")
    before = await business_rows(sb)
    await tech.send("远" * 5000)
    await tech.wait_for("最多 1000 个字")
    assert await business_rows(sb) == before
    assert (await job_now(sb, job.id)).state is JobState.DISPATCHED
    await tech.send("车坏了")
    await tech.wait_for("退回")
    assert (await job_now(sb, job.id)).state is JobState.REGISTERED


# --- invisible reasons --------------------------------------------------------------------------


async def test_a_zero_width_pause_reason_is_refused_and_the_clock_keeps_running(
    sb: Sandbox,
) -> None:
    sup = await staff(sb, "S01", 2001, "王芳", "zh-hans")
    job = await new_job(sb, "C001", None, None)
    before = await business_rows(sb)
    await sup.send(f"/pause {job.number} arrival \u200b")
    await sup.wait_for("没有可见的文字")
    assert await business_rows(sb) == before
    await sup.send(f"/pause {job.number} arrival \u200b\u202e\ufeff")
    await sup.wait_for("没有可见的文字")
    assert await business_rows(sb) == before


async def test_an_invisible_override_reason_is_refused_and_the_type_stays(sb: Sandbox) -> None:
    sup = await staff(sb, "S02", 2002, "David Chen", "en")
    job = await new_job(sb, "C004", None, None, supervisor="S02")
    other = "B" if job.service_type is ServiceType.A else "A"
    before = await business_rows(sb)
    for invisible in ("\u200b", "\ufeff", "\x00", "\u202e", "\u3000", "\u2066\u2069\u200d"):
        await sup.send(f"/override {job.number} type {other} {invisible}")
        await sup.wait_for("no words in it")
        assert await business_rows(sb) == before
    assert (await job_now(sb, job.id)).service_type is job.service_type


# --- no echo ------------------------------------------------------------------------------------


async def test_a_phone_typed_where_a_job_number_belongs_is_not_echoed(sb: Sandbox) -> None:
    sup = await staff(sb, "S02", 2002, "David Chen", "en")
    await new_job(sb, "C004", None, None, supervisor="S02")
    count = len(sup.inbox)
    await sup.send(f"/job {PHONE}")
    await sup.wait_for("Send /job and its number, e.g. /job J20260914-001")
    await sup.send(f"/pause {PHONE} arrival customer away")
    await sup.wait_for("with a job number like J20260914-001")
    await sup.send(f"/resume {PHONE} arrival")
    await sup.wait_for("Write /resume NUMBER")
    await sup.send(f"/override {PHONE} type A wrong")
    await sup.wait_for("Write /override NUMBER")
    await sup.send(f"/job +86{PHONE}")
    await sup.wait_for("Send /job and its number")
    replies = replies_since(sup, count)
    assert len(replies) == 5 and all(PHONE not in text for text in replies)
    if sb.env.db_url.startswith("sqlite"):
        path = Path(sb.env.db_url.split("///", 1)[1])
        files = (path, path.with_name(f"{path.name}-wal"))
        data = b"".join(file.read_bytes() for file in files if file.exists())
        assert PHONE.encode() not in data


# --- internal text ------------------------------------------------------------------------------


async def test_a_location_at_latitude_91_gets_a_catalog_text_not_the_exception(
    sb: Sandbox,
) -> None:
    tech = await staff(sb, "T03", 1003, "陈刚", "zh-hans")
    job = await new_job(sb, "C003", "CF21-0033", "T03")
    await run(sb, dispatch.accept, job=job.id, actor="T03")
    at = sb.clock.now().replace(microsecond=0) + timedelta(minutes=30)
    await run(sb, visit.set_appointment, job=job.id, actor="T03", at=at)
    await tech.send("/jobs")  # one job: its card at once (remembered: an event of its own)
    card = await tech.wait_for(f"工单 {job.number} — ")
    before = await business_rows(sb)
    await tech.share_location(91.0, 121.45)  # no prompt: the nearest job waiting
    refused = await tech.wait_for("该位置无效")
    assert "coordinates" not in refused.text and "91" not in refused.text
    await tech.tap("已到达", message=card)
    await tech.wait_for("共享位置")
    await tech.share_location(91.0, 121.45)  # at the arrival prompt
    refused = await tech.wait_for("该位置无效")
    assert "coordinates" not in refused.text
    assert (await job_now(sb, job.id)).state is JobState.SCHEDULED
    after = await business_rows(sb)
    assert after["jobs"] == before["jobs"] and after["events"] == before["events"]
