"""Messages longer than Telegram allows arrive anyway: split at line breaks, the keyboard on
the last part, an edit shortened, a long caption continued as a message — and no
"undeliverable" alert to the supervisors (DESIGN §6: everything the bot sends fits)."""

from __future__ import annotations

import csv
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

import fieldbot
from fieldbot.repositories.outbox import OutboxRepository
from fieldbot.sandbox.driver import Phone, Sandbox
from fieldbot.sandbox.limits import Limits
from fieldbot.services import dispatch
from fieldbot.services.jobs import register_job

pytestmark = pytest.mark.e2e

FAST = {"send_rate_per_chat": 100, "send_burst_per_chat": 100}
FAST_LIMITS = Limits(per_chat_rate=100.0, per_chat_burst=100)
# A customer whose registered name is long (a company's full name with its branch and
# department) at the 200 characters an import takes: 22 jobs of theirs make a job list of
# ~5,000 characters.
LONG_NAME = ("Blue Harbour Bistro 蓝港餐饮管理（上海）有限公司静安分公司 ☕ " * 5)[:199] + "店"
JOBS = 22
UNDELIVERABLE = re.compile("无法送达|undeliverable", re.IGNORECASE)


def _company(tmp_path: Path) -> str:
    """The sample company, with customer C002 under a long name."""
    source = Path(fieldbot.__file__).parent / "examples"
    target = tmp_path / "company"
    shutil.copytree(source, target)
    path = target / "customers.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if row["code"] == "C002":
            row["name"] = LONG_NAME
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return str(target)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str | None:
    if request.param == "sqlite":
        return None
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
async def sb(tmp_path: Path, db_url: str | None) -> AsyncIterator[Sandbox]:
    async with Sandbox.start(
        db_url=db_url, company=_company(tmp_path), settings=FAST, limits=FAST_LIMITS
    ) as sandbox:
        yield sandbox


async def _staff(sb: Sandbox, code: str, user_id: int, name: str, language: str) -> Phone:
    phone = sb.phone(user_id=user_id, name=name, language=language)
    await phone.start(await sb.invite(code))
    await phone.wait_for(re.compile("Welcome|欢迎"))
    return phone


async def _no_undeliverable(sb: Sandbox, *phones: Phone) -> None:
    store = sb.bots[0].store  # type: ignore[attr-defined]
    async with store.unit_of_work(readonly=True) as uow:
        failed = await uow.outbox.messages(status="failed")
    assert failed == []
    for phone in phones:
        assert not [m.text for m in phone.inbox if UNDELIVERABLE.search(m.text)]


async def _enqueue(sb: Sandbox, code: str, template: str, params: dict[str, Any], **kw: Any) -> int:
    runtime = sb.bots[0]
    store = runtime.store  # type: ignore[attr-defined]
    async with store.unit_of_work() as uow:
        row = await uow.staff.row(code)
        assert row is not None and row.chat_id is not None
        outbox_id = await uow.outbox.enqueue(
            chat_id=row.chat_id,
            recipient_kind="staff",
            recipient_id=row.id,
            template=template,
            params=params,
            now=sb.clock.now(),
            priority=OutboxRepository.PRIORITY_NORMAL,
            **kw,
        )
        await uow.commit()
    assert outbox_id is not None
    runtime.sender.wake()  # type: ignore[attr-defined]
    await sb.settle()
    return outbox_id


