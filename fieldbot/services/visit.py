"""On the way to a job (DESIGN.md §3): the appointment agreed with the customer, on my way,
and the arrival inside the geofence (or reported by hand, which the supervisors hear about).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fieldbot.clock import Clock
from fieldbot.domain.model import JobState
from fieldbot.domain.states import Action
from fieldbot.domain.zones import check_coordinates, distance_m
from fieldbot.i18n import N_
from fieldbot.repositories.jobs import JobRecord
from fieldbot.repositories.people import CustomerRow
from fieldbot.services.deadlines.slips import ANSWERED_BY_APPOINTMENT, NEW_VISIT_TIME, answer_slips
from fieldbot.services.workflow import (
    InvalidInput,
    JobChange,
    JobRef,
    Notices,
    apply,
    branch_timezone,
    customer_of,
    customer_tag,
    job_button,
    job_id,
    load_job,
    notify_customer,
    notify_staff,
    notify_supervisors,
    record,
    require_assigned,
    require_customer_of,
    require_state,
    staff_arg,
    staff_tag,
    technician_of,
    when_arg,
)
from fieldbot.settings import Settings
from fieldbot.store import ConcurrencyConflict, UnitOfWork

CONFIRM_TIME = N_("This time suits me")
OTHER_TIME = N_("Another time, please")
SET_APPOINTMENT_LABEL = N_("Set appointment")
VISIT_AT = N_("Job {number}: {technician} will visit you at {when}.")


async def set_appointment(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    job: JobRef,
    actor: str,
    at: datetime,
    expected_version: int | None = None,
) -> JobChange:
    """The technician agrees the visit with the customer (again, to move it); the customer is
    told when they are bound."""
    now = clock.now()
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidInput("the appointment needs a timezone", field="at")
    if at < now:
        raise InvalidInput("the appointment is in the past", field="at")
    found = await load_job(uow, job, expected_version)
    tech = await require_assigned(uow, actor, found, Action.SET_APPOINTMENT)
    saved = await apply(
        uow,
        found,
        Action.SET_APPOINTMENT,
        staff_tag(tech),
        now,
        changes={"appointment_at": at},
        payload={"appointment_at": at},
        settings=settings,
    )
    tz = await branch_timezone(uow, settings, saved)
    # The customer's answer is about this time: a moved appointment makes it stale.
    answer = {**job_button(saved), "appointment_at": at.isoformat()}
    # After a slip the customer was told of, this is the new time they were promised.
    slipped = await answer_slips(uow, saved, ANSWERED_BY_APPOINTMENT, staff_tag(tech), now)
    notices = Notices()
    notices.add(
        await notify_customer(
            uow,
            await customer_of(uow, saved),
            NEW_VISIT_TIME if slipped else VISIT_AT,
            {"number": saved.number, "technician": staff_arg(tech.id), "when": when_arg(at, tz)},
            now,
            buttons=[
                (CONFIRM_TIME, "appointment.confirm", answer),
                (OTHER_TIME, "appointment.other", answer),
            ],
            informational=True,
        )
    )
    return JobChange(saved, Action.SET_APPOINTMENT, found.state, notices.tuple())


# The customer answers the appointment while it stands: the job is scheduled for that time.
APPOINTMENT_ANSWERABLE = frozenset({JobState.SCHEDULED})


async def appointment_to_answer(
    uow: UnitOfWork,
    *,
    job: JobRef,
    customer: str,
    appointment_at: str | None = None,
    what: str = "answer the appointment of",
) -> tuple[JobRecord, CustomerRow]:
    """The job and customer row when ``customer`` may still answer its appointment: their
    job, still scheduled, for the time their buttons showed (``appointment_at``, ISO)."""
    found = await load_job(uow, job)
    row = await require_customer_of(uow, customer, found, what)
    require_state(found, APPOINTMENT_ANSWERABLE, what)
    shown = datetime.fromisoformat(appointment_at) if appointment_at else None
    if shown is not None and found.appointment_at != shown:
        raise ConcurrencyConflict(f"the appointment of job {found.number} was moved")
    return found, row


async def confirm_appointment(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    job: JobRef,
    customer: str,
    appointment_at: str | None = None,
) -> JobRecord:
    """The customer says the appointment suits them; the technician is told."""
    now = clock.now()
    found, row = await appointment_to_answer(
        uow,
        job=job,
        customer=customer,
        appointment_at=appointment_at,
        what="confirm the appointment of",
    )
    await record(
        uow,
        found,
        "job.appointment_confirmed",
        customer_tag(row),
        now,
        {"appointment_at": found.appointment_at},
    )
    tech = await technician_of(uow, found)
    if tech is not None:
        await notify_staff(
            uow,
            tech,
            N_("Job {number}: the customer confirmed the appointment."),
            {"number": found.number},
            now,
        )
    return found


async def ask_other_time(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    job: JobRef,
    customer: str,
    wish: str,
) -> JobRecord:
    """The customer asks for another time (``wish``, their words); the technician is asked
    to set a new appointment."""
    now = clock.now()
    found, row = await appointment_to_answer(
        uow, job=job, customer=customer, what="ask another time for"
    )
    text = wish.strip()
    if not text:
        raise InvalidInput("write the time that suits you", field="wish")
    await record(uow, found, "job.appointment_declined", customer_tag(row), now, {"wish": text})
    tech = await technician_of(uow, found)
    if tech is not None:
        await notify_staff(
            uow,
            tech,
            N_("Job {number}: the customer asks for another time: {wish}"),
            {"number": found.number, "wish": text},
            now,
            buttons=[(SET_APPOINTMENT_LABEL, "job.appointment", {"job_id": job_id(found)})],
        )
    return found


async def on_my_way(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    job: JobRef,
    actor: str,
    expected_version: int | None = None,
) -> JobChange:
    now = clock.now()
    found = await load_job(uow, job, expected_version)
    tech = await require_assigned(uow, actor, found, Action.ON_MY_WAY)
    saved = await apply(uow, found, Action.ON_MY_WAY, staff_tag(tech), now, settings=settings)
    notices = Notices()
    notices.add(
        await notify_customer(
            uow,
            await customer_of(uow, saved),
            N_("Job {number}: {technician} is on the way to you."),
            {"number": saved.number, "technician": staff_arg(tech.id)},
            now,
            informational=True,
        )
    )
    return JobChange(saved, Action.ON_MY_WAY, found.state, notices.tuple())


@dataclass(frozen=True, slots=True)
class Arrival:
    change: JobChange
    verified: bool
    distance_m: float | None  # None: reported manually
    method: str  # location | manual


async def arrive(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    job: JobRef,
    actor: str,
    latitude: float | None = None,
    longitude: float | None = None,
    expected_version: int | None = None,
) -> Arrival:
    """Arrival by shared location: verified inside ``settings.geofence_m`` of the site, else
    unverified with the distance and the supervisors told. Without a location (manual) it is
    unverified and the supervisors are told too."""
    now = clock.now()
    manual = latitude is None or longitude is None
    if not manual:
        assert latitude is not None and longitude is not None
        try:
            check_coordinates(latitude, longitude)
        except ValueError as exc:
            raise InvalidInput(str(exc), field="location") from None
    found = await load_job(uow, job, expected_version)
    tech = await require_assigned(uow, actor, found, Action.ARRIVE)
    customer = await customer_of(uow, found)
    metres: float | None = None
    verified = False
    if not manual:
        assert latitude is not None and longitude is not None
        metres = distance_m(
            latitude, longitude, customer.customer.latitude, customer.customer.longitude
        )
        verified = metres <= settings.geofence_m
        await uow.staff.set_location(tech.id, latitude, longitude, now)
    method = "manual" if manual else "location"
    saved = await apply(
        uow,
        found,
        Action.ARRIVE,
        staff_tag(tech),
        now,
        payload={
            "method": method,
            "verified": verified,
            "distance_m": None if metres is None else round(metres),
            "geofence_m": settings.geofence_m,
        },
        settings=settings,
    )
    ids: list[int] = []
    if manual:
        ids = await notify_supervisors(
            uow,
            saved,
            N_("Job {number}: {technician} reported arrival manually, without a location."),
            {"number": saved.number, "technician": staff_arg(tech.id)},
            now,
        )
    elif not verified:
        assert metres is not None
        ids = await notify_supervisors(
            uow,
            saved,
            N_("Job {number}: arrival unverified, {technician} was {distance} m from the site."),
            {"number": saved.number, "technician": staff_arg(tech.id), "distance": round(metres)},
            now,
        )
    told = await notify_customer(
        uow,
        customer,
        N_("Job {number}: {technician} has arrived."),
        {"number": saved.number, "technician": staff_arg(tech.id)},
        now,
        informational=True,
    )
    if told is not None:
        ids.append(told)
    change = JobChange(saved, Action.ARRIVE, found.state, tuple(ids))
    return Arrival(change, verified, metres, method)


# The states in which a job waits for its technician's arrival.
ARRIVING = frozenset({JobState.SCHEDULED, JobState.EN_ROUTE})


async def nearest_waiting_job(
    uow: UnitOfWork, technician_id: int, latitude: float, longitude: float
) -> JobRecord | None:
    """The technician's job waiting for their arrival whose site is nearest to where they
    are (a location shared outside a form reports the arrival there); None: no job waits.
    A location off the globe is :class:`InvalidInput`."""
    waiting = await uow.jobs.list(technician_id=technician_id, states=ARRIVING)
    if not waiting:
        return None
    try:
        check_coordinates(latitude, longitude)
    except ValueError:
        raise InvalidInput("coordinates out of range", field="location") from None
    best, best_distance = waiting[0], float("inf")
    for job in waiting:
        customer = await uow.customers.row_by_id(job.customer_id)
        assert customer is not None
        metres = distance_m(
            latitude, longitude, customer.customer.latitude, customer.customer.longitude
        )
        if metres < best_distance:
            best, best_distance = job, metres
    return best
