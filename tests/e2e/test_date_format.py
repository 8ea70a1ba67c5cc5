"""One date format in both languages (issue 11): dates and times read ``2026-09-14 16:00``,
a weekday following appointments and deadlines, never "9/14/26, 4:00 PM" nor "2026/9/14"."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from fieldbot.sandbox.driver import Phone, Sandbox
from fieldbot.services import dispatch, visit
from tests.e2e.test_technician_flow import (
    FAST,
    FAST_LIMITS,
    customer,
    new_job,
    run,
    staff,
)

pytestmark = pytest.mark.e2e

SHANGHAI = ZoneInfo("Asia/Shanghai")
APPOINTMENT = datetime(2026, 9, 14, 14, 0, tzinfo=SHANGHAI)  # the sandbox starts 08:30 Monday
RENEWAL_SWEEP = datetime(2026, 9, 14, 9, 0, tzinfo=SHANGHAI)
# The formats this issue replaces: US order with a two-digit year and a 12-hour clock (en),
# slashes without leading zeros (zh_CN).
OLD_FORMATS = re.compile(r"\d{1,2}/\d{1,2}/\d{2}\b|\b[AP]M\b|\d{4}/\d{1,2}/\d{1,2}")


@pytest.fixture(params=["sqlite", "postgresql"])
async def sb(request: pytest.FixtureRequest) -> AsyncIterator[Sandbox]:
    db_url = request.getfixturevalue("pg_url") if request.param == "postgresql" else None
    async with Sandbox.start(db_url=db_url, settings=FAST, limits=FAST_LIMITS) as sandbox:
        yield sandbox


async def to_english(phone: Phone) -> None:
    await phone.send("/lang")
    await phone.wait_for(re.compile("Choose your language|语言"))
    await phone.tap("English")
    await phone.wait_for("speak English")


def read_the_new_way(*texts: str) -> None:
    for text in texts:
        assert not OLD_FORMATS.search(text), text


async def test_chinese_dispatch_card_appointment_and_renewal_read_2026_09_14_16_00(
    sb: Sandbox,
) -> None:
    s01 = await staff(sb, "S01", 2001, "王芳", "zh-hans")
    t01 = await staff(sb, "T01", 1001, "张磊", "zh-hans")
    diner = await customer(sb, "+862163281001", 5001, "李记")  # C001, zh_CN
    hotel = await customer(sb, "+862164151005", 5005, "和悦")  # C005, zh_CN

    job = await new_job(sb, "C001", "RF25-0001", technician="T01")
    card = await t01.wait_for(job.number)
    assert "派工时限 2026-09-15 08:30（周二）；到达时限 2026-09-14 16:00（周一）。" in card.text
    assert "保修至 2027-11-19" in card.text  # a calendar date: no time, no weekday

    await run(sb, dispatch.accept, job=job.id, actor="T01")
    await run(sb, visit.set_appointment, job=job.id, actor="T01", at=APPOINTMENT)
    told = await diner.wait_for(re.compile(f"工单 {job.number}：.* 将于 "))
    assert "将于 2026-09-14 14:00（周一） 上门" in told.text

    await sb.clock.advance_to(RENEWAL_SWEEP)
    notice = await hotel.wait_for("保养合同")
    assert "MC-2025-005 将于 2026-10-08 到期" in notice.text
    staff_notice = await s01.wait_for(re.compile("和悦大酒店的合同 MC-2025-005"))
    assert "将于 2026-10-08 到期" in staff_notice.text
    read_the_new_way(card.text, told.text, notice.text, staff_notice.text)


async def test_english_dispatch_card_appointment_and_renewal_read_2026_09_14_16_00(
    sb: Sandbox,
) -> None:
    s01 = await staff(sb, "S01", 2001, "Wang Fang", "en")
    await to_english(s01)  # S01's record says zh_CN
    t02 = await staff(sb, "T02", 1002, "Li Wei", "en")
    cafe = await customer(sb, "+8613601710003", 5003, "Bund Corner")  # C003, en
    hotel = await customer(sb, "+862164151005", 5005, "Heyue")  # C005, zh_CN
    await to_english(hotel)

    job = await new_job(sb, "C003", "CF21-0033", technician="T02")
    card = await t02.wait_for("New job")
    assert "Dispatch by 2026-09-15 08:30 (Tue); arrive by 2026-09-14 16:00 (Mon)." in card.text

    await run(sb, dispatch.accept, job=job.id, actor="T02")
    await run(sb, visit.set_appointment, job=job.id, actor="T02", at=APPOINTMENT)
    told = await cafe.wait_for("Li Wei will visit you")
    assert f"Job {job.number}: Li Wei will visit you at 2026-09-14 14:00 (Mon)." in told.text

    await sb.clock.advance_to(RENEWAL_SWEEP)
    notice = await hotel.wait_for("maintenance contract")
    assert "Your maintenance contract MC-2025-005 ends on 2026-10-08." in notice.text
    staff_notice = await s01.wait_for(re.compile("Contract MC-2025-005 of"))
    assert "ends on 2026-10-08: please arrange its renewal." in staff_notice.text
    read_the_new_way(card.text, told.text, notice.text, staff_notice.text)
