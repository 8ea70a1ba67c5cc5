"""A customer reports a fault themselves (DESIGN.md §5 "Customers in the chat"): ``/new`` (for
customers; the router decides by audience: staff ``/new`` is the supervisor's intake) or the
Report a fault button under their /help → which of their units (one: not asked) → what is wrong
(text, photos) → how urgent → a registered job whose number the reply carries. ``/mute`` and
``/unmute`` the informational notices about their jobs.

The form is a row (``uow.forms``): a restart in the middle continues where the customer was.
Every route here is for customers only; the services check that the unit is theirs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from telegram import Message

from fieldbot.domain.errors import InvalidText
from fieldbot.domain.model import Equipment, Priority
from fieldbot.handlers.cards import Card, Keyboard
from fieldbot.handlers.refusals import free_text
from fieldbot.handlers.routes import Route, action, command, form
from fieldbot.handlers.turn import Turn
from fieldbot.i18n import N_
from fieldbot.labels import PRIORITY_NAMES
from fieldbot.repositories.conversations import Form
from fieldbot.services import customer_notices
from fieldbot.services.customer_requests import MAX_PHOTOS, report_fault, units_of

FORM_OWN_REQUEST = "cust.new"
NEW_ACTION = "cust.new"
REPORT_FAULT = N_("Report a fault")

ASK_UNIT = N_("Which unit is it about? Choose it below.")
ASK_FAULT = N_(
    "What is wrong with {unit}? Describe it in one message; you may add photos. Send /cancel "
    "to stop."
)
ASK_FAULT_TEXT = N_(
    "Please describe the fault in words (at most {max} characters); photos may come with it. "
    "Nothing was saved yet."
)
PHOTO_KEPT = N_("Photo received. Now describe the fault in words, please.")
TOO_MANY_PHOTOS = N_("That is enough photos, thank you. Now describe the fault in words, please.")
ASK_URGENCY = N_("How urgent is it?")
CHOOSE_BUTTON = N_("Please choose one of the buttons above, or send /cancel.")
STALE = N_("This choice is no longer open. Nothing was changed.")
NO_UNITS = N_(
    "We have no equipment of yours on record, so I cannot register a fault here. Please call "
    "the service hotline; we will help you there."
)
REGISTERED = N_(
    "Thank you. Your request is registered as job {number}. We will reply within {hours} hours "
    "and tell you who comes and when."
)
URGENCY_CHOICES: tuple[Priority, ...] = (Priority.EMERGENCY, Priority.GENERAL, Priority.CONSULT)


def routes() -> list[Route]:
    return [
        command("new", new_command, "customer"),
        action(NEW_ACTION, new_pressed, "customer"),
        action("cust.new.unit", unit_picked, "customer"),
        action("cust.new.urgency", urgency_picked, "customer"),
        form(FORM_OWN_REQUEST, own_request_form, "customer"),
        command("mute", mute_command, "customer"),
        command("unmute", unmute_command, "customer"),
    ]


def help_buttons() -> Keyboard:
    """The button under a customer's /help that starts reporting a fault."""
    return [[(REPORT_FAULT, NEW_ACTION, {})]]


def unit_label(unit: Equipment) -> str:
    return f"{unit.model} {unit.serial}"


# --- the form ----------------------------------------------------------------------------------


async def new_command(turn: Turn, _args: str) -> None:
    await _start(turn)


async def new_pressed(turn: Turn, _payload: dict[str, object]) -> None:
    await _start(turn)


async def _start(turn: Turn) -> None:
    units = await units_of(turn.uow, turn.code)
    if not units:
        turn.refused("own request without equipment")
        await turn.uow.forms.clear(turn.user_id)
        await turn.reply(NO_UNITS)
        return
    data: dict[str, Any] = {"started": turn.now.isoformat(), "photos": []}
    if len(units) == 1:
        data["equipment"] = units[0].serial
        data["unit"] = unit_label(units[0])
        saved = await turn.uow.forms.start(turn.user_id, FORM_OWN_REQUEST, "fault", data, turn.now)
        await _ask(turn, saved)
        return
    saved = await turn.uow.forms.start(turn.user_id, FORM_OWN_REQUEST, "unit", data, turn.now)
    await _ask(turn, saved, units)


def _pick(form: Form, value: str) -> dict[str, Any]:
    return {"step": form.step, "value": value, "started": form.data.get("started")}


def unit_question(form: Form, units: Sequence[Equipment]) -> Card:
    buttons: Keyboard = [
        [(unit_label(unit), "cust.new.unit", _pick(form, unit.serial))] for unit in units[:20]
    ]
    return Card(ASK_UNIT, buttons=buttons)


