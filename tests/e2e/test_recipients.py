"""Who hears about a job (DESIGN.md §3): when a branch's supervisors exist but have not bound a
chat, fee approvals, declines, disputes and undeliverable alerts reach the branch's managers
(none: every manager), and the manager may act on them as the supervisor would."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest

from fieldbot.domain.entitlement import FeeKind, FeeLine
from fieldbot.domain.errors import NotAllowed
from fieldbot.domain.model import JobState, Language, Role, Staff
from fieldbot.domain.money import Money
from fieldbot.repositories.outbox import OutboxRepository
from fieldbot.sandbox.driver import Phone, Sandbox
from fieldbot.sandbox.limits import Limits
from fieldbot.services import dispatch as dispatching
from fieldbot.services import quote, signoff, visit, work_record
from fieldbot.services.jobs import register_job

pytestmark = pytest.mark.e2e

FAST = {"send_rate_per_chat": 100, "send_burst_per_chat": 100}
FAST_LIMITS = Limits(per_chat_rate=100, per_chat_burst=100)


@pytest.fixture(params=["sqlite", "postgresql"])
async def sb(request: pytest.FixtureRequest) -> AsyncIterator[Sandbox]:
    db_url = request.getfixturevalue("pg_url") if request.param == "postgresql" else None
    async with Sandbox.start(db_url=db_url, settings=FAST, limits=FAST_LIMITS) as sandbox:
        yield sandbox


async def _add_manager(sb: Sandbox, code: str, branch: str | None, language: Language) -> None:
    store = sb.bots[0].store  # type: ignore[attr-defined]
    async with store.unit_of_work() as uow:
        await uow.staff.upsert(
            Staff(
                code=code,
                name=f"Manager {code}",
                roles=frozenset({Role.MANAGER}),
                phone="+8613817760" + code[1:].rjust(3, "9"),
                language=language,
                branch=branch,
            )
        )
        await uow.commit()


async def _bind(sb: Sandbox, user_id: int, code: str, language: str) -> Phone:
    phone = sb.phone(user_id=user_id, name=code, language=language)
    await phone.start(await sb.invite(code))
    await phone.wait_for(re.compile("Welcome|欢迎"))
    return phone


async def _run(sb: Sandbox, service: Callable[..., Awaitable[Any]], **kwargs: Any) -> Any:
    bot = sb.bots[0]
    async with bot.store.unit_of_work() as uow:  # type: ignore[attr-defined]
        result = await service(uow, bot.deps.settings, bot.clock, **kwargs)  # type: ignore[attr-defined]
        await uow.commit()
    bot.sender.wake()  # type: ignore[attr-defined]
    await sb.settle()
    return result


async def _state(sb: Sandbox, number: str) -> JobState:
    store = sb.bots[0].store  # type: ignore[attr-defined]
    async with store.unit_of_work(readonly=True) as uow:
        job = await uow.jobs.by_number(number)
    assert job is not None
    return job.state


async def _dispatched(sb: Sandbox) -> str:
    """A repair of C004's unit (branch SH02) registered and dispatched by S02, who never
    bound a chat, to T04."""
    job = await _run(
        sb,
        register_job,
        customer="C004",
        equipment="RF24-0211",
        kind="repair",
        priority="general",
        fault="does not cool",
        actor="staff:test",
    )
    await _run(sb, dispatching.dispatch, job=job.number, technician="T04", actor="S02")
    return str(job.number)


async def _on_site(sb: Sandbox) -> str:
    number = await _dispatched(sb)
    await _run(sb, dispatching.accept, job=number, actor="T04")
    at = sb.clock.now() + timedelta(hours=2)
    await _run(sb, visit.set_appointment, job=number, actor="T04", at=at)
    await _run(sb, visit.arrive, job=number, actor="T04")
    # type A: the fees these tests record are above the quote limit, accepted first (§3)
    await _run(sb, quote.send_quote, job=number, actor="T04", labour_fen=90000, parts_fen=0)
    await _run(sb, quote.answer, job=number, decision="accept", actor="T04", photo="signed")
    return number


def _labour(yuan: int) -> list[FeeLine]:
    return [FeeLine(FeeKind.LABOUR, "labour", Money(yuan * 100))]


async def test_fee_approval_with_unbound_supervisors_reaches_the_branch_manager_who_approves(
    sb: Sandbox,
) -> None:
    await _add_manager(sb, "M02", "SH02", Language.EN)
    manager = await _bind(sb, 2102, "M02", "en")
    everyone = await _bind(sb, 2101, "M01", "zh-hans")  # a manager of no branch
    number = await _on_site(sb)
    await _run(
        sb,
        work_record.finish,
        job=number,
        actor="T04",
        work="compressor",
        minutes=90,
        fees=_labour(800),
    )
    asked = await manager.wait_for("needs your approval")
    assert asked.buttons == [["Approve", "Reject"]]
    assert not [m for m in everyone.inbox if number in m.text]  # the branch's own manager only
    await manager.tap("Approve")
    await manager.wait_for(f"The fees of job {number} are approved")
    assert await _state(sb, number) is JobState.AWAITING_SIGNOFF


async def test_with_no_manager_in_the_branch_every_manager_hears_and_may_reject_the_fees(
    sb: Sandbox,
) -> None:
    manager = await _bind(sb, 2101, "M01", "zh-hans")
    number = await _on_site(sb)
    await _run(
        sb,
        work_record.finish,
        job=number,
        actor="T04",
        work="压缩机",
        minutes=90,
        fees=_labour(800),
    )
    asked = await manager.wait_for("需要您审批")
    assert asked.buttons == [["批准", "驳回"]]
    await manager.tap("驳回")
    await manager.wait_for(f"为什么驳回工单 {number} 的费用")
    await manager.send("工时过长")
    await manager.wait_for("费用已驳回：工时过长")
    assert await _state(sb, number) is JobState.ON_SITE


async def test_a_decline_with_unbound_supervisors_reaches_the_branch_manager(
    sb: Sandbox,
) -> None:
    await _add_manager(sb, "M03", "SH02", Language.ZH_CN)
    manager = await _bind(sb, 2103, "M03", "zh-hans")
    number = await _dispatched(sb)
    await _run(sb, dispatching.decline, job=number, actor="T04", reason="今天太远")
    notice = await manager.wait_for("今天太远")
    assert number in notice.text


async def test_a_dispute_with_unbound_supervisors_reaches_the_manager_who_sends_it_to_rework(
    sb: Sandbox,
) -> None:
    manager = await _bind(sb, 2101, "M01", "zh-hans")
    number = await _on_site(sb)
    await _run(
        sb,
        work_record.finish,
        job=number,
        actor="T04",
        work="seal",
        minutes=30,
        fees=_labour(100),
    )
    await _run(sb, signoff.dispute, job=number, customer="C004", reason="still warm")
    await manager.wait_for("手动报到")  # the unverified arrival reached the manager too
    disputed = await manager.wait_for("有异议：still warm")
    assert disputed.buttons == [["返工", "按现状接受"]]
    await manager.tap("返工")
    await manager.wait_for("返回现场返工")
    assert await _state(sb, number) is JobState.ON_SITE


async def test_an_undeliverable_alert_with_unbound_supervisors_reaches_the_managers(
    sb: Sandbox,
) -> None:
    manager = await _bind(sb, 2101, "M01", "zh-hans")
    tech = await _bind(sb, 1003, "T03", "zh-hans")
    await tech.block()
    runtime = sb.bots[0]
    async with runtime.store.unit_of_work() as uow:  # type: ignore[attr-defined]
        row = await uow.staff.row("T03")
        assert row is not None and row.chat_id is not None
        await uow.outbox.enqueue(
            chat_id=row.chat_id,
            recipient_kind="staff",
            recipient_id=row.id,
            template="Hello, {name}. You can:",
            params={"args": {"name": "T03"}},
            now=sb.clock.now(),
            priority=OutboxRepository.PRIORITY_NORMAL,
        )
        await uow.commit()
    runtime.sender.wake()  # type: ignore[attr-defined]
    await sb.settle()
    report = await manager.wait_for("无法送达")
    assert "blocked" in report.text


async def test_a_manager_who_did_not_hear_about_the_job_may_not_approve_it(
    sb: Sandbox,
) -> None:
    await _add_manager(sb, "M02", "SH02", Language.EN)
    await _bind(sb, 2102, "M02", "en")
    other = await _bind(sb, 2101, "M01", "zh-hans")  # the branch has its own manager: not M01
    number = await _on_site(sb)
    await _run(
        sb,
        work_record.finish,
        job=number,
        actor="T04",
        work="compressor",
        minutes=90,
        fees=_labour(800),
    )
    with pytest.raises(NotAllowed):
        await _run(sb, work_record.approve, job=number, actor="M01")
    assert not [m for m in other.inbox if number in m.text]
    assert await _state(sb, number) is JobState.AWAITING_APPROVAL


async def test_a_manager_of_another_branch_the_notices_fall_back_to_may_act_on_its_buttons(
    sb: Sandbox,
) -> None:
    # SH02 has neither a bound supervisor nor a manager: every bound manager hears, here only
    # one of SH01. Staff of a branch see only their branch's jobs, but whoever a branch's
    # notices fall back to sees the jobs the notices are about.
    await _add_manager(sb, "M05", "SH01", Language.EN)
    manager = await _bind(sb, 2105, "M05", "en")
    number = await _on_site(sb)
    await _run(
        sb,
        work_record.finish,
        job=number,
        actor="T04",
        work="compressor",
        minutes=90,
        fees=_labour(800),
    )
    asked = await manager.wait_for("needs your approval")
    assert asked.buttons == [["Approve", "Reject"]]
    await manager.tap("Approve")
    await manager.wait_for(f"The fees of job {number} are approved")
    assert await _state(sb, number) is JobState.AWAITING_SIGNOFF
