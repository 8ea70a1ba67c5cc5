"""Issue 12, what customers are told (DESIGN.md §5): each step of their job in their language,
with the technician's name and never a phone; /mute silences the informational notices but
never the sign-off; /status shows their open jobs with the next step and those closed in the
last 90 days, never another customer's. End to end on the sandbox, SQLite and PostgreSQL."""

from __future__ import annotations

import re
from typing import Any

import pytest

from fieldbot.services import dispatch
from tests.e2e.scenarios import C003_SITE
from tests.e2e.test_customer_requests import _customer, _number, local
from tests.e2e.test_deadline_holds import _call, _desk, _staff, db_url
from tests.e2e.test_technician_flow import finish_form

pytestmark = pytest.mark.e2e

__all__ = ["db_url"]  # the fixture, parametrized over SQLite and PostgreSQL

INFORMATIONAL = ("on the way to you", "has arrived", "is complete")


async def test_each_step_is_told_mute_keeps_the_signoff_and_status_shows_closed_jobs(
    db_url: str | None,
) -> None:
    async with _desk(db_url, local(9, 14, 9)) as sb:
        bot: Any = sb.bots[0]
        await _staff(sb, 2001, "S01", "王芳", "zh-hans")
        tech = await _staff(sb, 1002, "T02", "Li Wei", "en")
        cafe = await _customer(sb, 5003, "Bund Corner", "+8613601710003", "en")
        bistro = await _customer(sb, 5002, "Blue Harbour", "+8613901710002", "en")

        # one unit: the question of which is not asked
        await cafe.send("/new")
        await cafe.wait_for("What is wrong with Espresso Compact 1G 单头咖啡机 CF21-0033?")
        await cafe.send("The steam wand is blocked")
        await cafe.tap("general")
        number = _number((await cafe.wait_for("registered as job")).text)
        async with bot.store.unit_of_work() as uow:
            await dispatch.dispatch(
                uow, bot.settings, bot.clock, job=number, technician="T02", actor="S01"
            )
            await uow.commit()
        await tech.wait_for("New job")
        await tech.tap("Accept")
        await cafe.wait_for(f"Job {number}: Li Wei is your technician")
        await tech.wait_for("When will you be there")
        await tech.tap("In 1 h")
        await cafe.wait_for(f"Job {number}: Li Wei will visit you at")

        await cafe.send("/mute")
        await cafe.wait_for("I will not send you the informational notices")
        await tech.tap("On my way")
        await tech.wait_for("on your way")
        await tech.tap("Arrived")
        await tech.wait_for("share your location")
        await tech.share_location(*C003_SITE)
        await tech.wait_for("arrival verified")
        await finish_form(
            tech, work="Cleared the steam wand", hours="0.5", parts=[], fees=("100", "0", "0")
        )
        await tech.tap("Submit")
        await tech.wait_for("asked to confirm")
        ask = await cafe.wait_for(f"Please confirm job {number}")  # never muted
        assert "¥100.00" in ask.text
        assert not [m for m in cafe.inbox if any(t in m.text for t in INFORMATIONAL)]
        await cafe.send("/status")
        status = await cafe.wait_for("Your service jobs")
        assert number in status.text and "awaiting sign-off" in status.text
        assert "next: please confirm the work" in status.text
        assert "Step notices are muted" in status.text

        await cafe.send("/unmute")
        await cafe.wait_for("I will tell you again")
        await cafe.tap("Confirm", message=ask)
        await cafe.wait_for("You confirmed job")
        await tech.send("/jobs")
        await tech.wait_for("signed off")
        await tech.tap("Cash collected")
        await cafe.wait_for(f"Job {number} is complete")
        assert all("13761880012" not in m.text for m in cafe.inbox)  # the technician's phone

        # a job registered by staff tells its customer; /status is theirs only
        other = await _call(sb, "C002")
        await bistro.wait_for(f"Job {other.number} is registered for you")
        await bistro.send("/status")
        theirs = await bistro.wait_for("Your service jobs")
        assert other.number in theirs.text and number not in theirs.text
        assert "next: we are finding a technician for you" in theirs.text
        await cafe.send("/status")
        mine = await cafe.wait_for(re.compile("Closed in the last 90 days"))
        assert number in mine.text and "closed 2026-09-14" in mine.text
        assert other.number not in mine.text

        await sb.clock.advance(days=91)
        await cafe.send("/status")
        await cafe.wait_for("You have no service jobs with us yet.")
