"""The supervisor's chat (DESIGN.md §1, §3), by what the supervisor does:

- ``intake``: registering a call (/new) and its summary;
- ``override``: correcting a job's service type, zone or priority (/override);
- ``calls``: the call log (/calls); ``job_card``: a job's card (/job);
- ``suggestions``: the technicians suggested for a job, dispatch and reassign;
- ``decisions``: cancel, fees (approve/reject), disputes, inspections;
- ``remote``: resolving a job remotely, the customer's confirmation by phone;
- ``deadlines``: pausing and resuming a job's deadline clocks (/pause, /resume);
- ``customer_reply``: replying to a customer's own request from its card;
- ``complaints``: the complaint register and cards, survey candidates and coverage;
- ``kpis``: /kpi, the KPIs of a branch, the company or a technician (with their month);
- ``cards``: the cards and keyboards all of these show; ``common``: what they share.

The route checks each permission (register_job, dispatch, view_call_log…) once; what depends
on the job (its branch, who a branch's decisions fall back to) is checked here.
"""

from __future__ import annotations

from fieldbot.handlers.routes import Route
from fieldbot.handlers.supervisor import (
    calls,
    complaints,
    customer_reply,
    deadlines,
    decisions,
    intake,
    job_card,
    kpis,
    override,
    remote,
    suggestions,
)


def routes() -> list[Route]:
    return [
        *intake.routes(),
        *override.routes(),
        *calls.routes(),
        *job_card.routes(),
        *suggestions.routes(),
        *decisions.routes(),
        *deadlines.routes(),
        *remote.routes(),
        *customer_reply.routes(),
        *complaints.routes(),
        *kpis.routes(),
    ]
