"""``fieldbot job``: register and inspect jobs with the same services as the chat (§8)."""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo

import typer

from fieldbot.cli.common import BY_HELP, clock_for, open_store, operator, refuse, run, settings
from fieldbot.domain.errors import DomainError
from fieldbot.domain.model import JobState
from fieldbot.i18n import local_text
from fieldbot.repositories.clocks import ClockRow
from fieldbot.repositories.jobs import JobRecord
from fieldbot.repositories.signoffs import Settlement
from fieldbot.repositories.work_records import WorkRecordRow
from fieldbot.repositories.workshop import Receipt
from fieldbot.services.deadlines.job_clocks import past_deadline
from fieldbot.services.job_details import Deadline, JobDetails, JobSummary
from fieldbot.settings import Settings
from fieldbot.store import UnitOfWork

ACTOR = "admin"
T = TypeVar("T")
DEADLINES = ("assign", "contact", "arrival", "workshop")


def register(app: typer.Typer) -> None:
    job = typer.Typer(help="Jobs: register, list, show.", no_args_is_help=True)
    app.add_typer(job, name="job")

    @job.command("new")
    def new(
        customer: Annotated[str, typer.Option(help="customer code, phone or part of the name")],
        equipment: Annotated[str, typer.Option(help="serial of the customer's unit")],
        kind: Annotated[
            str, typer.Option(help="repair, installation, maintenance, training, consultation")
        ],
        priority: Annotated[str, typer.Option(help="emergency, general or consult")],
        fault: Annotated[str, typer.Option(help="the fault as the customer describes it")],
        at: Annotated[
            str | None,
            typer.Option("--at", help="call time, ISO 8601 (no offset: the branch's time)"),
        ] = None,
        channel: Annotated[
            str, typer.Option(help="phone, telegram, walk_in, email or other")
        ] = "phone",
        service_type: Annotated[
            str | None, typer.Option("--service-type", help="override the derived type A/B/C/D")
        ] = None,
        service_type_reason: Annotated[
            str | None, typer.Option("--service-type-reason", help="why the type is overridden")
        ] = None,
        zone: Annotated[
            str | None, typer.Option("--zone", help="override the derived zone")
        ] = None,
        zone_reason: Annotated[
            str | None, typer.Option("--zone-reason", help="why the zone is overridden")
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="print the job as JSON")] = False,
    ) -> None:
        """Register a call as a job; prints its number and its deadlines."""
        from fieldbot.services.calendars import require_branch
        from fieldbot.services.job_details import job_details
        from fieldbot.services.jobs import register_job, resolve_customer

        called = _instant(at) if at is not None else None
        config = settings()
        clock = clock_for(config)

        async def go(uow: UnitOfWork) -> JobDetails:
            called_at = called
            if called_at is not None and called_at.tzinfo is None:
                found = await resolve_customer(uow, customer)
                branch = await require_branch(uow, found.branch)
                called_at = called_at.replace(tzinfo=ZoneInfo(branch.timezone or config.timezone))
            registered = await register_job(
                uow,
                config,
                clock,
                customer=customer,
                equipment=equipment,
                kind=kind,
                priority=priority,
                fault=fault,
                actor=ACTOR,
                channel=channel,
                called_at=called_at,
                service_type_override=service_type,
                service_type_reason=service_type_reason,
                zone_override=zone,
                zone_reason=zone_reason,
            )
            return await job_details(uow, registered.number)

        details = _in_store(config, go, commit=True)
        tz = ZoneInfo(config.timezone)
        if as_json:
            print(json.dumps(summary_json(details.summary, tz), ensure_ascii=False))
            return
        job_ = details.job
        print(job_.number)
        print(f"  customer      {details.summary.customer}, branch {details.summary.branch}")
        print(f"  called at     {_shown(job_.called_at, tz)}")
        print(f"  service type  {job_.service_type.value}")
        print(f"  zone          {job_.zone.value}")
        for name, due in _deadlines(job_).items():
            if due is not None:
                print(f"  {name + ' due':<13} {_shown(due, tz)}")

    @job.command("list")
    def list_(
        branch: Annotated[str | None, typer.Option("--branch", help="a branch code")] = None,
        state: Annotated[
            str | None, typer.Option("--state", help="only jobs in this state")
        ] = None,
        technician: Annotated[
            str | None, typer.Option("--technician", help="a technician's staff code")
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="a list of jobs as JSON")] = False,
    ) -> None:
        """The call log: jobs in the order of the call, with the next deadline."""
        from fieldbot.services.job_details import list_jobs

        states = None if state is None else [_state(state)]
        config = settings()
        jobs = _in_store(
            config,
            lambda uow: list_jobs(uow, branch=branch, states=states, technician=technician),
        )
        tz = ZoneInfo(config.timezone)
        if as_json:
            print(json.dumps([summary_json(s, tz) for s in jobs], ensure_ascii=False))
            return
        if not jobs:
            print("no jobs")
            return
        print("\n".join(list_lines(jobs, tz)))

    @job.command("show")
    def show(
        number: Annotated[str, typer.Argument(help="the job number, e.g. J20260914-001")],
        as_json: Annotated[bool, typer.Option("--json", help="the job as JSON")] = False,
        by: Annotated[str | None, typer.Option("--by", help=BY_HELP)] = None,
    ) -> None:
        """A job with its customer (their phone: an access event), unit, deadlines, events."""
        from fieldbot.services.access_log import JOB_SHOW, Showing, phone_shown
        from fieldbot.services.job_details import job_details

        config = settings()
        now = clock_for(config).now()
        who = operator(by)

        async def go(uow: UnitOfWork) -> JobDetails:
            found = await job_details(uow, number)
            shown = Showing(found.job.customer_id, found.job.id)
            await phone_shown(uow, shown, shown=JOB_SHOW, now=now, operator=who)
            return found

        details = _in_store(config, go, commit=True)
        tz = ZoneInfo(config.timezone)
        if as_json:
            print(json.dumps(details_json(details, tz), ensure_ascii=False))
        else:
            print("\n".join(details_lines(details, tz, now)))