async def test_a_job_list_too_long_for_one_message_arrives_whole_in_parts_buttons_on_the_last(
    sb: Sandbox,
) -> None:
    sup = await _staff(sb, "S01", 2001, "王芳", "zh-hans")
    tech = await _staff(sb, "T02", 1002, "Li Wei", "en")
    bot: Any = sb.bots[0]
    numbers = []
    async with bot.store.unit_of_work() as uow:
        for _ in range(JOBS):
            job = await register_job(
                uow,
                bot.deps.settings,
                bot.clock,
                customer="C002",
                equipment=None,
                kind="repair",
                priority="general",
                fault="no steam",
                actor="staff:test",
            )
            await dispatch.dispatch(
                uow, bot.deps.settings, bot.clock, job=job.id, technician="T02", actor="S01"
            )
            numbers.append(job.number)
        await uow.commit()
    bot.sender.wake()
    await sb.settle()
    before = len(tech.inbox)

    await tech.send("/jobs")
    await tech.wait_for("… and 2 more")
    parts = tech.inbox[before:]
    assert len(parts) >= 2, [len(p.text) for p in parts]
    assert parts[0].text.startswith(f"Your open jobs: {JOBS}")
    assert all(len(p.text) <= 4096 for p in parts)
    whole = "\n".join(p.text for p in parts)
    assert whole.count(LONG_NAME) == 20  # every line shown, none cut in two
    assert all(not p.buttons for p in parts[:-1])
    assert len(parts[-1].buttons) == 20  # one button per job shown, on the last part
    await tech.tap(parts[-1].buttons[0][0])  # the newest message with buttons: the last part
    await tech.wait_for(f"Job {parts[-1].buttons[0][0]} — ")
    await _no_undeliverable(sb, sup)


async def test_a_long_notice_in_chinese_arrives_split_and_its_edit_is_shortened(
    sb: Sandbox,
) -> None:
    sup = await _staff(sb, "S01", 2001, "王芳", "zh-hans")
    reason = ("客户要求改期，原因是店内装修，需要与物业协调进场时间。" * 40)[:1000]
    lines = [
        {
            "t": "Job {number}: declined by {name}: {reason}",
            "args": {"number": n, "name": "陈刚", "reason": reason},
        }
        for n in ("J1", "J2", "J3", "J4", "J5", "J6")
    ]
    params = {"lines": lines, "buttons": [[{"label": "Acknowledge", "token": "ack-token"}]]}
    before = len(sup.inbox)
    outbox_id = await _enqueue(sb, "S01", "@lines", params)
    parts = sup.inbox[before:]
    assert len(parts) == 2
    assert all(len(p.text) <= 4096 for p in parts)
    assert "".join("".join(p.text for p in parts).split()).count("".join(reason.split())) == 6
    assert parts[0].buttons == [] and parts[1].buttons == [["已知悉"]]

    # An edit cannot be split: the card the keyboard is on is replaced by a shortened text.
    await _enqueue(sb, "S01", "@lines", params, method="edit", ref_outbox_id=outbox_id)
    edited = next(m for m in sup.inbox if m.id == parts[1].id)
    assert edited.edited and len(edited.text) <= 4096 and edited.text.endswith("…")
    assert edited.buttons == [["已知悉"]]
    await _no_undeliverable(sb, sup)


async def test_a_qr_code_with_a_caption_too_long_keeps_its_photo_and_sends_the_rest_after(
    sb: Sandbox,
) -> None:
    sup = await _staff(sb, "S01", 2001, "王芳", "zh-hans")
    tech = await _staff(sb, "T02", 1002, "Li Wei", "en")
    fault = ("The ice maker stops after ten minutes and shows E7; 制冰机十分钟后停机。 " * 30)[
        :1000
    ]
    params = {
        "lines": [
            {"t": "Fault: {fault}", "args": {"fault": fault}},
            {"t": "Work: {work}", "args": {"work": fault}},
        ],
        "qr": "https://t.me/fieldbot_bot?start=signoff-test",
        "buttons": [[{"label": "Acknowledge", "token": "ack-token"}]],
    }
    before = len(tech.inbox)
    await _enqueue(sb, "T02", "@lines", params)
    photo, *rest = tech.inbox[before:]
    assert photo.photo is not None and 0 < len(photo.text) <= 1024
    assert photo.text.startswith("Fault: ")
    assert rest and rest[-1].buttons == [["Acknowledge"]]
    assert (
        "".join("".join(m.text for m in [photo, *rest]).split()).count("".join(fault.split())) == 2
    )
    await _no_undeliverable(sb, sup)
