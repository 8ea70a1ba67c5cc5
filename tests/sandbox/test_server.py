"""Conformance of the Bot API sandbox: python-telegram-bot's own Bot against it, every answer
parsed as PTB objects and every error mapped to PTB's exceptions."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from telegram import Bot as PtbBot
from telegram import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MenuButtonCommands,
    Message,
    Update,
    User,
    WebhookInfo,
)
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import Application, CommandHandler, ContextTypes

from fieldbot.sandbox.clock import SandboxClock
from fieldbot.sandbox.limits import Limits
from fieldbot.sandbox.server import SANDBOX_KEY, SandboxServer, serve
from fieldbot.sandbox.world import InvalidDeepLink

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x04\x00\x00\x00\x05\x08\x02\x00\x00\x00"
    b"\x00\x00\x00\x00\x00\x00\x00\x00IEND\xaeB`\x82"
)
USER = 1001


@pytest.fixture
async def server() -> AsyncIterator[SandboxServer]:
    sandbox = SandboxServer(limits=Limits(per_chat_burst=50))
    await sandbox.start()
    sandbox.world.add_user(USER, "Li", "Wei", "liwei", "en")
    sandbox.world.send_start(USER)  # the person has opened the bot
    try:
        yield sandbox
    finally:
        await sandbox.stop()


def ptb_bot(server: SandboxServer, token: str | None = None) -> PtbBot:
    return PtbBot(
        token or server.token,
        base_url=f"{server.base_url}/bot",
        base_file_url=f"{server.base_url}/file/bot",
    )


@pytest.fixture
async def bot(server: SandboxServer) -> AsyncIterator[PtbBot]:
    async with ptb_bot(server) as client:
        yield client


async def raw(
    server: SandboxServer, method: str, **kwargs: object
) -> tuple[int, dict[str, object]]:
    async with (
        aiohttp.ClientSession() as session,
        session.request(
            str(kwargs.pop("http", "POST")),
            f"{server.base_url}/bot{kwargs.pop('token', server.token)}/{method}",
            **kwargs,  # type: ignore[arg-type]
        ) as answer,
    ):
        return answer.status, await answer.json()


async def until(condition: object, seconds: float = 5.0) -> None:
    """Polls a condition with a deadline (for states with no event to await)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():  # type: ignore[operator]
        assert loop.time() < deadline, "condition not reached"
        await asyncio.sleep(0.005)


# ----------------------------------------------------------------- identity and routing


async def test_get_me_answers_the_sandbox_bot(bot: PtbBot, server: SandboxServer) -> None:
    me = await bot.get_me()
    assert isinstance(me, User) and me.is_bot
    assert me.username == "fieldbot_sandbox_bot" == server.bot_username
    assert me.id == int(server.token.split(":")[0])


async def test_a_wrong_token_is_unauthorized_and_a_malformed_one_not_found(
    server: SandboxServer,
) -> None:
    with pytest.raises(InvalidToken):
        async with ptb_bot(server, "123:wrong"):
            pass
    status, body = await raw(server, "getMe", token="123:wrong")
    assert (status, body["description"]) == (401, "Unauthorized")
    status, body = await raw(server, "getMe", token="not-a-token")
    assert (status, body["ok"]) == (404, False)


async def test_unknown_methods_are_404_and_method_names_ignore_case(
    server: SandboxServer,
) -> None:
    status, body = await raw(server, "sendTelepathy")
    assert (status, body) == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found: method not found"},
    )
    status, body = await raw(server, "GETME", http="GET")
    assert status == 200 and body["ok"] is True


async def test_json_bodies_and_query_strings_are_read_like_forms(server: SandboxServer) -> None:
    status, body = await raw(server, "sendMessage", json={"chat_id": USER, "text": "json"})
    assert status == 200
    Message.de_json(body["result"], None)  # type: ignore[arg-type]
    status, body = await raw(
        server, "sendMessage", http="GET", params={"chat_id": str(USER), "text": "query"}
    )
    assert status == 200 and body["result"]["text"] == "query"  # type: ignore[index]


# ----------------------------------------------------------------- sending and limits


