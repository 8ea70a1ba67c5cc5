"""The sign-off summary (DESIGN.md §3 Second pass): the work (or what was advised remotely, or
the declined quote), every part (code, name, quantity, charged or covered), every fee line, the
total and the amount due; the approval card shows the same lines."""

from __future__ import annotations

from typing import Any

from fieldbot.i18n import N_
from fieldbot.labels import FEE_KIND_NAMES
from fieldbot.repositories.jobs import JobRecord
from fieldbot.repositories.work_records import FeeLineRow, WorkRecordRow
from fieldbot.services.workflow import customer_arg, job_id, money_arg
from fieldbot.store import UnitOfWork

PART_LINE = N_("Part {part}: {amount}, {status}")
FEE_LINE = N_("Fee, {kind}: {amount}, {status}")
NO_LINES = N_("No parts or fees.")
CHARGED = N_("charged")
UNDER_WARRANTY = N_("under warranty")
UNDER_CONTRACT = N_("under contract")
REMOTE_WORK = N_("resolved remotely, no visit: {advice}")
QUOTE_DECLINED_WORK = N_("no repair: the quote of {estimate} was declined")
QUOTE_ACCEPTED_LINE = N_("Quoted estimate: {estimate} (accepted); final amount: {total}")


def _summary_line(work: WorkRecordRow, line: FeeLineRow) -> dict[str, Any]:
    """One part or fee line of the sign-off summary: charged, or covered (type B: by the
    contract; otherwise by the warranty)."""
    if line.charged_fen >= line.amount_fen:
        status = CHARGED
    else:
        status = UNDER_CONTRACT if work.service_type == "B" else UNDER_WARRANTY
    args: dict[str, Any] = {"amount": money_arg(line.amount_fen), "status": {"t": status}}
    if line.kind == "parts":
        return {"t": PART_LINE, "args": {**args, "part": line.description}}
    return {"t": FEE_LINE, "args": {**args, "kind": {"t": FEE_KIND_NAMES[line.kind]}}}


def summary_lines(work: WorkRecordRow) -> list[dict[str, Any]]:
    """Every part and fee line of a work record, charged or covered (summary, approval card)."""
    return [_summary_line(work, line) for line in work.lines] or [{"t": NO_LINES}]


def signoff_args(job: JobRecord, work: WorkRecordRow) -> dict[str, Any]:
    """The sign-off summary (DESIGN.md §3 Second pass): the work, every part (code, name,
    quantity, charged or covered), every fee line, the total and the amount due."""
    return {
        "number": job.number,
        "work": work.description,
        "items": {"lines": summary_lines(work)},
        "total": money_arg(work.total_fen),
        "due": money_arg(work.amount_due_fen),
        "customer": customer_arg(job.customer_id),
    }


async def remote_record(uow: UnitOfWork, job: JobRecord, work: WorkRecordRow) -> bool:
    """Whether ``work`` is the record of a remote resolution (what was advised, no visit)."""
    events = await uow.events.for_subject("job", job_id(job))
    steps = {(event.kind, event.payload.get("work_record_id")) for event in events}
    return ("job.resolve_remotely", work.id) in steps


async def summary_args(uow: UnitOfWork, job: JobRecord, work: WorkRecordRow) -> dict[str, Any]:
    """:func:`signoff_args`, naming what was advised (remote) and the quoted estimate."""
    args = signoff_args(job, work)
    if await remote_record(uow, job, work):
        args["work"] = {"t": REMOTE_WORK, "args": {"advice": work.description}}
    quote = await uow.fieldwork.latest_quote(job_id(job))
    if quote is None or quote.created_at > work.created_at:
        return args
    estimate = money_arg(quote.estimate_fen)
    if quote.status == "declined" and quote.work_record_id == work.id:
        args["work"] = {"t": QUOTE_DECLINED_WORK, "args": {"estimate": estimate}}
    elif quote.status == "accepted":
        line = {"t": QUOTE_ACCEPTED_LINE, "args": {"estimate": estimate, "total": args["total"]}}
        args["items"] = {"lines": [*args["items"]["lines"], line]}
    return args
