"""The visit: on my way, arrived (by shared location, checked against the site, or without a
location), and a location shared outside a form (the arrival at the nearest job waiting for
one).
"""

from __future__ import annotations

from typing import Any

from telegram import Message

from fieldbot.domain.permissions import Permission, may
from fieldbot.handlers.routes import Route, action, form, media
from fieldbot.handlers.technician.cards import send_card
from fieldbot.handlers.technician.common import FORM_ARRIVAL, button_job, job_ref
from fieldbot.handlers.turn import Turn
from fieldbot.i18n import N_
from fieldbot.labels import STATE_NAMES
from fieldbot.repositories.conversations import Form
from fieldbot.services import visit
from fieldbot.services.workflow import ARRIVED, load_job


def routes() -> list[Route]:
    return [
        action("job.on_my_way", on_my_way_pressed, "staff", Permission.WORK_JOBS),
        action("job.arrived", arrived_pressed, "staff", Permission.WORK_JOBS),
        action("job.arrive_manual", arrive_manual_pressed, "staff", Permission.WORK_JOBS),
        form(FORM_ARRIVAL, arrival_form, "staff", Permission.WORK_JOBS),
        # Who may share a location is told in its own words, not with the standard refusal.,
        media("location", location_shared, "staff"),
    ]


ARRIVED_MANUAL = N_("Arrived without location")
SHARE_LOCATION = N_("Share my location")


async def on_my_way_pressed(turn: Turn, payload: dict[str, object]) -> None:
    code = turn.code
    s, clock = turn.deps.settings, turn.deps.clock
    change = await visit.on_my_way(turn.uow, s, clock, job=button_job(payload), actor=code)
    await turn.reply(
        N_("Job {number}: you are on your way. Tap Arrived when you are there."),
        args={"number": change.job.number},
        buttons=[[(ARRIVED, "job.arrived", job_ref(change.job))]],
    )


async def arrived_pressed(turn: Turn, payload: dict[str, object]) -> None:
    job = await load_job(turn.uow, button_job(payload))
    if job.state not in visit.ARRIVING:
        await turn.reply(
            N_("Job {number} is {state}: there is no arrival to report."),
            args={"number": job.number, "state": {"t": STATE_NAMES[job.state]}},
        )
        return
    await turn.uow.forms.start(turn.user_id, FORM_ARRIVAL, "location", job_ref(job), turn.now)
    await turn.reply(
        N_("Job {number}: share your location with the button below to report your arrival."),
        args={"number": job.number},
        extra={"reply": {"location": SHARE_LOCATION}},
    )
    await turn.reply(
        N_("No location? Report the arrival without it; your supervisor is told."),
        buttons=[[(ARRIVED_MANUAL, "job.arrive_manual", job_ref(job))]],
    )


async def _arrive(
    turn: Turn, job_id: int, latitude: float | None = None, longitude: float | None = None
) -> None:
    code = turn.code
    s, clock = turn.deps.settings, turn.deps.clock
    arrival = await visit.arrive(
        turn.uow, s, clock, job=job_id, actor=code, latitude=latitude, longitude=longitude
    )
    await turn.uow.forms.clear(turn.user_id)
    number = arrival.change.job.number
    if arrival.distance_m is None:
        template = N_("Job {number}: arrival recorded without a location. Your supervisor is told.")
        args: dict[str, Any] = {"number": number}
    elif arrival.verified:
        template = N_("Job {number}: arrival verified, {distance} m from the site.")
        args = {"number": number, "distance": round(arrival.distance_m)}
    else:
        template = N_(
            "Job {number}: arrival unverified, you are {distance} m from the site (the limit "
            "is {limit} m). Your supervisor is told."
        )
        args = {
            "number": number,
            "distance": round(arrival.distance_m),
            "limit": s.geofence_m,
        }
    await turn.reply(template, args=args, extra={"reply": {"remove": True}})
    await send_card(turn, arrival.change.job)


async def arrive_manual_pressed(turn: Turn, payload: dict[str, object]) -> None:
    await _arrive(turn, button_job(payload))


async def arrival_form(turn: Turn, form: Form, message: Message) -> None:
    if message.location is None:
        await turn.reply(
            N_("Please share your location with the button, or tap Arrived without location.")
        )
        return
    await _arrive(
        turn, int(form.data["job_id"]), message.location.latitude, message.location.longitude
    )


async def location_shared(turn: Turn, message: Message) -> None:
    """A location outside a form: the arrival at the nearest job waiting for one."""
    assert message.location is not None
    if turn.update.edited_message is not None:
        return  # a live location moving: nothing to say each time
    person = turn.person
    if person.kind != "staff" or not may(person.roles, Permission.WORK_JOBS):
        await turn.reply(N_("Thank you, but I have no use for a location from you."))
        return
    assert person.id is not None
    lat, lon = message.location.latitude, message.location.longitude
    nearest = await visit.nearest_waiting_job(turn.uow, person.id, lat, lon)
    if nearest is None:
        await turn.reply(N_("None of your jobs is waiting for your arrival."))
        return
    assert nearest.id is not None
    await _arrive(turn, nearest.id, lat, lon)
