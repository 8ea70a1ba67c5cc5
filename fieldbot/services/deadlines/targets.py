"""The targets of a job's clocks (DESIGN.md §4) and the job states each clock runs in: read by
intake (the due instants a new job shows), the job clocks and the call log.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from fieldbot.domain.calendar import WorkCalendar
from fieldbot.domain.model import JobState, Priority, Zone
from fieldbot.settings import Settings

# Job states in which each job clock runs; a transition out of them stops it.
JOB_CLOCK_STATES: dict[str, frozenset[JobState]] = {
    # a customer's own request: until a staff member replies to them (which stops it too) or
    # the job leaves the queue (dispatched, carried in, resolved remotely, cancelled)
    "first_reply": frozenset({JobState.REGISTERED}),
    "assign": frozenset({JobState.REGISTERED, JobState.DISPATCHED}),
    "contact": frozenset({JobState.ACCEPTED}),
    "arrival": frozenset(
        {
            JobState.REGISTERED,
            JobState.DISPATCHED,
            JobState.ACCEPTED,
            JobState.SCHEDULED,
            JobState.EN_ROUTE,
        }
    ),
    "workshop": frozenset(
        {JobState.IN_WORKSHOP, JobState.AWAITING_INSPECTION, JobState.READY_FOR_RETURN}
    ),
}


def first_reply_hours(settings: Settings) -> float:
    """Calendar hours a customer's own request waits for a first reply (DESIGN.md §4)."""
    return settings.first_reply_hours


def assign_hours(settings: Settings, priority: Priority) -> float:
    return {
        Priority.EMERGENCY: settings.assign_hours_emergency,
        Priority.GENERAL: settings.assign_hours_general,
        Priority.CONSULT: settings.assign_hours_consult,
    }[priority]


def contact_hours(settings: Settings, priority: Priority) -> float:
    """Calendar hours from accept to the appointment (consult follows general)."""
    if priority is Priority.EMERGENCY:
        return settings.contact_hours_emergency
    return settings.contact_hours_general


def arrival_working_hours(settings: Settings, zone: Zone) -> float:
    if zone is Zone.URBAN:
        return settings.arrival_working_hours_urban
    return settings.arrival_working_hours_suburban


def arrival_due(
    calendar: WorkCalendar, settings: Settings, called_at: datetime, zone: Zone
) -> datetime:
    return calendar.add_working(called_at, timedelta(hours=arrival_working_hours(settings, zone)))