async def test_send_message_with_html_keeps_plain_text_entities_and_the_raw(
    bot: PtbBot, server: SandboxServer
) -> None:
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("Accept", callback_data="j:1:accept")],
            [InlineKeyboardButton("Open", url="https://t.me/fieldbot_sandbox_bot?start=abc")],
        ]
    )
    sent = await bot.send_message(
        USER, "<b>J1</b> &lt;urgent&gt;", parse_mode=ParseMode.HTML, reply_markup=keyboard
    )
    assert sent.text == "J1 <urgent>"
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [("bold", 0, 2)]
    assert sent.reply_markup == keyboard
    assert sent.from_user is not None and sent.from_user.is_bot
    stored = server.world.chats[USER].messages[sent.message_id]
    assert stored.raw_text == "<b>J1</b> &lt;urgent&gt;"


async def test_broken_html_is_refused_like_telegram(bot: PtbBot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)parse entities"):
        await bot.send_message(USER, "<b>open", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match=r"(?i)Unsupported start tag"):
        await bot.send_message(USER, "<blink>x</blink>", parse_mode=ParseMode.HTML)


async def test_message_dates_follow_the_simulated_clock(bot: PtbBot, server: SandboxServer) -> None:
    later = datetime(2026, 9, 15, 1, 0, tzinfo=UTC)
    server.set_now(later)
    sent = await bot.send_message(USER, "x")
    assert sent.date == later


async def test_text_caption_and_callback_data_limits(bot: PtbBot) -> None:
    await bot.send_message(USER, "字" * 4096)
    with pytest.raises(BadRequest, match=r"(?i)too long"):
        await bot.send_message(USER, "字" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)empty"):
        await bot.send_message(USER, "")
    # Entities do not count: 4096 characters after parsing fit.
    await bot.send_message(USER, "<b>" + "x" * 4096 + "</b>", parse_mode=ParseMode.HTML)

    await bot.send_photo(USER, PNG, caption="c" * 1024)
    with pytest.raises(BadRequest, match=r"(?i)caption is too long"):
        await bot.send_photo(USER, PNG, caption="c" * 1025)

    await bot.send_message(
        USER,
        "ok",
        reply_markup=InlineKeyboardMarkup.from_button(
            InlineKeyboardButton("b", callback_data="d" * 64)
        ),
    )
    for data in ("d" * 65, "接" * 22):  # 66 bytes in UTF-8
        with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
            await bot.send_message(
                USER,
                "no",
                reply_markup=InlineKeyboardMarkup.from_button(
                    InlineKeyboardButton("b", callback_data=data)
                ),
            )


async def test_deep_link_payloads_are_checked_when_a_phone_starts(
    server: SandboxServer, bot: PtbBot
) -> None:
    server.world.send_start(USER, "A-z_9" + "x" * 59)
    for bad in ("x" * 65, "with space", "ümlaut", "a+b"):
        with pytest.raises(InvalidDeepLink):
            server.world.send_start(USER, bad)
    updates = await bot.get_updates()
    assert [u.message.text for u in updates if u.message] == ["/start", "/start A-z_9" + "x" * 59]


async def test_sends_beyond_the_per_chat_burst_get_429_with_retry_after() -> None:
    server = SandboxServer(limits=Limits(per_chat_burst=5, per_chat_rate=1))
    await server.start()
    try:
        server.world.add_user(USER, "Li")
        server.world.send_start(USER)
        async with ptb_bot(server) as bot:
            for number in range(5):
                await bot.send_message(USER, f"burst {number}")
            with pytest.raises(RetryAfter) as limited:
                await bot.send_message(USER, "one too many")
            assert limited.value.retry_after == 1
            assert server.calls("sendMessage")[-1] == 429
    finally:
        await server.stop()


async def test_the_global_rate_limits_sends_across_chats() -> None:
    server = SandboxServer(limits=Limits(global_rate=3, global_burst=3))
    await server.start()
    try:
        for user_id in range(1, 5):
            server.world.add_user(user_id, f"u{user_id}")
            server.world.send_start(user_id)
        async with ptb_bot(server) as bot:
            for user_id in range(1, 4):
                await bot.send_message(user_id, "hi")
            with pytest.raises(RetryAfter):
                await bot.send_message(4, "hi")
    finally:
        await server.stop()


