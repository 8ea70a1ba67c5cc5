"""The dispatch card on the technician's phone carries what the visit needs."""

from __future__ import annotations

import pytest

from fieldbot.sandbox.driver import Sandbox
from tests.e2e.test_technician_flow import FAST, FAST_LIMITS, new_job, staff

pytestmark = pytest.mark.e2e


async def test_the_dispatch_card_has_contact_unit_deadlines_and_a_location_pin() -> None:
    async with Sandbox.start(settings=FAST, limits=FAST_LIMITS) as sb:
        await staff(sb, "S01", 2001, "王芳", "zh-hans")
        tech = await staff(sb, "T01", 1001, "张磊", "zh-hans")
        job = await new_job(sb, "C001", "RF25-0001", technician="T01")
        card = await tech.wait_for(job.number)
        assert "李记餐厅" in card.text and "+862163281001" in card.text
        assert "上海市黄浦区云南南路118号" in card.text
        assert "RF25-0001 FR-1200 立式双门冷藏柜，保修至 2027-11-19" in card.text
        assert "服务类型 C" in card.text and "到达时限 2026-09-14" in card.text
        assert card.buttons == [["接受", "拒绝"]]
        pin = tech.inbox[-1]
        assert pin.location == (31.2297, 121.4803)
