"""``fieldbot job`` through the real command line on the sample company (SQLite)."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner, Result

from fieldbot.cli import app

NUMBER = re.compile(r"^J\d{8}-\d{3}$")


def new_job(
    runner: CliRunner, *extra: str, customer: str = "C004", equipment: str = "IM24-0210"
) -> Result:
    return runner.invoke(
        app,
        [
            "job",
            "new",
            "--customer",
            customer,
            "--equipment",
            equipment,
            "--kind",
            "repair",
            "--priority",
            "general",
            "--fault",
            "no ice",
            *extra,
        ],
    )


def test_new_prints_the_number_and_the_deadlines(runner: CliRunner, cli_company: str) -> None:
    result = new_job(runner, "--at", "2026-09-30T16:00+08:00")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "J20260930-001"
    text = result.stdout
    assert "zone          suburban" in text and "service type  A" in text
    assert "called at     2026-09-30 16:00" in text
    assert "assign due    2026-10-01 16:00" in text
    # 7 working hours for the suburban site: 2 on the 30th, National Day, 5 on the 8th
    assert "arrival due   2026-10-08 15:00" in text
    assert "contact due" not in text


def test_new_reads_a_naive_call_time_in_the_branch_timezone(
    runner: CliRunner, cli_company: str
) -> None:
    result = new_job(
        runner,
        "--at",
        "2026-09-14T10:00",
        "--json",
        customer="C001",
        equipment="RF25-0001",
    )
    assert result.exit_code == 0, result.output
    job = json.loads(result.stdout)
    assert NUMBER.match(job["number"])
    assert job["called_at"] == "2026-09-14T10:00:00+08:00"
    assert (job["service_type"], job["zone"], job["state"]) == ("C", "urban", "registered")
    assert job["deadlines"]["arrival"] == "2026-09-14T17:00:00+08:00"
    assert job["next_deadline"] == {"clock": "arrival", "due_at": "2026-09-14T17:00:00+08:00"}


def test_list_gives_the_call_log_in_call_order(runner: CliRunner, cli_company: str) -> None:
    new_job(runner, "--at", "2026-09-14T11:00+08:00", customer="C003", equipment="CF21-0033")
    new_job(runner, "--at", "2026-09-14T09:00+08:00", customer="C002", equipment="CF22-0107")
    result = runner.invoke(app, ["job", "list", "--json"])
    assert result.exit_code == 0, result.output
    jobs = json.loads(result.stdout)
    assert [(j["number"], j["customer"], j["service_type"]) for j in jobs] == [
        ("J20260914-002", "C002", "B"),
        ("J20260914-001", "C003", "A"),
    ]
    assert all(j["technician"] is None and j["state"] == "registered" for j in jobs)
    table = runner.invoke(app, ["job", "list"]).stdout.splitlines()
    assert table[0].startswith("number")
    assert [line.split()[0] for line in table[1:]] == ["J20260914-002", "J20260914-001"]
    assert "arrival 2026-09-14 16:00" in table[1]
    assert (
        json.loads(runner.invoke(app, ["job", "list", "--json", "--branch", "SH02"]).stdout) == []
    )


def test_show_gives_the_job_and_its_events(runner: CliRunner, cli_company: str) -> None:
    number = new_job(runner, customer="C002", equipment="CF22-0107").stdout.splitlines()[0]
    result = runner.invoke(app, ["job", "show", number])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{number}  registered")
    assert "C002 Blue Harbour Bistro" in result.stdout and "job.registered" in result.stdout
    data = json.loads(runner.invoke(app, ["job", "show", number, "--json"]).stdout)
    # the text reads dates as the chat does; --json keeps ISO 8601 with the offset
    assert f"  called at     {data['called_at'][:10]} {data['called_at'][11:16]} (phone)" in (
        result.stdout
    )
    assert "T" in data["called_at"] and data["called_at"].endswith("+08:00")
    assert f"{data['called_at'][11:16]} admin job.registered" in result.stdout
    assert data["fault"] == "no ice" and data["equipment"] == "CF22-0107"
    assert [e["kind"] for e in data["events"]] == ["job.registered"]
    assert data["events"][0]["actor"] == "admin"


@pytest.mark.parametrize(
    ("extra", "customer", "equipment", "reason"),
    [
        ((), "C999", "IM24-0210", "no customer"),
        ((), "C004", "XX-0000", "unknown equipment"),
        ((), "C004", "CF22-0107", "does not belong to customer C004"),
        (("--kind", "demolition"), "C004", "IM24-0210", "kind 'demolition' is not one of"),
        (("--priority", "urgent"), "C004", "IM24-0210", "priority 'urgent' is not one of"),
        (("--at", "soon"), "C004", "IM24-0210", "not an ISO 8601"),
        (("--service-type", "A"), "C004", "IM24-0210", "needs a reason"),
        ((), "酒店", "IM24-0210", "C005 和悦大酒店"),
    ],
)
def test_bad_intake_exits_1_with_the_reason_and_registers_nothing(
    runner: CliRunner,
    cli_company: str,
    extra: tuple[str, ...],
    customer: str,
    equipment: str,
    reason: str,
) -> None:
    result = new_job(runner, *extra, customer=customer, equipment=equipment)
    assert result.exit_code == 1, result.output
    assert reason in result.stderr
    assert json.loads(runner.invoke(app, ["job", "list", "--json"]).stdout) == []


def test_show_of_an_unknown_job_exits_1(runner: CliRunner, cli_company: str) -> None:
    result = runner.invoke(app, ["job", "show", "J20260914-999"])
    assert result.exit_code == 1 and "unknown job" in result.stderr
    bad_state = runner.invoke(app, ["job", "list", "--state", "lost"])
    assert bad_state.exit_code == 1 and "unknown state" in bad_state.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["job", "new", "--customer", "C004"],
        ["job", "show"],
        ["job", "list", "--colour", "red"],
    ],
)
def test_wrong_usage_exits_2(runner: CliRunner, cli_db: str, args: list[str]) -> None:
    assert runner.invoke(app, args).exit_code == 2


def test_show_says_met_or_missed_and_marks_a_running_clock_past_its_deadline(
    runner: CliRunner, cli_company: str
) -> None:
    # Called 2026-09-14 09:00 and accepted only now (the system clock, long after): dispatch
    # stopped missed, arrival still running and past its deadline.
    import asyncio

    from fieldbot.clock import SystemClock
    from fieldbot.crypto import Cipher
    from fieldbot.services import dispatch as dispatching
    from fieldbot.settings import load_settings
    from fieldbot.store import Store

    created = new_job(runner, "--at", "2026-09-14T09:00+08:00", "--json")
    number = json.loads(created.stdout)["number"]
    config = load_settings(read_env_file=False)

    async def dispatch_and_accept() -> None:
        store = Store.open(cli_company, Cipher.from_master_key(config.key_bytes()))
        try:
            for step, actor in ((dispatching.dispatch, "S02"), (dispatching.accept, "T04")):
                async with store.unit_of_work() as uow:
                    extra = {"technician": "T04"} if actor == "S02" else {}
                    await step(uow, config, SystemClock(), job=number, actor=actor, **extra)
                    await uow.commit()
        finally:
            await store.close()

    asyncio.run(dispatch_and_accept())
    data = json.loads(runner.invoke(app, ["job", "show", number, "--json"]).stdout)
    clocks = {c["name"]: c for c in data["clocks"]}
    # §4 order; a repair runs the resolution clock from the call too
    assert [c["name"] for c in data["clocks"]] == ["assign", "contact", "arrival", "resolution"]
    assert set(clocks["assign"]) == {"name", "state", "started_at", "due_at", "met"}
    assert clocks["assign"]["state"] == "stopped" and clocks["assign"]["met"] is False
    assert clocks["assign"]["started_at"] == "2026-09-14T09:00:00+08:00"
    assert clocks["assign"]["due_at"] == "2026-09-15T09:00:00+08:00"
    assert clocks["arrival"]["state"] == "running" and clocks["arrival"]["met"] is None
    text = runner.invoke(app, ["job", "show", number]).stdout
    assert re.search(r"assign +stopped .*, due 2026-09-15 09:00: MISSED", text), text
    assert re.search(r"arrival +running, due 2026-09-14 1\d:00: PAST DEADLINE", text), text
    assert clocks["resolution"]["due_at"] == "2026-09-16T18:00:00+08:00"  # 3 working days
    assert re.search(r"resolution +running, due 2026-09-16 18:00: PAST DEADLINE", text), text


def test_show_lists_the_first_reply_clock_of_a_customers_own_request(
    runner: CliRunner, cli_company: str
) -> None:
    # DESIGN.md §4: a customer's own request (the chat) runs the first-reply clock, 2 h.
    import asyncio

    from fieldbot.clock import SystemClock
    from fieldbot.crypto import Cipher
    from fieldbot.services.customer_requests import report_fault
    from fieldbot.settings import load_settings
    from fieldbot.store import Store

    config = load_settings(read_env_file=False)

    async def report() -> str:
        store = Store.open(cli_company, Cipher.from_master_key(config.key_bytes()))
        try:
            async with store.unit_of_work() as uow:
                done = await report_fault(
                    uow,
                    config,
                    SystemClock(),
                    customer="C004",
                    equipment="im24-0210",
                    fault="no ice",
                    priority="general",
                )
                await uow.commit()
            return done.job.number
        finally:
            await store.close()

    number = asyncio.run(report())
    data = json.loads(runner.invoke(app, ["job", "show", number, "--json"]).stdout)
    assert [c["name"] for c in data["clocks"]][:3] == ["first_reply", "assign", "arrival"]
    first = data["clocks"][0]
    assert first["state"] == "running" and first["met"] is None
    assert data["channel"] == "telegram" and data["kind"] == "repair" and data["own_request"]