async def test_blocked_people_unknown_chats_and_strangers_are_refused(
    bot: PtbBot, server: SandboxServer
) -> None:
    server.world.set_blocked(USER, True)
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(USER, "hello?")
    server.world.set_blocked(USER, False)
    await bot.send_message(USER, "hello again")

    with pytest.raises(BadRequest, match=r"(?i)Chat not found"):
        await bot.send_message(424242, "who?")
    server.world.add_user(2002, "Never Started")
    with pytest.raises(Forbidden, match=r"(?i)can't initiate conversation"):
        await bot.send_message(2002, "hi")

    updates = await bot.get_updates()
    kinds = [u.my_chat_member.new_chat_member.status for u in updates if u.my_chat_member]
    assert kinds == ["kicked", "member"]


# ----------------------------------------------------------------- edits, deletes, callbacks


async def test_edits_apply_and_an_edit_that_changes_nothing_is_refused(
    bot: PtbBot, server: SandboxServer
) -> None:
    keyboard = InlineKeyboardMarkup.from_button(InlineKeyboardButton("A", callback_data="a"))
    sent = await bot.send_message(USER, "v1", reply_markup=keyboard)

    edited = await bot.edit_message_text("v2", USER, sent.message_id, reply_markup=keyboard)
    assert isinstance(edited, Message) and edited.text == "v2"
    assert edited.edit_date is not None and edited.reply_markup == keyboard
    with pytest.raises(BadRequest, match=r"(?i)not modified"):
        await bot.edit_message_text("v2", USER, sent.message_id, reply_markup=keyboard)

    without = await bot.edit_message_text("v3", USER, sent.message_id)
    assert isinstance(without, Message) and without.reply_markup is None  # keyboard dropped

    other = InlineKeyboardMarkup.from_button(InlineKeyboardButton("B", callback_data="b"))
    marked = await bot.edit_message_reply_markup(USER, sent.message_id, reply_markup=other)
    assert isinstance(marked, Message) and marked.reply_markup == other
    with pytest.raises(BadRequest, match=r"(?i)not modified"):
        await bot.edit_message_reply_markup(USER, sent.message_id, reply_markup=other)

    stored = server.world.chats[USER].messages[sent.message_id]
    assert (stored.text, stored.edited) == ("v3", True)


async def test_captions_of_media_are_edited_with_edit_message_caption(
    bot: PtbBot,
) -> None:
    sent = await bot.send_photo(USER, PNG, caption="before")
    edited = await bot.edit_message_caption(
        USER, sent.message_id, caption="<i>after</i>", parse_mode=ParseMode.HTML
    )
    assert isinstance(edited, Message) and edited.caption == "after"
    assert [e.type for e in edited.caption_entities] == ["italic"]
    with pytest.raises(BadRequest, match=r"(?i)no text in the message"):
        await bot.edit_message_text("x", USER, sent.message_id)
    text = await bot.send_message(USER, "plain")
    with pytest.raises(BadRequest, match=r"(?i)no caption"):
        await bot.edit_message_caption(USER, text.message_id, caption="x")


async def test_editing_or_deleting_an_unknown_message_is_refused(bot: PtbBot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)Message to edit not found"):
        await bot.edit_message_text("x", USER, 9999)
    with pytest.raises(BadRequest, match=r"(?i)Message to delete not found"):
        await bot.delete_message(USER, 9999)
    with pytest.raises(BadRequest, match=r"(?i)can't be edited"):
        await bot.edit_message_text("x", USER, 1)  # the person's own /start


async def test_deleted_messages_leave_the_chat(bot: PtbBot, server: SandboxServer) -> None:
    sent = await bot.send_message(USER, "temporary")
    assert await bot.delete_message(USER, sent.message_id) is True
    assert server.world.bot_messages(USER) == []
    with pytest.raises(BadRequest, match=r"(?i)Message to edit not found"):
        await bot.edit_message_text("x", USER, sent.message_id)


