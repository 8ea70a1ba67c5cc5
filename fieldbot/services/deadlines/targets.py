"""The clocks of a job (DESIGN.md §4): which kinds of work run which clock, the job states each
clock runs in, and what each aims at. Read by intake (the due instants a new job shows), the
job clocks, the ladder (who else hears of a slip), the sweep and the call log.

One registry, :data:`JOB_CLOCKS`: a new job clock is one more entry (its states, its calendar,
whether a bound customer is told when it is missed) plus the rule that starts it in
:mod:`.job_clocks`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from fieldbot.domain.calendar import WorkCalendar
from fieldbot.domain.model import Contract, JobState, Priority, WorkKind, Zone
from fieldbot.domain.sla import ClockCalendar
from fieldbot.settings import Settings

_BEFORE_ARRIVAL = frozenset(
    {
        JobState.REGISTERED,
        JobState.DISPATCHED,
        JobState.ACCEPTED,
        JobState.SCHEDULED,
        JobState.EN_ROUTE,
    }
)
# Until the work is finished (awaiting_signoff): waiting for a part or a quote, and the fee
# approval, count; the workshop does not (there its own clock, the promised date, governs).
_UNTIL_FINISHED = _BEFORE_ARRIVAL | frozenset(
    {
        JobState.ON_SITE,
        JobState.WAITING_PART,
        JobState.AWAITING_QUOTE,
        JobState.AWAITING_APPROVAL,
    }
)
WORKSHOP_STATES = frozenset(
    {JobState.IN_WORKSHOP, JobState.AWAITING_INSPECTION, JobState.READY_FOR_RETURN}
)


@dataclass(frozen=True, slots=True)
class JobClock:
    """A clock of a job: the states it runs in (a transition out of them stops it; None: no
    job state stops it, only its own event does), its calendar, whether a bound customer is
    told when it is missed (DESIGN.md §3, "Telling the customer about a slip"), and whether an
    emergency job's steps go out at once, day or night (DESIGN.md §4 "Off hours")."""

    name: str
    states: frozenset[JobState] | None
    calendar: ClockCalendar
    tells_customer: bool = False
    urgent_for_emergencies: bool = True


JOB_CLOCKS: dict[str, JobClock] = {
    clock.name: clock
    for clock in (
        # a customer's own request (DESIGN.md §5): until a staff member replies to them (which
        # stops it too) or the job leaves the queue (dispatched, carried in, resolved, cancelled)
        JobClock("first_reply", frozenset({JobState.REGISTERED}), ClockCalendar.CALENDAR),
        JobClock(
            "assign",
            frozenset({JobState.REGISTERED, JobState.DISPATCHED}),
            ClockCalendar.CALENDAR,
        ),
        JobClock("contact", frozenset({JobState.ACCEPTED}), ClockCalendar.CALENDAR),
        JobClock("arrival", _BEFORE_ARRIVAL, ClockCalendar.WORKING, tells_customer=True),
        # from the appointment (set by the technician, or planned with a maintenance visit)
        # until the arrival: a reassigned job keeps it until the new appointment is set
        JobClock(
            "on_time",
            _BEFORE_ARRIVAL,
            ClockCalendar.CALENDAR,
            tells_customer=True,
        ),
        JobClock("resolution", _UNTIL_FINISHED, ClockCalendar.WORKING, tells_customer=True),
        JobClock("signoff", frozenset({JobState.AWAITING_SIGNOFF}), ClockCalendar.WORKING),
        JobClock("workshop", WORKSHOP_STATES, ClockCalendar.CALENDAR, tells_customer=True),
        # from the invoice to its payment, also after the job is closed: no job state stops it
        # (:func:`fieldbot.services.deadlines.job_clocks.start_receivable_clock`); an unpaid
        # invoice of an emergency is no emergency
        JobClock("receivable", None, ClockCalendar.CALENDAR, urgent_for_emergencies=False),
    )
}

# Job states in which each job clock runs; a transition out of them stops it (the clocks no
# job state stops, the receivable, are not here).
JOB_CLOCK_STATES: dict[str, frozenset[JobState]] = {
    name: clock.states for name, clock in JOB_CLOCKS.items() if clock.states is not None
}

# Booked kinds run no arrival clock: their visit is due at the agreed appointment (on time),
# and their resolution clock starts at the appointment (DESIGN.md §3, "Kinds and their clocks").
BOOKED_KINDS = frozenset({WorkKind.INSTALLATION, WorkKind.MAINTENANCE, WorkKind.TRAINING})


def runs_arrival(kind: WorkKind, priority: Priority) -> bool:
    """The 6/7-working-hour arrival clock: repairs, and every emergency whatever its kind (a
    consultation is usually resolved remotely; booked kinds run the on-time clock)."""
    return kind is WorkKind.REPAIR or priority is Priority.EMERGENCY


