"""The outbox sender against the sandbox: permanent failures and priorities."""

from __future__ import annotations

import re

import pytest

from fieldbot.repositories.outbox import OutboxRepository
from fieldbot.sandbox.driver import Sandbox

pytestmark = pytest.mark.e2e


async def _notify(sb: Sandbox, staff_code: str, template: str, priority: int) -> None:
    runtime = sb.bots[0]
    store = runtime.store  # type: ignore[attr-defined]
    async with store.unit_of_work() as uow:
        row = await uow.staff.row(staff_code)
        assert row is not None and row.chat_id is not None
        await uow.outbox.enqueue(
            chat_id=row.chat_id,
            recipient_kind="staff",
            recipient_id=row.id,
            template=template,
            params={"args": {"name": staff_code}},
            now=sb.clock.now(),
            priority=priority,
        )
        await uow.commit()
    runtime.sender.wake()  # type: ignore[attr-defined]
    await sb.settle()


async def test_a_blocked_recipient_is_reported_to_the_branch_supervisor(sb: Sandbox) -> None:
    sup = sb.phone(user_id=2001, name="王芳", language="zh-hans")
    await sup.start(await sb.invite("S01"))
    await sup.wait_for("欢迎")
    tech = sb.phone(user_id=1003, name="T03", language="zh-hans")
    await tech.start(await sb.invite("T03"))
    await tech.wait_for("欢迎")
    await tech.block()
    await _notify(sb, "T03", "Hello, {name}. You can:", OutboxRepository.PRIORITY_NORMAL)
    report = await sup.wait_for("无法送达")
    assert "blocked" in report.text
    runtime = sb.bots[0]
    store = runtime.store  # type: ignore[attr-defined]
    async with store.unit_of_work(readonly=True) as uow:
        failed = await uow.outbox.messages(status="failed")
    assert [m.template for m in failed] == ["Hello, {name}. You can:"]


async def test_bursts_of_429_and_500_deliver_everything_once_in_priority_and_chat_order(
    sb: Sandbox,
) -> None:
    people = {"S01": 2001, "T01": 1001, "T02": 1002}
    phones = {}
    for code, user_id in people.items():
        phone = sb.phone(user_id=user_id, name=code, language="en")
        await phone.start(await sb.invite(code))
        await phone.wait_for("/help")
        phones[code] = phone
    runtime = sb.bots[0]
    store = runtime.store  # type: ignore[attr-defined]
    plan = [
        ("T01", OutboxRepository.PRIORITY_NORMAL, "info 1"),
        ("T02", OutboxRepository.PRIORITY_NORMAL, "info 2"),
        ("T01", OutboxRepository.PRIORITY_NORMAL, "info 3"),
        ("S01", OutboxRepository.PRIORITY_ESCALATION, "escalation 4"),
        ("T02", OutboxRepository.PRIORITY_ASSIGNMENT, "assignment 5"),
        ("T01", OutboxRepository.PRIORITY_ESCALATION, "escalation 6"),
        ("S01", OutboxRepository.PRIORITY_ESCALATION, "escalation 7"),
    ]
    sb.faults.fail_next("sendMessage", status=429, times=2, retry_after=1)
    sb.faults.fail_next("sendMessage", status=500, times=2)
    async with store.unit_of_work() as uow:
        for code, priority, label in plan:
            row = await uow.staff.row(code)
            assert row is not None and row.chat_id is not None
            await uow.outbox.enqueue(
                chat_id=row.chat_id,
                recipient_kind="staff",
                recipient_id=row.id,
                template="Hello, {name}. You can:",
                params={"args": {"name": label}},
                now=sb.clock.now(),
                priority=priority,
            )
        await uow.commit()
    runtime.sender.wake()  # type: ignore[attr-defined]
    await sb.settle(timeout=30)
    world = sb.server.world
    delivered: list[tuple[int, str]] = []
    label = re.compile(r"(?:info|escalation|assignment) \d")
    for code, phone in phones.items():
        labels = [m[0] for m in (label.findall(m.text) for m in phone.inbox) if m]
        expected = [name for who, _, name in plan if who == code]
        assert labels == expected, f"{code}: per-chat order broken: {labels}"
        for stored in world.bot_messages(people[code]):
            found = label.findall(stored.text or "")
            if found:
                delivered.append((stored.changed_seq, found[0]))
    assert len(delivered) == len(plan)
    order = [name for _, name in sorted(delivered)]
    # Each round sends the next message of every chat, escalations first, then assignments,
    # then information; within a chat the outbox's order holds (T01's escalation waits
    # behind its two earlier messages).
    assert order == [
        "escalation 4",
        "info 1",
        "info 2",
        "escalation 7",
        "assignment 5",
        "info 3",
        "escalation 6",
    ]
