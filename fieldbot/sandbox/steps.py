"""Scripted steps through the chats that the end-to-end tests and ``fieldbot demo`` share.

Each step presses the same buttons a person presses, waits for the bot's answer through the
driver (never a sleep) and returns when the step is done. The labels are those of the sample
company's people in their own languages (DESIGN.md §8): S01 registers in Chinese, T02 works in
English.
"""

from __future__ import annotations

import re

from fieldbot.sandbox.driver import Phone, Sandbox

__all__ = [
    "JOB_NUMBER",
    "accept_and_arrive",
    "arrive",
    "bind_customer",
    "finish_form",
    "register_call",
    "staff",
]

JOB_NUMBER = re.compile(r"J\d{8}-\d{3}")


async def staff(sb: Sandbox, code: str, user_id: int, name: str, language: str) -> Phone:
    """A staff member opens their invite link and is welcomed."""
    phone = sb.phone(user_id=user_id, name=name, language=language)
    await phone.start(await sb.invite(code))
    await phone.wait_for(re.compile("Welcome|欢迎"))
    return phone


async def bind_customer(
    sb: Sandbox, phone_number: str, user_id: int, name: str, language: str = "en"
) -> Phone:
    """A customer binds to their record by sharing their own contact."""
    phone = sb.phone(user_id=user_id, name=name, language=language)
    await phone.share_contact(phone=phone_number)
    await phone.wait_for(re.compile("registered as our customer|客户"))
    return phone


async def register_call(sup: Phone, search: str, serial: str, priority: str, fault: str) -> str:
    """S01 (Chinese) registers a repair call from ``/new``; returns the job number. The dispatch
    suggestions follow in the same chat."""
    await sup.send("/new")
    await sup.wait_for("哪位客户来电")
    await sup.send(search)
    await sup.wait_for("哪台设备")
    await sup.tap(re.compile(serial))
    await sup.tap("维修")
    await sup.tap(priority)
    await sup.wait_for("描述故障")
    await sup.send(fault)
    await sup.tap("电话")
    await sup.wait_for("服务类型")
    await sup.tap("登记")
    registered = await sup.wait_for("已登记工单")
    found = JOB_NUMBER.search(registered.text)
    assert found is not None
    return found.group(0)


async def arrive(
    tech: Phone, site: tuple[float, float], *, expect: str = "arrival verified"
) -> None:
    """On my way, Arrived, the location shared at ``site`` (English); ``expect`` is the answer
    awaited (outside the geofence: "arrival unverified")."""
    await tech.tap("On my way")
    await tech.wait_for("on your way")
    await tech.tap("Arrived")
    await tech.wait_for("share your location")
    await tech.share_location(*site)
    await tech.wait_for(expect)


async def accept_and_arrive(tech: Phone, *, at: tuple[float, float] | None) -> None:
    """Accept → in 1 h → arrived, by location (``at``) or manually (English)."""
    await tech.tap("Accept")
    await tech.wait_for("When will you be there")
    await tech.tap("In 1 h")
    await tech.wait_for("appointment set")
    await tech.tap("Arrived")
    await tech.wait_for("share your location")
    if at is None:
        await tech.tap("Arrived without location")
    else:
        await tech.share_location(*at)
    await tech.wait_for("arrival")


async def finish_form(
    tech: Phone,
    *,
    work: str,
    hours: str,
    parts: list[tuple[str, str]],
    fees: tuple[str | None, str, str],
) -> None:
    """Fill in the finish form after tapping Finish, up to the summary (English). A labour
    fee of None: the job's service type charges no labour, and the form does not ask it."""
    await tech.tap("Finish")
    await tech.wait_for("what did you do")
    await tech.send(work)
    await tech.wait_for("How many hours")
    await tech.send(hours)
    for code, quantity in parts:
        await tech.wait_for("Parts used from your van")
        await tech.send(code)
        await tech.wait_for("Parts matching")
        await tech.tap(re.compile(f"^{code} "))
        await tech.wait_for("How many of")
        await tech.send(quantity)
    await tech.wait_for("Parts used from your van")
    await tech.tap("No more parts")
    if fees[0] is not None:
        await tech.wait_for("Labour fee")
        await tech.send(fees[0])
    await tech.wait_for("Travel fee")
    await tech.send(fees[1])
    await tech.wait_for("other fee")
    await tech.send(fees[2])
    await tech.wait_for("to be recorded")