async def test_a_button_press_arrives_as_a_callback_query_answered_once(
    bot: PtbBot, server: SandboxServer
) -> None:
    sent = await bot.send_message(
        USER,
        "job",
        reply_markup=InlineKeyboardMarkup.from_button(
            InlineKeyboardButton("Accept", callback_data="ok")
        ),
    )
    query = server.world.press_button(USER, USER, sent.message_id, "ok")
    updates = await bot.get_updates()
    callback = updates[-1].callback_query
    assert callback is not None and callback.data == "ok" and callback.id == query.id
    assert callback.message is not None and callback.message.message_id == sent.message_id
    assert callback.chat_instance == server.world.chats[USER].instance
    assert await callback.answer("done") is True
    assert query.answer == {"text": "done", "show_alert": False, "url": None}
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await callback.answer()


# ----------------------------------------------------------------- what people send


async def test_every_kind_of_update_parses_as_a_ptb_update(
    bot: PtbBot, server: SandboxServer
) -> None:
    world = server.world
    world.send_text(USER, "/help@fieldbot_sandbox_bot and https://example.com")
    live = world.send_location(USER, 31.23, 121.47, live_period=600)
    world.move_location(USER, live.message_id, 31.24, 121.48)
    world.send_contact(USER, "8613800000000", USER)
    world.send_photo(USER, PNG, caption="signed")
    world.send_document(USER, b"%PDF", "voucher.pdf", "application/pdf")
    world.add_group(-100, "Branch SH01", [USER])
    world.send_text(USER, "in the group", chat_id=-100)

    updates = await bot.get_updates()
    assert all(isinstance(u, Update) for u in updates)
    text, located, moved, contact, photo, document, group = updates[1:]
    assert text.message is not None
    assert [(e.type, e.offset, e.length) for e in text.message.entities] == [
        ("bot_command", 0, 26),
        ("url", 31, 19),
    ]
    assert located.message is not None and located.message.location is not None
    assert located.message.location.to_dict()["live_period"] == 600
    assert moved.edited_message is not None and moved.edited_message.location is not None
    assert moved.edited_message.location.latitude == 31.24
    assert moved.edited_message.edit_date is not None
    assert contact.message is not None and contact.message.contact is not None
    assert contact.message.contact.user_id == USER
    assert photo.message is not None and photo.message.caption == "signed"
    assert (photo.message.photo[-1].width, photo.message.photo[-1].height) == (4, 5)
    assert document.message is not None and document.message.document is not None
    assert document.message.document.file_name == "voucher.pdf"
    assert group.message is not None and group.message.chat.type == "group"


async def test_files_round_trip_through_get_file_and_download(bot: PtbBot) -> None:
    sent = await bot.send_photo(USER, PNG, caption="site")
    assert sent.caption == "site" and sent.photo[-1].width == 4
    file = await bot.get_file(sent.photo[-1].file_id)
    assert bytes(await file.download_as_bytearray()) == PNG

    document = await bot.send_document(USER, b"col1,col2\n", filename="report.csv")
    assert document.document is not None and document.document.file_name == "report.csv"
    downloaded = await (await bot.get_file(document.document.file_id)).download_as_bytearray()
    assert bytes(downloaded) == b"col1,col2\n"

    again = await bot.send_photo(USER, sent.photo[-1].file_id)  # resend by file_id
    assert again.photo[-1].file_id == sent.photo[-1].file_id
    with pytest.raises(BadRequest, match=r"(?i)invalid file_id"):
        await bot.get_file("nope")


async def test_a_photo_a_person_sends_can_be_downloaded_by_the_bot(
    bot: PtbBot, server: SandboxServer
) -> None:
    server.world.send_photo(USER, PNG + b"!")
    update = (await bot.get_updates())[-1]
    assert update.message is not None
    file = await update.message.photo[-1].get_file()
    assert bytes(await file.download_as_bytearray()) == PNG + b"!"