def is_booked(kind: WorkKind, priority: Priority) -> bool:
    """Installation, maintenance and training, unless an emergency (which runs arrival)."""
    return kind in BOOKED_KINDS and not runs_arrival(kind, priority)


def first_reply_hours(settings: Settings) -> float:
    """Calendar hours a customer's own request waits for a first reply (DESIGN.md §4)."""
    return settings.first_reply_hours


def _contract_wins(own: float | None, setting: float, priority: Priority) -> float | None:
    """A contract's own response time (DESIGN.md §8 contracts) wins over the setting for
    general priority; an emergency keeps the shorter of the two; a consultation the setting."""
    if own is None:
        return None
    if priority is Priority.GENERAL:
        return own
    if priority is Priority.EMERGENCY and own < setting:
        return own
    return None


def _settings_assign_hours(settings: Settings, priority: Priority) -> float:
    return {
        Priority.EMERGENCY: settings.assign_hours_emergency,
        Priority.GENERAL: settings.assign_hours_general,
        Priority.CONSULT: settings.assign_hours_consult,
    }[priority]


def _settings_arrival_hours(settings: Settings, zone: Zone) -> float:
    if zone is Zone.URBAN:
        return settings.arrival_working_hours_urban
    return settings.arrival_working_hours_suburban


def contract_assign_hours(
    settings: Settings, priority: Priority, contract: Contract | None
) -> float | None:
    """The contract's own assign target when it decides this job's, else None."""
    own = None if contract is None else contract.assign_hours
    return _contract_wins(own, _settings_assign_hours(settings, priority), priority)


def contract_arrival_hours(
    settings: Settings, zone: Zone, priority: Priority, contract: Contract | None
) -> float | None:
    """The contract's own arrival target (working hours) when it decides this job's."""
    own = None if contract is None else contract.arrival_working_hours
    return _contract_wins(own, _settings_arrival_hours(settings, zone), priority)


def assign_hours(settings: Settings, priority: Priority, contract: Contract | None) -> float:
    """Calendar hours from the call to accept: the settings by priority, unless the job's
    contract (:func:`fieldbot.services.contract_terms.job_contract`) has its own."""
    own = contract_assign_hours(settings, priority, contract)
    return _settings_assign_hours(settings, priority) if own is None else own


def contact_hours(settings: Settings, priority: Priority) -> float:
    """Calendar hours from accept to the appointment (consult follows general)."""
    if priority is Priority.EMERGENCY:
        return settings.contact_hours_emergency
    return settings.contact_hours_general


def arrival_working_hours(
    settings: Settings, zone: Zone, priority: Priority, contract: Contract | None
) -> float:
    """Working hours from the call to arrival: the zone's setting, unless the job's contract
    has its own."""
    own = contract_arrival_hours(settings, zone, priority, contract)
    return _settings_arrival_hours(settings, zone) if own is None else own


def arrival_due(
    calendar: WorkCalendar,
    settings: Settings,
    called_at: datetime,
    zone: Zone,
    priority: Priority,
    contract: Contract | None,
) -> datetime:
    hours = arrival_working_hours(settings, zone, priority, contract)
    return calendar.add_working(called_at, timedelta(hours=hours))


def visit_due(
    calendar: WorkCalendar,
    settings: Settings,
    called_at: datetime,
    zone: Zone,
    kind: WorkKind,
    priority: Priority,
    contract: Contract | None,
) -> datetime | None:
    """The arrival deadline of a call of this kind, or None when it runs no arrival clock."""
    if not runs_arrival(kind, priority):
        return None
    return arrival_due(calendar, settings, called_at, zone, priority, contract)


def on_time_due(settings: Settings, appointment: datetime) -> datetime:
    """A booked visit is on time when the arrival is no later than this."""
    return appointment + timedelta(minutes=settings.appointment_tolerance_minutes)


def working_days(calendar: WorkCalendar, days: int) -> timedelta:
    """``days`` working days as working time on the branch calendar (a working day is its
    windows' length: 8 h by default), so 3 working days from Monday 09:00 end Wednesday 18:00."""
    return calendar.windows.per_day * days


def resolution_target(calendar: WorkCalendar, settings: Settings) -> timedelta:
    return working_days(calendar, settings.resolve_working_days)


def signoff_target(calendar: WorkCalendar, settings: Settings) -> timedelta:
    return working_days(calendar, settings.signoff_working_days)


def resolution_due(calendar: WorkCalendar, settings: Settings, start: datetime) -> datetime:
    return calendar.add_working(start, resolution_target(calendar, settings))


def receivable_target(settings: Settings) -> timedelta:
    """How long an invoice may stay unpaid: ``FIELDBOT_RECEIVABLE_DAYS`` calendar days."""
    return timedelta(days=settings.receivable_days)
