"""Cards shown by reads are remembered like pushed cards (DESIGN.md §3 "Every card offers the
next step"): the technician's job card from /jobs, the storekeeper's /requests and the
summary a sign-off link opens lose their keyboard once their action is done. The handlers run
in a real turn on the store (SQLite and PostgreSQL), without the sandbox."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from telegram import Chat, Message, Update, User

from fieldbot.handlers.signoff_link import open_signoff
from fieldbot.handlers.storekeeper import requests_command
from fieldbot.handlers.technician.dispatch_card import jobs_command
from fieldbot.handlers.turn import Deps, Turn
from fieldbot.i18n import Catalogs
from fieldbot.rendering import KEYBOARD
from fieldbot.services import dispatch, signoff, spare_parts, work_record
from fieldbot.services.workflow import CARD, CARD_SENT, card_key, part_request_key
from tests.services.workflow.conftest import STAFF_USERS, Flow, to_on_site

CAFE = 5003  # C003's phone, not bound yet


def _update(user_id: int, text: str) -> Update:
    user = User(id=user_id, first_name="someone", is_bot=False, language_code="en")
    chat = Chat(id=user_id, type="private")
    message = Message(message_id=1, date=datetime.now(UTC), chat=chat, from_user=user, text=text)
    return Update(update_id=1, message=message)


async def _turn(flow: Flow, user_id: int, handler: Callable[[Turn], Awaitable[Any]]) -> None:
    """One update's turn, as the router runs it: the handler, then the commit."""
    deps = Deps(flow.settings, flow.clock, flow.store, Catalogs.load(), "fieldbot_test_bot")
    async with Turn(deps, _update(user_id, "/x")) as turn:
        await handler(turn)
        await turn.commit()


async def _reply(flow: Flow, chat_id: int) -> int:
    """The last message queued for the chat, with its buttons."""
    last = (await flow.outbox(chat_id))[-1]
    assert last.params.get("buttons")
    return last.id


async def _remembered(flow: Flow, key: str) -> list[int]:
    events = await flow.read(lambda uow: uow.events.for_subject(CARD, key))
    return [i for e in events if e.kind == CARD_SENT for i in e.payload["messages"]]


async def _keyboard_gone(flow: Flow, chat_id: int, outbox_id: int) -> bool:
    return any(
        m.method == "edit" and m.template == KEYBOARD and m.ref_outbox_id == outbox_id
        for m in await flow.outbox(chat_id)
    )


async def test_the_job_card_from_jobs_loses_its_buttons_once_the_job_moves_on(
    flow: Flow,
) -> None:
    job = await flow.new_job("C001", "RF25-0001")
    await flow.run(dispatch.dispatch, job=job.id, technician="T01", actor="S01")
    chat = STAFF_USERS["T01"]
    await _turn(flow, chat, lambda turn: jobs_command(turn, ""))
    card = await _reply(flow, chat)
    dispatched = await flow.job(job.id or 0)
    assert card in await _remembered(flow, card_key(dispatched))
    assert not await _keyboard_gone(flow, chat, card)
    await flow.run(dispatch.accept, job=job.id, actor="T01")
    assert await _keyboard_gone(flow, chat, card)


async def test_a_request_listed_by_requests_loses_deliver_once_delivered(flow: Flow) -> None:
    job = await flow.new_job("C003", "CF21-0033")
    await to_on_site(flow, job, "T02")
    needed = await flow.run(spare_parts.need_part, job=job.id, actor="T02", parts=[("P011", 1)])
    (request,) = needed.requests
    chat = STAFF_USERS["K01"]
    await _turn(flow, chat, lambda turn: requests_command(turn, ""))
    listed = await _reply(flow, chat)
    assert listed in await _remembered(flow, part_request_key(request.id))
    await flow.run(spare_parts.deliver_part, request_id=request.id, actor="K01")
    assert await _keyboard_gone(flow, chat, listed)


async def test_the_summary_a_signoff_link_opens_loses_confirm_once_signed_off(
    flow: Flow,
) -> None:
    job = await flow.new_job("C003", "CF21-0033")  # the customer binds through the link
    await to_on_site(flow, job, "T02")
    finished = await flow.run(
        work_record.finish, job=job.id, actor="T02", work="descaled", minutes=30
    )
    assert finished.signoff_link is not None
    link = finished.signoff_link

    async def opened(turn: Turn) -> None:
        assert await open_signoff(turn, link)

    await _turn(flow, CAFE, opened)
    summary = await _reply(flow, CAFE)
    assert summary in await _remembered(flow, card_key(await flow.job(job.id or 0)))
    await flow.run(signoff.confirm, job=job.id, customer="C003")
    assert await _keyboard_gone(flow, CAFE, summary)