async def test_locations_chat_actions_menu_buttons_and_goodbyes_are_accepted(
    bot: PtbBot,
) -> None:
    sent = await bot.send_location(USER, 31.2304, 121.4737)
    assert sent.location is not None and sent.location.longitude == 121.4737
    assert await bot.send_chat_action(USER, ChatAction.TYPING) is True
    assert await bot.set_chat_menu_button(USER, MenuButtonCommands()) is True
    reply = await bot.send_message(USER, "answer me", reply_markup=ForceReply())
    assert reply.reply_markup is None
    assert (await bot.get_chat(USER)).username == "liwei"
    assert await bot.log_out() is True
    assert await bot.close() is True


async def test_commands_are_kept_per_scope_and_language(bot: PtbBot) -> None:
    await bot.set_my_commands([BotCommand("start", "Start"), BotCommand("jobs", "My jobs")])
    await bot.set_my_commands([BotCommand("jobs", "我的工单")], language_code="zh")
    await bot.set_my_commands(
        [BotCommand("report", "Daily report")], scope=BotCommandScopeChat(USER)
    )
    await bot.set_my_commands(
        [BotCommand("help", "Help")], scope=BotCommandScopeAllPrivateChats(), language_code="en"
    )

    assert [c.command for c in await bot.get_my_commands()] == ["start", "jobs"]
    assert [c.description for c in await bot.get_my_commands(language_code="zh")] == ["我的工单"]
    assert [c.command for c in await bot.get_my_commands(scope=BotCommandScopeChat(USER))] == [
        "report"
    ]
    private_en = await bot.get_my_commands(BotCommandScopeAllPrivateChats(), "en")
    assert [c.command for c in private_en] == ["help"]
    assert await bot.get_my_commands(BotCommandScopeAllPrivateChats()) == ()

    assert await bot.delete_my_commands(language_code="zh") is True
    assert await bot.get_my_commands(language_code="zh") == ()
    assert len(await bot.get_my_commands()) == 2
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Bad-Name", "x")])


# ----------------------------------------------------------------- long polling


async def test_long_polling_answers_as_soon_as_an_update_arrives(
    bot: PtbBot, server: SandboxServer
) -> None:
    first = await bot.get_updates()
    offset = first[-1].update_id + 1
    polling = asyncio.create_task(bot.get_updates(offset=offset, timeout=30))
    await until(lambda: server.polling)
    assert not polling.done()
    server.world.send_text(USER, "now")
    async with asyncio.timeout(5):  # far below the 30 s poll
        updates = await polling
    assert [u.message.text for u in updates if u.message] == ["now"]


async def test_offset_confirms_earlier_updates_and_limit_caps_the_answer(
    bot: PtbBot, server: SandboxServer
) -> None:
    for word in ("a", "b", "c"):
        server.world.send_text(USER, word)
    everything = await bot.get_updates()
    assert len(everything) == 4 and server.pending_updates() == 4
    two = await bot.get_updates(offset=everything[1].update_id, limit=2)
    assert [u.update_id for u in two] == [u.update_id for u in everything[1:3]]
    assert server.pending_updates() == 3
    assert await bot.get_updates(offset=everything[-1].update_id + 1) == ()
    assert server.pending_updates() == 0


async def test_a_second_concurrent_poller_gets_409_and_the_first_keeps_polling(
    bot: PtbBot, server: SandboxServer
) -> None:
    offset = (await bot.get_updates())[-1].update_id + 1
    first = asyncio.create_task(bot.get_updates(offset=offset, timeout=30))
    await until(lambda: server.polling)
    async with ptb_bot(server) as other:
        with pytest.raises(Conflict, match=r"(?i)terminated by other getUpdates request"):
            await other.get_updates(offset=offset, timeout=30)
    assert not first.done()
    server.world.send_text(USER, "for the first")
    async with asyncio.timeout(5):
        updates = await first
    assert [u.message.text for u in updates if u.message] == ["for the first"]


async def test_a_poller_that_hangs_up_frees_its_place(bot: PtbBot, server: SandboxServer) -> None:
    abandoned = asyncio.create_task(bot.get_updates(timeout=30, offset=10**10))
    await until(lambda: server.polling)
    abandoned.cancel()
    with pytest.raises(asyncio.CancelledError):
        await abandoned
    async with ptb_bot(server) as other:
        assert await other.get_updates(timeout=0, offset=10**10) == ()