def urgency_question(form: Form) -> Card:
    return Card(
        ASK_URGENCY,
        buttons=[
            [
                (PRIORITY_NAMES[level], "cust.new.urgency", _pick(form, level.value))
                for level in URGENCY_CHOICES
            ]
        ],
    )


async def _ask(turn: Turn, form: Form, units: Sequence[Equipment] | None = None) -> None:
    if form.step == "unit":
        found = units if units is not None else await units_of(turn.uow, turn.code)
        await turn.show(unit_question(form, found))
    elif form.step == "fault":
        await turn.reply(ASK_FAULT, args={"unit": str(form.data.get("unit", ""))})
    elif form.step == "urgency":
        await turn.show(urgency_question(form))


async def _open_form(turn: Turn, payload: Mapping[str, object]) -> Form | None:
    """The customer's own-request form the button belongs to, at the button's step (None:
    finished, another one, or moved on)."""
    found = await turn.uow.forms.get(turn.user_id)
    if found is None or found.name != FORM_OWN_REQUEST:
        return None
    if found.data.get("started") != payload.get("started") or found.step != payload.get("step"):
        return None
    return found


async def unit_picked(turn: Turn, payload: dict[str, object]) -> None:
    found = await _open_form(turn, payload)
    if found is None:
        await turn.reply(STALE)
        return
    units = {unit.serial: unit for unit in await units_of(turn.uow, turn.code)}
    unit = units.get(str(payload.get("value")))
    if unit is None:  # no longer theirs
        await turn.reply(STALE)
        return
    data = {**found.data, "equipment": unit.serial, "unit": unit_label(unit)}
    saved = await turn.uow.forms.save(replace(found, step="fault", data=data), turn.now)
    await _ask(turn, saved)


async def own_request_form(turn: Turn, found: Form, message: Message) -> None:
    if found.step != "fault":
        # A unit or the urgency is chosen with a button: text or a photo changes nothing.
        turn.refused("own request: not a button", step=found.step)
        await turn.reply(CHOOSE_BUTTON)
        return
    photos = [str(p) for p in found.data.get("photos", [])]
    if message.photo:
        if len(photos) >= MAX_PHOTOS:
            await turn.reply(TOO_MANY_PHOTOS)
            return
        photos.append(message.photo[-1].file_id)
    raw = message.caption if message.photo else message.text
    if not (raw or "").strip() and message.photo:
        await turn.uow.forms.save(replace(found, data={**found.data, "photos": photos}), turn.now)
        await turn.reply(PHOTO_KEPT)
        return
    try:
        fault = free_text(turn, raw)
    except InvalidText as exc:
        turn.refused("invalid fault", why=exc.params.get("reason"))
        await turn.reply(ASK_FAULT_TEXT, args={"max": turn.deps.settings.text_max_chars})
        return
    data = {**found.data, "photos": photos, "fault": fault}
    saved = await turn.uow.forms.save(replace(found, step="urgency", data=data), turn.now)
    await _ask(turn, saved)


async def urgency_picked(turn: Turn, payload: dict[str, object]) -> None:
    found = await _open_form(turn, payload)
    if found is None:
        await turn.reply(STALE)
        return
    data = found.data
    s, clock = turn.deps.settings, turn.deps.clock
    done = await report_fault(
        turn.uow,
        s,
        clock,
        customer=turn.code,
        equipment=str(data["equipment"]),
        fault=str(data["fault"]),
        priority=str(payload["value"]),
        photos=[str(p) for p in data.get("photos", [])],
    )
    await turn.uow.forms.clear(turn.user_id)
    hours = s.first_reply_hours
    await turn.reply(
        REGISTERED,
        args={"number": done.job.number, "hours": int(hours) if hours == int(hours) else hours},
    )


# --- mute --------------------------------------------------------------------------------------


async def mute_command(turn: Turn, _args: str) -> None:
    await customer_notices.set_muted(turn.uow, customer=turn.code, muted=True, now=turn.now)
    await turn.reply(
        N_(
            "Done: I will not send you the informational notices about your jobs. Sign-off "
            "requests, quotes, surveys and answers to complaints still come. /unmute turns "
            "them on again."
        )
    )


async def unmute_command(turn: Turn, _args: str) -> None:
    await customer_notices.set_muted(turn.uow, customer=turn.code, muted=False, now=turn.now)
    await turn.reply(N_("Done: I will tell you again about each step of your jobs."))
