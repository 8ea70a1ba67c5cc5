"""Issue 11, missed is visible: the job card (/job NUMBER) says met or missed for every stopped
clock and marks a running clock already past its deadline; on the sandbox (SQLite and
PostgreSQL), Chinese and English."""

from __future__ import annotations

from typing import Any

from fieldbot.services import dispatch as dispatching
from tests.e2e.test_calls_queue import _call, _desk, _staff, db_url, local

__all__ = ["db_url"]


async def _dispatch_and_accept(sb: Any, number: str, technician: str, supervisor: str) -> None:
    bot: Any = sb.bots[0]
    async with bot.store.unit_of_work() as uow:
        await dispatching.dispatch(
            uow, bot.settings, bot.clock, job=number, technician=technician, actor=supervisor
        )
        await uow.commit()
    async with bot.store.unit_of_work() as uow:
        await dispatching.accept(uow, bot.settings, bot.clock, job=number, actor=technician)
        await uow.commit()


async def test_the_card_says_dispatch_met_or_missed_and_marks_a_late_arrival_in_chinese(
    db_url: str | None,
) -> None:
    async with _desk(db_url, local(14, 9)) as sb:
        sup = await _staff(sb, 2001, "S01", "王芳", "zh-hans")
        quick = (await _call(sb, "C001", local(14, 9))).number
        slow = (await _call(sb, "C001", local(14, 9))).number
        await _dispatch_and_accept(sb, quick, "T01", "S01")
        await sup.send(f"/job {quick}")
        card = await sup.wait_for(f"工单 {quick}：")
        assert "派工：达标（时限 2026-09-15 09:00）" in card.text
        assert "已超时" not in card.text
        await sb.clock.advance(hours=25)  # Tuesday 10:00: both past their deadlines
        await sup.send(f"/job {slow}")
        late = await sup.wait_for(f"工单 {slow}：")
        assert "已超时，将记为未达标" in late.text and "未达标（" not in late.text
        await sup.send(f"/job {quick}")
        arrival = await sup.wait_for(f"工单 {quick}：")
        assert "到达时限 2026-09-14 16:00 — 已超时，将记为未达标" in arrival.text
        await _dispatch_and_accept(sb, slow, "T02", "S01")
        await sup.send(f"/job {slow}")
        missed = await sup.wait_for(f"工单 {slow}：")
        assert "派工：未达标（时限 2026-09-15 09:00）" in missed.text


async def test_the_card_says_missed_in_english(db_url: str | None) -> None:
    async with _desk(db_url, local(14, 9)) as sb:
        sup = await _staff(sb, 2002, "S02", "David Chen", "en")
        number = (await _call(sb, "C004", local(14, 9))).number
        await sb.clock.advance(hours=25)
        await sup.send(f"/job {number}")
        late = await sup.wait_for(f"Job {number}: ")
        assert "past the deadline, it will be missed" in late.text
        await _dispatch_and_accept(sb, number, "T04", "S02")
        await sup.send(f"/job {number}")
        card = await sup.wait_for(f"Job {number}: ")
        assert "dispatch: missed (due 2026-09-15 09:00)" in card.text