async def test_a_real_ptb_application_polls_and_replies(server: SandboxServer) -> None:
    replied = asyncio.Event()

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(f"hi {context.args}")
        replied.set()

    app = (
        Application.builder()
        .token(server.token)
        .base_url(f"{server.base_url}/bot")
        .base_file_url(f"{server.base_url}/file/bot")
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=5)
        server.world.send_start(USER, "payload_1")
        async with asyncio.timeout(5):
            await replied.wait()
        await app.updater.stop()
        await app.stop()
    assert [m.text for m in server.world.bot_messages(USER)][-1] == "hi ['payload_1']"
    assert server.pending_updates() == 0  # PTB confirmed on its way out


# ----------------------------------------------------------------- webhooks


class Receiver:
    """A stand-in bot instance behind the sandbox's 'reverse proxy'."""

    def __init__(self, fail_first: int = 0) -> None:
        self.got: list[tuple[int, str | None]] = []
        self.fail_first = fail_first
        self.arrived = asyncio.Event()
        self.runner: aiohttp.web.AppRunner | None = None
        self.url = ""

    async def handle(self, request: aiohttp.web.Request) -> aiohttp.web.Response:
        if self.fail_first:
            self.fail_first -= 1
            return aiohttp.web.Response(status=500)
        body = await request.json()
        self.got.append((body["update_id"], request.headers.get("X-Telegram-Bot-Api-Secret-Token")))
        self.arrived.set()
        return aiohttp.web.Response(text="ok")

    async def __aenter__(self) -> Receiver:
        app = aiohttp.web.Application()
        app.router.add_post("/hook", self.handle)
        self.runner = aiohttp.web.AppRunner(app)
        await self.runner.setup()
        site = aiohttp.web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self.runner.addresses[0][1]}/hook"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.runner is not None
        await self.runner.cleanup()


async def test_webhook_updates_go_to_the_instances_in_turn_with_the_secret(
    bot: PtbBot, server: SandboxServer
) -> None:
    await bot.get_updates(offset=10**10)  # forget the /start of the fixture
    async with Receiver() as one, Receiver() as two:
        assert await bot.set_webhook(one.url, secret_token="s3cret") is True
        server.add_webhook_target(two.url, secret_token="s3cret")
        sent = [server.world.send_text(USER, word) for word in ("a", "b", "c", "d")]
        assert len(sent) == 4
        await until(lambda: server.pending_updates() == 0)

        assert len(one.got) == 2 and len(two.got) == 2
        ids = sorted(uid for uid, _ in one.got + two.got)
        assert [uid for uid, _ in one.got] == ids[0::2]
        assert [uid for uid, _ in two.got] == ids[1::2]
        assert {secret for _, secret in one.got + two.got} == {"s3cret"}

        info = await bot.get_webhook_info()
        assert isinstance(info, WebhookInfo)
        assert (info.url, info.pending_update_count) == (one.url, 0)
        with pytest.raises(Conflict, match=r"(?i)webhook is active"):
            await bot.get_updates()
        assert await bot.delete_webhook() is True
        assert (await bot.get_webhook_info()).url == ""


async def test_a_failed_webhook_delivery_is_retried_on_the_next_instance(
    bot: PtbBot, server: SandboxServer
) -> None:
    async with Receiver(fail_first=1) as flaky, Receiver() as steady:
        await bot.set_webhook(flaky.url, drop_pending_updates=True)
        await bot.set_webhook(steady.url)  # a second instance registers itself
        server.world.send_text(USER, "x")
        await until(lambda: server.pending_updates() == 0)
        assert (len(flaky.got), len(steady.got)) == (0, 1)  # refused by one, taken by the other
        info = await bot.get_webhook_info()
        assert info.last_error_message is not None and "500" in info.last_error_message


async def test_delete_webhook_can_drop_pending_updates(bot: PtbBot, server: SandboxServer) -> None:
    assert server.pending_updates() == 1
    assert await bot.delete_webhook(drop_pending_updates=True) is True
    assert server.pending_updates() == 0


# ----------------------------------------------------------------- faults


