"""Registration, languages and authorization end to end: the real bot on the sandbox."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from fieldbot.sandbox.driver import Sandbox
from tests.e2e.conftest import push_callback

pytestmark = pytest.mark.e2e


async def test_staff_invite_binds_a_technician_in_english(sb: Sandbox) -> None:
    tech = sb.phone(user_id=1001, name="Li Wei", language="en")
    await tech.start(await sb.invite("T02"))
    welcome = await tech.wait_for("Welcome")
    assert "technician" in welcome.text
    await tech.send("/me")
    me = await tech.wait_for("T02")
    assert "English" in me.text


async def test_staff_invite_binds_a_supervisor_in_chinese(sb: Sandbox) -> None:
    sup = sb.phone(user_id=2001, name="Wang Fang", language="zh-hans")
    await sup.start(await sb.invite("S01"))
    welcome = await sup.wait_for("欢迎")
    assert "王芳" in welcome.text and "主管" in welcome.text
    await sup.send("/help")
    help_text = await sup.wait_for("/lang")
    assert "/me" in help_text.text


async def test_a_used_invite_is_refused_for_someone_else(sb: Sandbox) -> None:
    payload = await sb.invite("T01")
    first = sb.phone(user_id=1001, name="张伟", language="zh-hans")
    await first.start(payload)
    await first.wait_for("欢迎")
    second = sb.phone(user_id=1002, name="Eve", language="en")
    await second.start(payload)
    refused = await second.wait_for("already been used")
    assert "supervisor" in refused.text
    await second.send("/me")
    await second.wait_for("share your phone number")


async def test_an_expired_invite_is_refused(sb: Sandbox) -> None:
    payload = await sb.invite("T02")
    await sb.clock.advance(hours=73)
    tech = sb.phone(user_id=1001, name="Li Wei", language="en")
    await tech.start(payload)
    await tech.wait_for("expired")


async def test_an_unknown_invite_code_is_refused(sb: Sandbox) -> None:
    tech = sb.phone(user_id=1001, name="Li Wei", language="en")
    await tech.start("not-a-real-code")
    await tech.wait_for("not valid")


async def test_a_customer_binds_by_sharing_their_own_contact(sb: Sandbox) -> None:
    customer = sb.phone(user_id=5002, name="Blue Harbour", language="en")
    await customer.start()
    hello = await customer.wait_for("share your phone number")
    assert hello.reply_buttons == [["Share my phone number"]]
    await customer.share_contact(phone="8613901710002")
    thanks = await customer.wait_for("registered as our customer")
    assert "Blue Harbour Bistro" in thanks.text
    await customer.send("/me")
    await customer.wait_for("C002")


async def test_someone_elses_contact_binds_nobody(sb: Sandbox) -> None:
    stranger = sb.phone(user_id=5999, name="Mallory", language="en")
    await stranger.share_contact(phone="+8613901710002", user_id=5002)
    await stranger.wait_for("your own phone number")
    await stranger.send("/me")
    await stranger.wait_for("share your phone number")
    owner = sb.phone(user_id=5002, name="Blue Harbour", language="en")
    await owner.share_contact(phone="+8613901710002")
    await owner.wait_for("registered as our customer")


async def test_an_unknown_phone_number_is_told_to_call(sb: Sandbox) -> None:
    stranger = sb.phone(user_id=5999, name="Mallory", language="en")
    await stranger.share_contact(phone="+8613800000000")
    await stranger.wait_for("could not find a customer")


async def test_an_unknown_user_gets_an_explanation_and_nothing_else(sb: Sandbox) -> None:
    stranger = sb.phone(user_id=6000, name="路人", language="zh-hans")
    await stranger.send("/help")
    reply = await stranger.wait_for("售后")
    assert reply.reply_buttons
    await stranger.send("/new")
    await stranger.wait_for("售后")


async def test_lang_switches_the_language_of_the_record(sb: Sandbox) -> None:
    tech = sb.phone(user_id=1001, name="张伟", language="zh-hans")
    await tech.start(await sb.invite("T01"))
    await tech.wait_for("欢迎")
    await tech.send("/lang")
    await tech.wait_for("语言")
    await tech.tap("English")
    await tech.wait_for("speak English")
    await tech.send("/me")
    me = await tech.wait_for("Language: English")
    assert "T01" in me.text


async def test_a_forged_button_changes_nothing(sb: Sandbox) -> None:
    tech = sb.phone(user_id=1001, name="Li Wei", language="en")
    await tech.start(await sb.invite("T02"))
    await tech.send("/lang")
    menu = await tech.wait_for("Choose your language")
    alerts = len(tech.alerts)
    push_callback(sb, 1001, menu.id, "forged-token-123")
    await sb.settle()
    (refused,) = tech.alerts[alerts:]
    assert "no longer valid" in refused.text
    await tech.send("/me")
    await tech.wait_for("Language: English")


async def test_another_persons_button_is_refused(sb: Sandbox) -> None:
    t1 = sb.phone(user_id=1001, name="张伟", language="zh-hans")
    await t1.start(await sb.invite("T01"))
    await t1.send("/lang")
    menu = await t1.wait_for("语言")
    t2 = sb.phone(user_id=1002, name="Li Wei", language="en")
    await t2.start(await sb.invite("T02"))
    await t2.wait_for("Welcome")
    world = sb.server.world
    stored = world.chat_of(1001, 1001).messages[menu.id]
    english = next(b for row in stored.inline_keyboard or [] for b in row if b["text"] == "English")
    chat = world.chat_of(1002, 1002)
    chat_message_id = max(chat.messages)
    alerts = len(t2.alerts)
    push_callback(sb, 1002, chat_message_id, english["callback_data"])
    await sb.settle()
    (refused,) = t2.alerts[alerts:]
    assert "no longer valid" in refused.text
    # the owner's button still works: nothing was used up by the refused press
    await t1.tap("English")
    await t1.wait_for("speak English")


async def test_messages_queued_before_a_crash_are_delivered_after_restart(sb: Sandbox) -> None:
    tech = sb.phone(user_id=1001, name="Li Wei", language="en")
    await tech.start(await sb.invite("T02"))
    await tech.wait_for("Welcome")
    # Telegram is down long enough for the sender to give the message back to the outbox
    sb.faults.fail_next("sendMessage", status=502, times=4)
    await tech.send("/me")
    await tech.send("/help")
    assert len(tech.inbox) == 1
    await sb.restart_bot()
    await sb.clock.advance(minutes=5)
    first = await tech.wait_for("T02")
    second = await tech.wait_for("/lang")
    assert first.id < second.id
    assert len(tech.inbox) == 3


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param({"status": 429, "retry_after": 1}, id="429"),
        pytest.param({"status": 500}, id="500"),
        pytest.param({"drop": True}, id="dropped"),
    ],
)
async def test_send_failures_are_survived_once_and_in_order(sb: Sandbox, fault: dict) -> None:
    tech = sb.phone(user_id=1001, name="Li Wei", language="en")
    await tech.start(await sb.invite("T02"))
    await tech.wait_for("Welcome")
    if fault.get("drop"):
        sb.faults.drop_next("sendMessage", times=1)
    else:
        sb.faults.fail_next("sendMessage", times=1, **fault)
    await tech.send("/me")
    await tech.send("/help")
    await tech.wait_for("T02")
    await tech.wait_for("/lang")
    texts = [m.text for m in tech.inbox]
    assert sum("T02" in t for t in texts) == 1
    assert sum("/lang" in t for t in texts) == 1


async def test_time_moves_only_when_the_clock_is_advanced(sb: Sandbox) -> None:
    before = sb.clock.now()
    await sb.clock.advance(hours=2)
    assert sb.clock.now() - before == timedelta(hours=2)


async def test_a_failing_handler_tells_the_person_nothing_was_changed(
    sb: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fieldbot.handlers import router

    async def broken(turn: object, args: str) -> None:
        raise RuntimeError("a bug")

    tech = sb.phone(user_id=1001, name="Li Wei", language="en")
    await tech.start(await sb.invite("T02"))
    await tech.wait_for("Welcome")
    monkeypatch.setitem(router.REGISTERED_COMMANDS, "me", broken)
    await tech.send("/me")
    sorry = await tech.wait_for("Nothing was changed")
    assert "went wrong" in sorry.text


async def test_a_form_survives_a_restart_and_continues_where_it_was(
    sb: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fieldbot.handlers import router
    from fieldbot.handlers.turn import Turn
    from fieldbot.i18n import N_
    from fieldbot.repositories.conversations import Form

    async def start_echo(turn: Turn, args: str) -> None:
        await turn.uow.forms.start(turn.user_id, "echo", "first", {}, turn.now)
        await turn.reply(N_("I did not understand that. Send /help to see what you can do."))

    async def echo_step(turn: Turn, form: Form, message: object) -> None:
        text = getattr(message, "text", "")
        if form.step == "first":
            await turn.uow.forms.save(
                dataclasses.replace(form, step="second", data={"first": text}), turn.now
            )
            await turn.reply(N_("Hello, {name}. You can:"), args={"name": f"step1:{text}"})
        else:
            await turn.uow.forms.clear(turn.user_id)
            await turn.reply(
                N_("Hello, {name}. You can:"), args={"name": f"done:{form.data['first']}+{text}"}
            )

    monkeypatch.setitem(router.STAFF_COMMANDS, "echo", start_echo)
    monkeypatch.setitem(router.FORMS, "echo", echo_step)
    tech = sb.phone(user_id=1001, name="Li Wei", language="en")
    await tech.start(await sb.invite("T02"))
    await tech.send("/echo")
    await tech.send("alpha")
    await tech.wait_for("step1:alpha")
    await sb.restart_bot()
    await tech.send("beta")
    await tech.wait_for("done:alpha+beta")
    await tech.send("/cancel")
    await tech.wait_for("nothing to cancel")


async def test_command_menus_per_language_and_per_registered_person(sb: Sandbox) -> None:
    commands = sb.server.world.commands
    default = '{"type":"default"}'
    assert [c["command"] for c in commands[(default, "")]] == ["start"]
    assert commands[(default, "en")][0]["description"] == "register with your invite or phone"
    assert commands[(default, "")][0]["description"] == "用邀请链接或手机号登记"
    tech = sb.phone(user_id=1001, name="Li Wei", language="en")
    await tech.start(await sb.invite("T02"))
    own = commands[('{"chat_id":1001,"type":"chat"}', "")]
    assert {"help", "me", "lang", "cancel"} <= {c["command"] for c in own}
    assert next(c for c in own if c["command"] == "me")["description"] == (
        "who the bot thinks you are"
    )
