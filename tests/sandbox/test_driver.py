"""The §9 driver, driven against a small fake bot built on python-telegram-bot."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sandbox_fake_bot import PNG, FakeState, fake_factory

from fieldbot.sandbox.driver import DEFAULT_NOW, Alert, Sandbox, SettleTimeout
from fieldbot.sandbox.limits import Limits
from fieldbot.sandbox.world import InvalidDeepLink


@pytest.fixture
def state() -> FakeState:
    return FakeState()


@pytest.fixture
async def sb(state: FakeState) -> AsyncIterator[Sandbox]:
    # The fake bot does not pace its sends as fieldbot's sender does.
    relaxed = Limits(per_chat_burst=100)
    async with Sandbox.start(factory=fake_factory(state), limits=relaxed) as sandbox:
        yield sandbox


async def test_start_with_payload_reaches_the_bot_and_the_reply_is_in_the_inbox(
    sb: Sandbox, state: FakeState
) -> None:
    phone = sb.phone(user_id=1001, name="Li Wei", language="en")
    await phone.start(await sb.invite("T02"))

    msg = await phone.wait_for("Welcome")
    assert msg.text == "Welcome Li Wei! payload=inv_T02"
    assert msg.buttons == [["Accept", "Decline"], ["Open again", "Website"]]
    assert msg.edited is False and msg.photo is None and msg.location is None
    assert state.handled == [(1, "start inv_T02")]
    assert [m.text for m in phone.inbox] == [msg.text]


async def test_actions_return_only_after_the_bot_has_answered(sb: Sandbox) -> None:
    phone = sb.phone(1001, "Li Wei", "en")
    await phone.start()
    await phone.send("hello")
    # No wait_for: settle() inside send() already waited for the reply.
    assert [m.text for m in phone.inbox][-1] == "echo: hello"


async def test_wait_for_moves_a_cursor_past_the_message_it_returned(sb: Sandbox) -> None:
    phone = sb.phone(1001, "Li Wei", "en")
    await phone.start()
    await phone.send("/twice")

    first = await phone.wait_for("ping")
    second = await phone.wait_for("ping")
    assert (first.text, second.text) == ("ping 1", "ping 2")
    with pytest.raises(AssertionError) as missed:
        await phone.wait_for("ping", timeout=0.05)
    assert "ping 2" in str(missed.value)  # the phone's last messages are shown


async def test_wait_for_accepts_a_pattern_and_skips_what_is_before_the_cursor(
    sb: Sandbox,
) -> None:
    phone = sb.phone(1001, "Li Wei", "en")
    await phone.start()
    await phone.send("one")
    await phone.send("two")
    assert (await phone.wait_for(re.compile(r"echo: t\w+"))).text == "echo: two"
    with pytest.raises(AssertionError):
        await phone.wait_for("echo: one", timeout=0.05)


async def test_wait_for_returns_a_message_the_bot_sends_later(sb: Sandbox) -> None:
    phone = sb.phone(1001, "Li Wei", "en")
    await phone.start()
    waiting = asyncio.create_task(phone.wait_for("echo: late"))
    await asyncio.sleep(0)
    assert not waiting.done()
    sb.server.world.send_text(1001, "late")  # without the phone's own settle
    assert (await waiting).text == "echo: late"


async def test_tap_presses_the_button_and_the_edit_is_seen_by_wait_for(
    sb: Sandbox, state: FakeState
) -> None:
    phone = sb.phone(1001, "Li Wei", "en")
    await phone.start()
    welcome = await phone.wait_for("Welcome")

    await phone.tap("Accept")
    edited = await phone.wait_for("Accepted")
    assert edited.id == welcome.id and edited.edited is True
    assert edited.buttons == [["On my way"]]
    assert [m.text for m in phone.inbox] == ["Accepted"]  # edits applied in place

    await phone.tap(re.compile(r"my way"))
    assert (await phone.wait_for("On the way")).buttons == []
    assert [w for _, w in state.handled if w.startswith("button")] == [
        "button accept",
        "button omw",
    ]
    assert all(q.answered for q in sb.server.world.callback_queries.values())


async def test_tap_uses_the_newest_message_with_buttons_and_a_miss_lists_its_labels(
    sb: Sandbox,
) -> None:
    phone = sb.phone(1001, "Li Wei", "en")
    await phone.start()
    await phone.tap("Accept")  # the welcome now shows only "On my way"
    with pytest.raises(AssertionError) as missed:
        await phone.tap("Decline")
    assert "On my way" in str(missed.value) and "Decline" in str(missed.value)


async def test_tap_with_a_message_presses_that_earlier_message_not_the_newest(
    sb: Sandbox, state: FakeState
) -> None:
    phone = sb.phone(1001, "Li Wei", "en")
    await phone.start("first")
    first = await phone.wait_for("payload=first")
    await phone.start("second")
    second = await phone.wait_for("payload=second")

    await phone.tap("Accept", message=first)
    edited = await phone.wait_for("Accepted")
    assert edited.id == first.id != second.id
    newest = phone.inbox[-1]
    assert newest.id == second.id and newest.buttons[0] == ["Accept", "Decline"]
    # the keyboard as it is now: the edit took "Decline" off the first message
    with pytest.raises(AssertionError) as missed:
        await phone.tap("Decline", message=first)
    assert "that message" in str(missed.value) and "On my way" in str(missed.value)
    await phone.tap(re.compile("my way"), message=first)
    assert [w for _, w in state.handled if w.startswith("button")] == [
        "button accept",
        "button omw",
    ]
    assert phone.inbox[-1].text == "Welcome Li Wei! payload=second"


async def test_tap_refuses_a_message_of_another_phone(sb: Sandbox, state: FakeState) -> None:
    li = sb.phone(1001, "Li Wei", "en")
    await li.start()
    welcome = await li.wait_for("Welcome")
    wang = sb.phone(1002, "Wang Fang", "zh-hans")
    await wang.start()
    with pytest.raises(AssertionError, match="not to this phone"):
        await wang.tap("Accept", message=welcome)
    assert [w for _, w in state.handled if w.startswith("button")] == []


async def test_alerts_are_the_answers_with_a_text_to_this_phone_newest_last(sb: Sandbox) -> None:
    li = sb.phone(1001, "Li Wei", "en")
    wang = sb.phone(1002, "Wang Fang", "zh-hans")
    await li.start()
    await wang.start()
    await li.tap("Decline")  # answered with a pop-up to dismiss
    await li.tap("Accept")  # answered without a text: nothing to show
    assert li.alerts == [Alert("You declined", show_alert=True)]
    await li.tap("On my way")  # a short notice
    assert li.alerts == [Alert("You declined", True), Alert("Drive safely", False)]
    assert str(li.alerts[-1]) == "Drive safely"
    assert wang.alerts == []
    await wang.tap("Decline")
    assert wang.alerts == [Alert("You declined", True)] and len(li.alerts) == 2


async def test_tap_without_any_buttons_fails_clearly(sb: Sandbox) -> None:
    phone = sb.phone(1001, "Li Wei", "en")
    with pytest.raises(AssertionError, match="no message with inline buttons"):
        await phone.tap("Accept")


async def test_tapping_a_deep_link_to_the_bot_sends_its_start_payload(
    sb: Sandbox, state: FakeState
) -> None:
    phone = sb.phone(1001, "Li Wei", "en")
    await phone.start()
    await phone.tap("Open again")
    assert (1, "start again") in state.handled
    assert phone.inbox[-1].text == "Welcome Li Wei! payload=again"


async def test_tapping_an_outside_url_only_opens_it(sb: Sandbox, state: FakeState) -> None:
    phone = sb.phone(1001, "Li Wei", "en")
    await phone.start()
    handled = len(state.handled)
    await phone.tap("Website")
    assert phone.opened_urls == ["https://example.com/help"]
    assert len(state.handled) == handled


async def test_start_refuses_a_payload_telegram_would_drop(sb: Sandbox) -> None:
    phone = sb.phone(1001, "Li Wei", "en")
    with pytest.raises(InvalidDeepLink):
        await phone.start("has space")
    with pytest.raises(InvalidDeepLink):
        await phone.start("x" * 65)
    await phone.start("x" * 64)
    assert phone.inbox[-1].text.endswith("x" * 64)


async def test_location_live_location_and_contact_reach_the_bot(sb: Sandbox) -> None:
    phone = sb.phone(1001, "Li Wei", "en")
    await phone.start()
    await phone.share_location(31.23, 121.47)
    assert phone.inbox[-1].text == "location 31.2300,121.4700"

    await phone.share_location(31.0, 121.0, live_period=900)
    await phone.move_location(31.01, 121.02)
    assert phone.inbox[-1].text == "moved 31.0100,121.0200"

    await phone.share_contact(phone="+8613800000000")
    assert phone.inbox[-1].text == "contact +8613800000000 of 1001 from 1001"
    await phone.share_contact(phone="8613900000000", user_id=2002)
    assert phone.inbox[-1].text == "contact 8613900000000 of 2002 from 1001"


async def test_photos_documents_and_locations_from_the_bot_are_readable(
    sb: Sandbox, tmp_path: Path
) -> None:
    phone = sb.phone(1001, "Li Wei", "en")
    await phone.start()
    await phone.send("/photo")
    assert phone.inbox[-1].photo == PNG and phone.inbox[-1].text == "a photo"
    await phone.send("/doc")
    doc = phone.inbox[-1]
    assert (doc.document, doc.document_name, doc.text) == (
        b"report body",
        "report.txt",
        "the report",
    )
    await phone.send("/where")
    assert phone.inbox[-1].location == (31.2304, 121.4737)

    picture = tmp_path / "site.png"
    picture.write_bytes(PNG + b"tail")
    await phone.send_photo(picture, caption="signed")
    back = phone.inbox[-1]
    assert back.document == PNG + b"tail" and back.text == f"photo {len(PNG) + 4} bytes signed"


async def test_reply_keyboard_and_html_text_are_shown_as_the_person_sees_them(
    sb: Sandbox,
) -> None:
    phone = sb.phone(1001, "Li Wei", "en")
    await phone.start()
    await phone.send("/keyboard")
    assert phone.inbox[-1].reply_buttons == [["Share contact"], ["Share location", "Cancel"]]
    await phone.send("/html")
    html = phone.inbox[-1]
    assert html.text == "Job J20260914-001 & ¥1,234.50"
    assert html.html == "<b>Job</b> J20260914-001 &amp; ¥1,234.50"


async def test_advance_steps_through_every_due_instant_in_order(
    sb: Sandbox, state: FakeState
) -> None:
    phone = sb.phone(1001, "Li Wei", "en")
    await phone.start()
    start = sb.clock.now()
    state.schedule = [
        (start + timedelta(minutes=90), 1001, "second"),
        (start + timedelta(minutes=30), 1001, "first"),
        (start + timedelta(hours=5), 1001, "too late"),
    ]

    await sb.clock.advance(timedelta(hours=1), minutes=60)

    assert sb.clock.now() == start + timedelta(hours=2)
    assert [now for _, now in state.runs] == [
        start + timedelta(minutes=30),
        start + timedelta(minutes=90),
        start + timedelta(hours=2),
    ]
    texts = [m.text for m in phone.inbox][-2:]
    assert texts == [
        f"first at {(start + timedelta(minutes=30)).isoformat()}",
        f"second at {(start + timedelta(minutes=90)).isoformat()}",
    ]
    assert [item[2] for item in state.schedule] == ["too late"]


async def test_advance_to_reaches_the_instant_and_messages_carry_simulated_dates(
    sb: Sandbox,
) -> None:
    phone = sb.phone(1001, "Li Wei", "en")
    target = datetime(2026, 9, 15, 9, 0, tzinfo=UTC)
    assert await sb.clock.advance_to(target) == target
    await phone.start()
    message = next(iter(sb.server.world.chats[1001].messages.values()))
    assert message.date == int(target.timestamp())
    with pytest.raises(ValueError, match="backwards"):
        await sb.clock.advance_to(target - timedelta(seconds=1))


async def test_advance_refuses_a_bot_whose_next_due_never_moves(
    sb: Sandbox, state: FakeState
) -> None:
    state.stuck_due = True
    with pytest.raises(AssertionError, match="next_due"):
        await sb.clock.advance(minutes=5)


async def test_settle_times_out_with_what_is_still_busy(sb: Sandbox, state: FakeState) -> None:
    state.force_busy = True
    with pytest.raises(SettleTimeout, match="not idle"):
        await sb.settle(timeout=0.05)
    state.force_busy = False
    await sb.settle()


async def test_faults_are_armed_through_the_sandbox(sb: Sandbox, state: FakeState) -> None:
    phone = sb.phone(1001, "Li Wei", "en")
    await phone.start()
    sb.faults.fail_next("sendMessage", status=500)
    await phone.send("lost")
    assert phone.inbox[-1].text != "echo: lost"
    assert sb.server.calls("sendMessage")[-1] == 500
    assert any("Internal Server Error" in error for error in state.errors)

    sb.faults.drop_next("sendmessage")
    await phone.send("dropped")
    assert sb.server.calls("sendMessage")[-1] == 0
    await phone.send("fine")
    assert phone.inbox[-1].text == "echo: fine"


async def test_blocked_phone_makes_the_bots_sends_fail_with_403(
    sb: Sandbox, state: FakeState
) -> None:
    phone = sb.phone(1001, "Li Wei", "en")
    await phone.start()
    await phone.block()
    sb.server.world.send_text(1001, "are you there")  # a message sent before blocking
    await sb.settle()
    assert sb.server.calls("sendMessage")[-1] == 403
    assert any("blocked" in error for error in state.errors)
    await phone.unblock()
    await phone.send("back")
    assert phone.inbox[-1].text == "echo: back"


async def test_restart_kills_the_bot_and_an_unconfirmed_update_is_handled_again(
    sb: Sandbox, state: FakeState
) -> None:
    phone = sb.phone(1001, "Li Wei", "en")
    await phone.start()
    first = sb.bots[0]
    sb.server.world.send_text(1001, "/hang")
    await state.hanging.wait()

    second = await sb.restart_bot()

    assert second is not first and sb.bots == (second,)
    assert [what for _, what in state.handled].count("hang") == 2  # at least once
    assert phone.inbox[-1].text == "done hanging"
    await phone.send("after restart")
    assert phone.inbox[-1].text == "echo: after restart"


async def test_a_second_polling_instance_meets_409_and_every_update_is_still_handled(
    sb: Sandbox, state: FakeState
) -> None:
    phone = sb.phone(1001, "Li Wei", "en")
    await phone.start()
    await sb.spawn_bot()
    assert state.started == [1, 2] and len(sb.bots) == 2
    deadline = asyncio.get_running_loop().time() + 5
    while 409 not in sb.server.calls("getUpdates"):
        assert asyncio.get_running_loop().time() < deadline, "no 409 for the second poller"
        await asyncio.sleep(0.01)

    for word in ("a", "b", "c"):
        await phone.send(word)
    echoes = [m.text for m in phone.inbox if m.text.startswith("echo")]
    # As on Telegram, two pollers may both fetch an update not yet confirmed: at least once.
    assert list(dict.fromkeys(echoes)) == ["echo: a", "echo: b", "echo: c"]


async def test_phone_is_created_once_per_user(sb: Sandbox) -> None:
    assert sb.phone(1001, "Li Wei", "en") is sb.phone(1001, "Li Wei", "en")
    assert sb.server.world.users[1001].language_code == "en"


async def test_start_defaults_to_monday_morning_in_shanghai_and_a_temporary_sqlite_file(
    state: FakeState,
) -> None:
    seen: list[tuple[str, str, dict[str, Any]]] = []

    async def prepare(db_url: str, company: str, settings: dict[str, Any]) -> None:
        seen.append((db_url, company, settings))

    async with Sandbox.start(factory=fake_factory(state), prepare=prepare) as sb:
        assert sb.clock.now() == DEFAULT_NOW
        assert DEFAULT_NOW.isoformat() == "2026-09-14T08:30:00+08:00"
        db_url = sb.db_url
        assert db_url.startswith("sqlite+aiosqlite:///")
        directory = Path(db_url.removeprefix("sqlite+aiosqlite:///")).parent
        assert directory.is_dir()
        assert sb.base_url.startswith("http://127.0.0.1:") and sb.token == sb.env.token
        assert sb.env.settings["bot_api_url"] == sb.base_url
        assert len(sb.env.settings["encryption_key"]) == 44
        assert sb.env.environ()["FIELDBOT_CLOCK"] == "sandbox"
    assert seen == [(db_url, "examples", sb.env.settings)]
    assert not directory.exists()


async def test_db_url_is_the_database_the_bot_was_given_and_prepared(
    state: FakeState,
) -> None:
    prepared: list[str] = []

    async def prepare(db_url: str, company: str, settings: dict[str, Any]) -> None:
        prepared.append(db_url)

    async with Sandbox.start(factory=fake_factory(state), prepare=prepare) as sb:
        first: Any = sb.bots[0]  # the fake bot keeps the env it was built with
        assert sb.db_url == first.env.db_url == sb.env.settings["database_url"]
        assert prepared == [sb.db_url]
        restarted: Any = await sb.restart_bot()
        assert restarted.env.db_url == sb.db_url


async def test_settings_given_reach_the_bot_env(state: FakeState) -> None:
    async with Sandbox.start(
        factory=fake_factory(state), settings={"geofence_m": 300}, company="custom"
    ) as sb:
        assert sb.env.settings["geofence_m"] == 300
        assert sb.env.environ()["FIELDBOT_GEOFENCE_M"] == "300"


@pytest.mark.pg
async def test_a_postgresql_url_gets_a_fresh_database_dropped_afterwards(
    state: FakeState,
) -> None:
    pg_url = os.environ.get("FIELDBOT_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
    dsn = pg_url.replace("postgresql+asyncpg://", "postgresql://")
    try:
        admin = await asyncpg.connect(dsn, timeout=5)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        if os.environ.get("FIELDBOT_REQUIRE_PG") == "1":
            pytest.fail(f"PostgreSQL unreachable: {exc}")
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    try:
        async with Sandbox.start(db_url=pg_url, factory=fake_factory(state)) as sb:
            name = sb.db_url.rsplit("/", 1)[1]
            assert sb.db_url.startswith("postgresql+asyncpg://")
            assert re.fullmatch(r"fieldbot_[0-9a-f]{12}", name)
            assert await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        assert await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name) is None
    finally:
        await admin.close()
