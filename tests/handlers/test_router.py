"""The router checks a route's audience and permission once, before its handler runs: a
technician sending a supervisor's command, or pressing a button that needs a supervisor's
permission, gets the standard refusal and the handler is never called; a customer sending a
staff command is told it is not a command of theirs; a foreign button stays a stale alert."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from fieldbot.bot import app
from fieldbot.domain.permissions import Permission
from fieldbot.handlers.routes import action, command
from fieldbot.handlers.turn import Turn
from fieldbot.i18n import N_
from fieldbot.sandbox.driver import Sandbox

pytestmark = pytest.mark.e2e

REFUSAL = "You may not do that. Nothing was changed."


@pytest.fixture
async def sb() -> AsyncIterator[Sandbox]:
    async with Sandbox.start() as sandbox:
        yield sandbox


@pytest.fixture
async def calls(sb: Sandbox, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The bot restarted with spies: /new (register_job) and a button (dispatch) that record
    each call, and /offer (any staff) that shows that button."""
    called: list[str] = []

    async def new_spy(turn: Turn, _args: str) -> None:
        called.append(f"new:{turn.person.code}")
        await turn.reply(N_("Hello, {name}. You can:"), args={"name": "spy"})

    async def offer(turn: Turn, _args: str) -> None:
        await turn.reply(
            N_("Hello, {name}. You can:"),
            args={"name": "offer"},
            buttons=[[("Spy", "spy.press", {})]],
        )

    async def pressed(turn: Turn, _payload: dict[str, object]) -> None:
        called.append(f"press:{turn.person.code}")
        await turn.reply(N_("Hello, {name}. You can:"), args={"name": "pressed"})

    routes = app.build_routes().replaced(
        command("new", new_spy, "staff", Permission.REGISTER_JOB),
        command("offer", offer, "staff"),
        action("spy.press", pressed, "staff", Permission.DISPATCH),
    )
    monkeypatch.setattr(app, "build_routes", lambda: routes)
    await sb.restart_bot()
    return called


async def test_a_technician_sending_a_supervisor_command_is_refused_before_the_handler(
    sb: Sandbox, calls: list[str]
) -> None:
    tech = sb.phone(user_id=1001, name="Li Wei", language="en")
    await tech.start(await sb.invite("T02"))
    await tech.wait_for("Welcome")
    await tech.send("/new")
    await tech.wait_for(REFUSAL)
    assert calls == []
    sup = sb.phone(user_id=1002, name="Wang Fang", language="en")
    await sup.start(await sb.invite("S01"))
    await sup.send("/new")
    await sup.wait_for("spy")
    assert calls == ["new:S01"]


async def test_a_button_needing_a_permission_is_refused_before_the_handler(
    sb: Sandbox, calls: list[str]
) -> None:
    tech = sb.phone(user_id=1001, name="Li Wei", language="en")
    await tech.start(await sb.invite("T02"))
    await tech.send("/offer")
    await tech.wait_for("offer")
    await tech.tap("Spy")
    await tech.wait_for(REFUSAL)
    assert calls == []
    assert tech.alerts == []  # a refusal in the chat, not a stale button
    sup = sb.phone(user_id=1002, name="Wang Fang", language="en")
    await sup.start(await sb.invite("S01"))
    await sup.send("/offer")
    await sup.wait_for("offer")
    await sup.tap("Spy")
    await sup.wait_for("pressed")
    assert calls == ["press:S01"]


async def test_a_customer_sending_a_staff_command_is_told_it_is_no_command_of_theirs(
    sb: Sandbox, calls: list[str]
) -> None:
    bistro = sb.phone(user_id=3002, name="Bistro", language="en")
    await bistro.share_contact(phone="+8613901710002")
    await bistro.wait_for("registered as our customer")
    await bistro.send("/offer")
    await bistro.wait_for("I don't know that command")
    # /new is a customer's command too (their own request, DESIGN §5): the staff route is
    # never called for them
    await bistro.send("/new")
    await bistro.wait_for("Which unit")
    assert calls == []
