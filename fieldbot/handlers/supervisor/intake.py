"""Registering a call (/new): who is calling (a code, a phone or part of a name), which unit,
what kind of work, how urgent, the fault, the channel, then a summary with the derived service
type, zone and deadlines (changed with /override, :mod:`.override`) and Register. The form is
a row (``uow.forms``): a restart in the middle continues where the supervisor was.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from telegram import Message

from fieldbot.domain.model import Customer
from fieldbot.domain.permissions import Permission
from fieldbot.domain.text import clean_text
from fieldbot.handlers.refusals import free_text, free_text_or_ask
from fieldbot.handlers.routes import Route, action, command, form
from fieldbot.handlers.supervisor.cards import (
    STEP_CHOICES,
    ZONE_NAMES,
    candidates,
    choice_question,
    new_job_summary,
    unit_question,
)
from fieldbot.handlers.supervisor.common import FORM_NEW, STALE_CHOICE, branch_code
from fieldbot.handlers.supervisor.suggestions import show_suggestions
from fieldbot.handlers.turn import Turn
from fieldbot.i18n import N_
from fieldbot.repositories.conversations import Form
from fieldbot.services import dispatch as dispatching
from fieldbot.services.jobs import (
    AmbiguousCustomer,
    preview_job,
    register_job,
    resolve_customer,
)
from fieldbot.services.workflow import UnknownCustomer


def routes() -> list[Route]:
    return [
        command("new", new_command, "staff", Permission.REGISTER_JOB),
        form(FORM_NEW, new_form, "staff", Permission.REGISTER_JOB),
        action("sup.new.pick", new_picked, "staff", Permission.REGISTER_JOB),
        action("sup.new.register", new_register, "staff", Permission.REGISTER_JOB),
        action("sup.new.cancel", new_cancelled, "staff"),
    ]


ASK_CUSTOMER = N_(
    "New job. Who is calling? Send a customer code (C001), a phone or part of a name."
)
ASK_FAULT = N_("Describe the fault in a few words.")
CHOOSE_BUTTON = N_("Please choose one of the buttons above.")
# What the supervisor typed is not repeated: it may be a customer's phone, which must not sit
# in the outbox in plain text (DESIGN §6).
NOT_UNIT = N_(
    "That is not a unit of this customer. Choose a button above or send a serial like {example}."
)
UNKNOWN_CUSTOMER = N_(
    "No customer matches that. Send a code like C001, a phone number or a part of a name."
)
FAULT_TEXT = N_("Please describe the fault in words (at most {max} characters).")


async def new_command(turn: Turn, args: str) -> None:
    data = {"called_at": turn.now.isoformat()}
    form = await turn.uow.forms.start(turn.user_id, FORM_NEW, "customer", data, turn.now)
    if args.strip():
        await _customer_given(turn, form, clean_text(args, turn.deps.settings.text_max_chars))
        return
    await turn.reply(ASK_CUSTOMER)


async def new_form(turn: Turn, form: Form, message: Message) -> None:
    if form.step == "customer":
        if not (message.text or "").strip():
            await turn.reply(ASK_CUSTOMER)
            return
        await _customer_given(turn, form, free_text(turn, message.text))
    elif form.step == "equipment":
        await _unit_typed(turn, form, free_text(turn, message.text) if message.text else "")
    elif form.step == "fault":
        fault = await free_text_or_ask(turn, message, FAULT_TEXT)
        if fault is not None:
            await _advance(turn, form, {"fault": fault})
    else:
        await turn.reply(CHOOSE_BUTTON)


async def _customer_given(turn: Turn, form: Form, text: str) -> None:
    try:
        found = await _resolve(turn, text)
    except AmbiguousCustomer as exc:
        candidates = exc.params.get("candidates")
        codes = sorted(str(c) for c in candidates) if isinstance(candidates, list) else []
        await _ask_which_customer(turn, form, codes)
        return
    except UnknownCustomer:
        await turn.reply(UNKNOWN_CUSTOMER)
        return
    await _advance(turn, form, {"customer": found.code})


async def _resolve(turn: Turn, text: str) -> Customer:
    """A customer by code, phone or name; a name is looked for in the supervisor's branch
    first, then in every branch."""
    branch = await branch_code(turn)
    try:
        return await resolve_customer(turn.uow, text, branch=branch)
    except UnknownCustomer:
        if branch is None:
            raise
        return await resolve_customer(turn.uow, text)


async def _ask_which_customer(turn: Turn, form: Form, codes: list[str]) -> None:
    rows = [row for code in codes[:8] if (row := await turn.uow.customers.row(code)) is not None]
    await turn.show(candidates(form, len(codes), rows))


async def _unit_typed(turn: Turn, form: Form, text: str) -> None:
    units = await turn.uow.equipment.of_customer(str(form.data["customer"]))
    serials = {unit.serial.upper(): unit.serial for unit in units}
    if text.upper() in serials:
        await _advance(turn, form, {"equipment": serials[text.upper()]})
        return
    example = units[0].serial if units else "RF25-0001"
    await turn.reply(NOT_UNIT, args={"example": example})


_ORDER = ("customer", "equipment", "kind", "priority", "fault", "channel", "summary")


async def _advance(turn: Turn, form: Form, values: Mapping[str, Any]) -> None:
    """Record ``values`` and ask the next question of the form."""
    data = {**form.data, **values}
    step = _ORDER[_ORDER.index(form.step) + 1]
    saved = await turn.uow.forms.save(replace(form, step=step, data=data), turn.now)
    await _ask(turn, saved)


async def _ask(turn: Turn, form: Form) -> None:
    step = form.step
    if step == "equipment":
        code = str(form.data["customer"])
        row = await turn.uow.customers.row(code)
        assert row is not None
        await turn.show(unit_question(form, row, await turn.uow.equipment.of_customer(code)))
    elif step in STEP_CHOICES:
        await turn.show(choice_question(form))
    elif step == "fault":
        await turn.reply(ASK_FAULT)
    elif step == "summary":
        await summary(turn, form)


async def new_picked(turn: Turn, payload: dict[str, object]) -> None:
    form = await open_new_form(turn, payload)
    if form is None or form.step != payload.get("step"):
        await turn.reply(STALE_CHOICE)
        return
    field = str(payload["step"])
    value = str(payload["value"])
    if field == "customer":
        await _advance(turn, form, {"customer": value})
    elif field == "equipment":
        await _advance(turn, form, {"equipment": value or None})
    else:
        await _advance(turn, form, {field: value})


async def open_new_form(turn: Turn, payload: Mapping[str, object]) -> Form | None:
    """The supervisor's /new form the button belongs to (None: finished or another one)."""
    form = await turn.uow.forms.get(turn.user_id)
    if form is None or form.name != FORM_NEW:
        return None
    if form.data.get("called_at") != payload.get("started"):
        return None
    return form