async def test_fail_next_answers_the_status_then_lets_calls_through(
    bot: PtbBot, server: SandboxServer
) -> None:
    server.faults.fail_next("sendMessage", status=429, times=2, retry_after=7)
    for _ in range(2):
        with pytest.raises(RetryAfter) as limited:
            await bot.send_message(USER, "x")
        assert limited.value.retry_after == 7
    server.faults.fail_next("sendMessage", status=500)
    with pytest.raises(NetworkError, match=r"(?i)Internal Server Error"):
        await bot.send_message(USER, "x")
    server.faults.fail_next("SENDMESSAGE", status=502)
    with pytest.raises(NetworkError, match=r"(?i)Bad Gateway"):
        await bot.send_message(USER, "x")
    await bot.send_message(USER, "finally")
    assert server.calls("sendMessage") == [429, 429, 500, 502, 200]
    assert [m.text for m in server.world.bot_messages(USER)] == ["finally"]


async def test_drop_next_closes_the_connection_before_or_after_the_call_took_effect(
    bot: PtbBot, server: SandboxServer
) -> None:
    server.faults.drop_next("sendMessage")
    with pytest.raises(NetworkError):
        await bot.send_message(USER, "never arrives")
    server.faults.drop_next("sendMessage", processed=True)
    with pytest.raises(NetworkError):
        await bot.send_message(USER, "arrives unconfirmed")
    assert [m.text for m in server.world.bot_messages(USER)] == ["arrives unconfirmed"]
    assert server.calls("sendMessage") == [0, 0]


async def test_delay_holds_a_call_and_counts_it_as_in_progress(
    bot: PtbBot, server: SandboxServer
) -> None:
    server.faults.delay("getMe", seconds=0.2)
    slow = asyncio.create_task(bot.get_me())
    await until(lambda: server.busy() == 1)
    assert not slow.done()
    assert (await slow).username == server.bot_username
    server.faults.delay("getMe", seconds=0)
    assert server.busy() == 0


# ----------------------------------------------------------------- clock and standalone


async def test_sandbox_clock_is_served_and_followed_from_another_process(
    server: SandboxServer,
) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{server.base_url}/sandbox/clock") as answer,
    ):
        body = await answer.json()
    assert datetime.fromisoformat(body["now"]) == server.now()

    clock = SandboxClock(server.base_url, max_age=0)
    assert await clock.refresh() == server.now()
    later = server.now() + timedelta(hours=3)
    server.set_now(later)
    assert (await clock.refresh()) == later
    # The synchronous read is a blocking GET: from another thread, as from another process.
    server.set_now(later + timedelta(minutes=1))
    read = await asyncio.to_thread(clock.now)
    assert read == later + timedelta(minutes=1) and read.tzinfo == UTC


async def test_a_cached_sandbox_clock_reading_is_reused_until_it_is_stale(
    server: SandboxServer,
) -> None:
    clock = SandboxClock(server.base_url, max_age=3600)
    first = await clock.refresh()
    server.set_now(first + timedelta(minutes=1))
    assert clock.now() == first  # fresh enough: no request
    assert await clock.refresh() == first + timedelta(minutes=1)


async def test_serve_starts_a_standalone_sandbox() -> None:
    runner, base_url, token = await serve(port=0)
    try:
        server = runner.app[SANDBOX_KEY]
        assert server.base_url == base_url and server.token == token
        async with ptb_bot(server) as bot:
            assert (await bot.get_me()).username == "fieldbot_sandbox_bot"
    finally:
        await runner.cleanup()


def test_run_standalone_prints_where_it_listens_and_serves_its_clock_to_other_processes() -> None:
    script = "from fieldbot.sandbox import run_standalone; run_standalone(0)"
    process = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=Path.cwd()
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()  # blocks until the server is up
        token_line = process.stdout.readline()
        base_url = re.search(r"http://127\.0\.0\.1:\d+", first)
        assert base_url is not None, first
        assert re.fullmatch(r"bot token: \d+:[\w-]+\n", token_line)
        clock = SandboxClock(base_url.group())
        assert clock.now() == datetime(2026, 9, 14, 0, 30, tzinfo=UTC)
    finally:
        process.terminate()
        process.wait(timeout=10)
