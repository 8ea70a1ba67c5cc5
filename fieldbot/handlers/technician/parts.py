"""Parts on site: choosing them from the van or the catalogue (the parts step of the finish and
repair forms), how many, a part the van lacks (a request to the storekeeper; the job waits),
Need a part, and a defective part taken out.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from telegram import Message

from fieldbot.domain.model import JobState, Part
from fieldbot.domain.permissions import Permission
from fieldbot.handlers.refusals import free_text
from fieldbot.handlers.routes import Route, action, form
from fieldbot.handlers.technician.cards import part_buttons, van_parts_buttons
from fieldbot.handlers.technician.common import (
    FORM_DEFECTIVE,
    FORM_FINISH,
    FORM_NEED_PART,
    FORM_REPAIR,
    button_job,
    job_ref,
    van_of,
)
from fieldbot.handlers.turn import Turn
from fieldbot.i18n import N_
from fieldbot.repositories.conversations import Form
from fieldbot.services import spare_parts
from fieldbot.services.workflow import load_job, require_state


def routes() -> list[Route]:
    return [
        action("form.part", part_chosen, "staff", Permission.WORK_JOBS),
        action("job.need_part", need_part_pressed, "staff", Permission.WORK_JOBS),
        action("job.defective", defective_pressed, "staff", Permission.WORK_JOBS),
        form(FORM_NEED_PART, need_part_form, "staff", Permission.WORK_JOBS),
        form(FORM_DEFECTIVE, need_part_form, "staff", Permission.WORK_JOBS),
    ]


_QUANTITY = re.compile(r"^\s*(\d{1,3})\s*$")


def _chosen(form: Form | None, code: str) -> int:
    """How many of ``code`` the form has chosen so far (taken from the van on Submit)."""
    if form is None:
        return 0
    return sum(int(q) for c, q in form.data.get("parts") or [] if c == code)


async def _left(turn: Turn, form: Form | None, code: str) -> int:
    """What the van still holds of ``code`` once the parts chosen so far are taken."""
    return await turn.uow.stock.quantity(van_of(turn), code) - _chosen(form, code)


async def _van_parts(turn: Turn, form: Form) -> list[tuple[Part, int]]:
    """The van's parts with what is left of each, counting down as parts are chosen."""
    found = []
    for level in await turn.uow.stock.at_location(van_of(turn)):
        left = level.quantity - _chosen(form, level.part)
        if left > 0:
            part = await turn.uow.parts.get(level.part)
            if part is not None:
                found.append((part, left))
    return found


async def _search_parts(turn: Turn, text: str) -> list[Part]:
    query = text.strip().casefold()
    if not query:
        return []
    catalogue = await turn.uow.parts.all()
    exact = [p for p in catalogue if p.code.casefold() == query]
    if exact:
        return exact
    return [p for p in catalogue if query in p.name.casefold() or query in p.code.casefold()]


async def ask_parts(turn: Turn, form: Form) -> None:
    """The parts step of the finish and repair forms: the van's parts as buttons."""
    chosen = [*(form.data.get("fitted") or []), *(form.data.get("parts") or [])]
    await turn.reply(
        N_(
            "Parts used from your van ({count} chosen so far)? Tap a part, send a part code or "
            "a part of its name to search the catalogue, or tap No more parts."
        ),
        args={"count": len(chosen)},
        buttons=van_parts_buttons(await _van_parts(turn, form)),
    )


async def parts_search_reply(turn: Turn, text: str, form: Form | None = None) -> None:
    """A search of the catalogue by code or name. What was typed is not repeated: it may be
    anything (DESIGN §6); the buttons show what was found, with what is left in the van."""
    found = await _search_parts(turn, free_text(turn, text)) if text.strip() else []
    if not found:
        await turn.reply(
            N_("No part matches that. Send a code like P005 or a part of the name."),
        )
        return
    with_stock = [(p, await _left(turn, form, p.code)) for p in found[:8]]
    await turn.reply(
        N_("Parts matching your search (in your van):"),
        buttons=part_buttons(with_stock),
    )


async def part_chosen(turn: Turn, payload: dict[str, object]) -> None:
    """A part button of the finish, repair or need-a-part form: ask how many."""
    form = await turn.uow.forms.get(turn.user_id)
    if form is None or form.name not in (FORM_FINISH, FORM_REPAIR, FORM_NEED_PART, FORM_DEFECTIVE):
        await turn.reply(N_("That form is closed. Open the job again with /jobs."))
        return
    code = str(payload["code"])
    part = await turn.uow.parts.get(code)
    if part is None:
        await turn.reply(N_("No part matches {text}."), args={"text": code})
        return
    await turn.uow.forms.save(
        replace(form, step="quantity", data={**form.data, "part": code}), turn.now
    )
    have = await _left(turn, form, code)
    await turn.reply(
        N_("How many of {part}? Your van holds {have}. Send a number like 1."),
        args={"part": f"{part.code} {part.name}", "have": have},
    )