async def summary(turn: Turn, form: Form) -> None:
    """The summary of the /new form: what registering it would make."""
    data = form.data
    serial = data.get("equipment")
    found = await preview_job(
        turn.uow,
        turn.deps.settings,
        customer=str(data["customer"]),
        equipment=str(serial) if serial else None,
        priority=str(data["priority"]),
        called_at=datetime.fromisoformat(str(data["called_at"])),
        service_type_override=str(data["type_override"]) if data.get("type_override") else None,
        zone_override=str(data["zone_override"]) if data.get("zone_override") else None,
        kind=str(data["kind"]),
    )
    row = await turn.uow.customers.row(str(data["customer"]))
    assert row is not None
    unit = await turn.uow.equipment.get(str(serial)) if serial else None
    await turn.show(new_job_summary(data, found, row, unit))


async def new_cancelled(turn: Turn, payload: dict[str, object]) -> None:
    form = await open_new_form(turn, payload)
    if form is None:
        await turn.reply(STALE_CHOICE)
        return
    await turn.uow.forms.clear(turn.user_id)
    await turn.reply(N_("Cancelled. Nothing was saved."))


async def new_register(turn: Turn, payload: dict[str, object]) -> None:
    code = turn.code
    form = await open_new_form(turn, payload)
    if form is None or form.step != "summary":
        await turn.reply(STALE_CHOICE)
        return
    data = form.data
    job = await register_job(
        turn.uow,
        turn.deps.settings,
        turn.deps.clock,
        customer=str(data["customer"]),
        equipment=str(data["equipment"]) if data.get("equipment") else None,
        kind=str(data["kind"]),
        priority=str(data["priority"]),
        fault=str(data["fault"]),
        channel=str(data["channel"]),
        actor=code,
        called_at=datetime.fromisoformat(str(data["called_at"])),
        service_type_override=data.get("type_override") or None,
        service_type_reason=data.get("type_reason") if data.get("type_override") else None,
        zone_override=data.get("zone_override") or None,
        zone_reason=data.get("zone_reason") if data.get("zone_override") else None,
    )
    await turn.uow.forms.clear(turn.user_id)
    registered = {
        "t": N_("Registered job {number} (service type {type}, {zone})."),
        "args": {
            "number": job.number,
            "type": job.service_type.value,
            "zone": {"t": ZONE_NAMES[job.zone]},
        },
    }
    if await dispatching.hand_over(turn.uow, job, code, turn.now):
        await turn.reply(
            N_(
                "Registered job {number}. The customer belongs to another branch: the job is "
                "handed to its supervisors, who dispatch it."
            ),
            args={"number": job.number},
        )
        return
    await show_suggestions(turn, job, first=registered)