def _in_store(
    config: Settings,
    action: Callable[[UnitOfWork], Coroutine[Any, Any, T]],
    *,
    commit: bool = False,
) -> T:
    """Run ``action`` in one unit of work; domain refusals exit 1 with their reason."""

    async def go() -> T:
        async with open_store(config) as store, store.unit_of_work(readonly=not commit) as uow:
            result = await action(uow)
            if commit:
                await uow.commit()
            return result

    try:
        return run(go)
    except DomainError as exc:
        refuse(str(exc))


def _instant(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        refuse(f"--at {text!r} is not an ISO 8601 date and time (e.g. 2026-09-14T10:00+08:00)")


def _state(text: str) -> JobState:
    try:
        return JobState(text.strip().lower())
    except ValueError:
        refuse(f"unknown state {text!r}: one of {', '.join(s.value for s in JobState)}")


# --- rendering ---------------------------------------------------------------------------------


def _local(instant: datetime | None, tz: ZoneInfo) -> str | None:
    """ISO 8601 with the offset, for ``--json``."""
    return None if instant is None else instant.astimezone(tz).isoformat()


def _shown(instant: datetime, tz: ZoneInfo) -> str:
    """As people read it, in the chat too: ``2026-09-14 16:00``."""
    return local_text(instant, tz)


def _deadlines(job: JobRecord) -> dict[str, datetime | None]:
    return {
        "assign": job.assign_due_at,
        "contact": job.contact_due_at,
        "arrival": job.arrival_due_at,
        "workshop": job.workshop_due_at,
    }


def _deadline_json(deadline: Deadline | None, tz: ZoneInfo) -> dict[str, Any] | None:
    if deadline is None:
        return None
    return {"clock": deadline.clock, "due_at": _local(deadline.due_at, tz)}


def summary_json(summary: JobSummary, tz: ZoneInfo) -> dict[str, Any]:
    job = summary.job
    return {
        "number": job.number,
        "called_at": _local(job.called_at, tz),
        "state": job.state.value,
        "branch": summary.branch,
        "customer": summary.customer,
        "equipment": summary.equipment,
        "kind": job.kind.value,
        "priority": job.priority.value,
        "channel": job.channel.value,
        "service_type": job.service_type.value,
        "service_type_reason": job.service_type_reason,
        "zone": job.zone.value,
        "zone_reason": job.zone_reason,
        "technician": summary.technician,
        "carried_over": job.carried_over,
        "own_request": job.own_request,
        "appointment_at": _local(job.appointment_at, tz),
        "deadlines": {name: _local(due, tz) for name, due in _deadlines(job).items()},
        "next_deadline": _deadline_json(summary.next_deadline, tz),
    }


def clock_json(clock: ClockRow, tz: ZoneInfo) -> dict[str, Any]:
    """DESIGN.md §8: ``{"name", "state", "started_at", "due_at", "met"}``."""
    return {
        "name": clock.clock,
        "state": clock.state,
        "started_at": _local(clock.started_at, tz),
        "due_at": _local(clock.due_at, tz),
        "met": clock.met,
    }


def clock_line(clock: ClockRow, tz: ZoneInfo, now: datetime) -> str:
    """A clock of ``job show``: met or missed once stopped; a running one past its deadline
    is marked."""
    due = "-" if clock.due_at is None else _shown(clock.due_at, tz)
    if clock.state == "stopped":
        status = "met" if clock.met else "MISSED"
        stopped = "-" if clock.stopped_at is None else _shown(clock.stopped_at, tz)
        return f"    {clock.clock:<11} stopped {stopped}, due {due}: {status}"
    if past_deadline(clock, now):
        return f"    {clock.clock:<11} running, due {due}: PAST DEADLINE"
    return f"    {clock.clock:<11} {clock.state}, due {due}"


def settlement_json(found: Settlement | None, tz: ZoneInfo) -> dict[str, Any] | None:
    """DESIGN.md §8: ``{"method", "amount_fen", "invoice_number", "paid_at"}`` (None: not
    settled yet)."""
    if found is None:
        return None
    return {
        "method": found.method,
        "amount_fen": found.amount_fen,
        "invoice_number": found.invoice_number,
        "paid_at": _local(found.paid_at, tz),
    }


def receipt_json(found: Receipt | None) -> dict[str, Any] | None:
    """DESIGN.md §8: take-back and carry-in ``{"number", "voided"}`` (None: no receipt)."""
    return (
        None if found is None else {"number": found.number, "voided": found.voided_at is not None}
    )


def fees_json(work: WorkRecordRow | None) -> dict[str, Any] | None:
    """DESIGN.md §8: ``{"lines": [{"kind", "description", "amount_fen", "charged_fen"}],
    "total_fen", "due_fen"}`` of the latest work record (None: no work recorded yet)."""
    if work is None:
        return None
    lines = [
        {
            "kind": line.kind,
            "description": line.description,
            "amount_fen": line.amount_fen,
            "charged_fen": line.charged_fen,
        }
        for line in work.lines
    ]
    return {"lines": lines, "total_fen": work.total_fen, "due_fen": work.amount_due_fen}


def details_json(details: JobDetails, tz: ZoneInfo) -> dict[str, Any]:
    data = summary_json(details.summary, tz)
    unit = details.equipment
    data.update(
        clocks=[clock_json(clock, tz) for clock in details.clocks],
        settlement=settlement_json(details.settlement, tz),
        receipt=receipt_json(details.receipt),
        fees=fees_json(details.work),
        fault=details.job.fault,
        customer_name=details.customer.name,
        customer_phone=details.customer.phone,
        equipment_model=None if unit is None else unit.model,
        quote=quote_json(details),
        events=[
            {
                "seq": e.seq,
                "at": _local(e.at, tz),
                "actor": e.actor,
                "kind": e.kind,
                "payload": e.payload,
            }
            for e in details.events
        ],
    )
    return data


def quote_json(details: JobDetails) -> dict[str, Any] | None:
    """The latest quote: its estimate (labour and parts) and the answer (null: none yet)."""
    quote = details.quote
    if quote is None:
        return None
    accepted = None if quote.status == "pending" else quote.status == "accepted"
    return {"estimate_fen": quote.estimate_fen, "accepted": accepted}


def list_lines(jobs: list[JobSummary], tz: ZoneInfo) -> list[str]:
    header = (
        f"{'number':<14} {'called':<16} {'state':<19} {'priority':<9} {'type':<4} "
        f"{'zone':<8} {'customer':<8} {'tech':<6} next deadline"
    )
    lines = [header]
    for s in jobs:
        job = s.job
        called = _shown(job.called_at, tz)
        deadline = "-"
        if s.next_deadline is not None:
            due = _shown(s.next_deadline.due_at, tz)
            deadline = f"{s.next_deadline.clock} {due}"
        lines.append(
            f"{job.number:<14} {called:<16} {job.state.value:<19} {job.priority.value:<9} "
            f"{job.service_type.value:<4} {job.zone.value:<8} {s.customer:<8} "
            f"{s.technician or '-':<6} {deadline}"
        )
    return lines


def details_lines(details: JobDetails, tz: ZoneInfo, now: datetime) -> list[str]:
    job, summary = details.job, details.summary
    unit = details.equipment
    lines = [
        f"{job.number}  {job.state.value}",
        f"  called at     {_shown(job.called_at, tz)} ({job.channel.value})",
        f"  branch        {summary.branch}",
        f"  customer      {summary.customer} {details.customer.name}",
        f"  phone         {details.customer.phone or '-'}",
        f"  equipment     {'-' if unit is None else f'{unit.serial} {unit.model}'}",
        f"  kind          {job.kind.value}, priority {job.priority.value}",
        f"  fault         {job.fault}",
        f"  service type  {job.service_type.value}"
        + (f" (overridden: {job.service_type_reason})" if job.service_type_reason else ""),
        f"  zone          {job.zone.value}"
        + (f" (overridden: {job.zone_reason})" if job.zone_reason else ""),
        f"  technician    {summary.technician or '-'}",
    ]
    if job.appointment_at is not None:
        lines.append(f"  appointment   {_shown(job.appointment_at, tz)}")
    running = {d.clock for d in details.deadlines}
    for name, due in _deadlines(job).items():
        if due is not None:
            status = "running" if name in running else "stopped"
            lines.append(f"  {name + ' due':<13} {_shown(due, tz)} ({status})")
    settled = details.settlement
    if settled is not None:
        paid = "" if settled.method != "invoice" else " unpaid"
        if settled.paid_at is not None:
            paid = f" paid {_shown(settled.paid_at, tz)}"
        invoice = f" invoice {settled.invoice_number}" if settled.invoice_number else ""
        lines.append(f"  settlement    {settled.method} {settled.amount_fen} fen{invoice}{paid}")
    if details.clocks:
        lines.append("  clocks")
        lines.extend(clock_line(clock, tz, now) for clock in details.clocks)
    lines.append("  events")
    for event in details.events:
        lines.append(f"    #{event.seq} {_shown(event.at, tz)} {event.actor} {event.kind}")
    return lines