async def quantity_step(turn: Turn, form: Form, text: str) -> None:
    """The number of the part chosen; more than the van holds becomes a part request."""
    match = _QUANTITY.match(text)
    quantity = int(match.group(1)) if match else 0
    if quantity <= 0:
        await turn.reply(N_("Send the quantity as a whole number like 1 or 2."))
        return
    code = str(form.data["part"])
    job_id = int(form.data["job_id"])
    if form.name == FORM_NEED_PART:
        await turn.uow.forms.clear(turn.user_id)
        await _need_part(turn, job_id, [(code, quantity)])
        return
    if form.name == FORM_DEFECTIVE:
        await turn.uow.forms.clear(turn.user_id)
        await _defective(turn, job_id, code, quantity)
        return
    chosen: list[list[Any]] = [list(p) for p in form.data.get("parts") or []]
    have = await turn.uow.stock.quantity(van_of(turn), code)
    already = sum(int(q) for c, q in chosen if c == code)
    if already + quantity > have and form.name == FORM_FINISH:
        await turn.uow.forms.clear(turn.user_id)
        await _shortfall(turn, job_id, [*[(str(c), int(q)) for c, q in chosen], (code, quantity)])
        return
    if already + quantity > have:
        await turn.reply(
            N_("Your van holds only {have} of {part}. Send a smaller number."),
            args={"have": have - already, "part": code},
        )
        return
    chosen.append([code, quantity])
    form = await turn.uow.forms.save(
        replace(form, step="parts", data={**form.data, "parts": chosen, "part": None}), turn.now
    )
    await ask_parts(turn, form)


async def _shortfall(turn: Turn, job_id: int, parts: list[tuple[str, int]]) -> None:
    """The van lacks a part: take what is there, request the rest; the job waits."""
    code = turn.code
    s, clock = turn.deps.settings, turn.deps.clock
    used = await spare_parts.use_parts(turn.uow, s, clock, job=job_id, actor=code, parts=parts)
    job = await load_job(turn.uow, job_id)
    short = ", ".join(f"{r.quantity} × {r.part}" for r in used.requests)
    await turn.reply(
        N_(
            "Your van lacks {parts}. The storekeeper is asked to bring it; job {number} waits "
            "for the part. What your van had is recorded as used. You will be told when the "
            "part is in your van."
        ),
        args={"parts": short, "number": job.number},
    )


async def _need_part(turn: Turn, job_id: int, parts: list[tuple[str, int]]) -> None:
    code = turn.code
    s, clock = turn.deps.settings, turn.deps.clock
    result = await spare_parts.need_part(turn.uow, s, clock, job=job_id, actor=code, parts=parts)
    await turn.reply(
        N_("Job {number} waits for {parts}; the storekeeper is asked."),
        args={
            "number": result.change.job.number,
            "parts": ", ".join(f"{r.quantity} × {r.part}" for r in result.requests),
        },
    )


async def need_part_pressed(turn: Turn, payload: dict[str, object]) -> None:
    job = await load_job(turn.uow, button_job(payload))
    await turn.uow.forms.start(turn.user_id, FORM_NEED_PART, "part", job_ref(job), turn.now)
    await turn.reply(
        N_("Job {number}: which part do you need? Send its code or a part of its name."),
        args={"number": job.number},
    )


async def _defective(turn: Turn, job_id: int, part: str, quantity: int) -> None:
    code = turn.code
    s, clock = turn.deps.settings, turn.deps.clock
    await spare_parts.return_defective(
        turn.uow, s, clock, job=job_id, actor=code, part=part, quantity=quantity
    )
    job = await load_job(turn.uow, job_id)
    await turn.reply(
        N_("Recorded for job {number}: {quantity} × {part} taken out as defective."),
        args={"number": job.number, "quantity": quantity, "part": part},
    )


async def defective_pressed(turn: Turn, payload: dict[str, object]) -> None:
    job = await load_job(turn.uow, button_job(payload))
    require_state(job, (JobState.ON_SITE, JobState.IN_WORKSHOP), "record a defective part of")
    await turn.uow.forms.start(turn.user_id, FORM_DEFECTIVE, "part", job_ref(job), turn.now)
    await turn.reply(
        N_("Job {number}: which defective part did you take out? Send its code or name."),
        args={"number": job.number},
    )


async def need_part_form(turn: Turn, form: Form, message: Message) -> None:
    text = message.text or ""
    if form.step == "quantity":
        await quantity_step(turn, form, text)
        return
    await parts_search_reply(turn, text, form)
