"""The outbox sender against the sandbox: permanent failures and priorities."""

from __future__ import annotations

import pytest

from fieldbot.sandbox.driver import Sandbox
from fieldbot.store import OutboxRepository

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
