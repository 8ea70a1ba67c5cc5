"""The follow-up clerk's chat (DESIGN.md §1, §5): the call list of surveys not answered in the
chat (/calls_due) and the form that records a survey taken by phone (the four items, one tap
each, then the customer's comment or none)."""

from __future__ import annotations

from typing import Any

from telegram import Message

from fieldbot.domain.feedback import ITEMS, LEVELS
from fieldbot.domain.permissions import Permission
from fieldbot.handlers.refusals import free_text_or_ask
from fieldbot.handlers.routes import Route, action, command, form
from fieldbot.handlers.turn import ButtonSpec, Turn
from fieldbot.i18n import N_
from fieldbot.rendering import more_line
from fieldbot.repositories.conversations import Form
from fieldbot.services import surveys
from fieldbot.services.access_log import CALLS_DUE, PHONE_SURVEY, Showing, phone_shown
from fieldbot.services.workflow import customer_arg, dt_arg

FORM_PHONE_SURVEY = "clerk.survey"
RECORD_ACTION = "clerk.survey"
RATE_ACTION = "clerk.rate"
DONE_ACTION = "clerk.done"
SHOWN = 10

NOTHING_DUE = N_("No surveys to take by phone.")
DUE_HEAD = N_("Surveys to take by phone ({count}):")
DUE_LINE = N_("{number}: {customer}, {phone}; closed {closed}.")
RECORD = N_("Record {number}")
ASK_ITEM = N_(
    "Phone survey of job {number} ({customer}, {phone}). {item}: how satisfied is the customer?"
)
ASK_NEXT = N_("{item}: how satisfied is the customer?")
LEVEL_LABEL = N_("{level} {name}")
ASK_COMMENT = N_(
    "Any comment from the customer? Write it (at most {max} characters), or tap No comment."
)
COMMENT_AGAIN = N_(
    "Please write the customer's comment as text (at most {max} characters), or tap No comment."
)
TAP_LEVEL = N_("Please tap a level for this item, or send /cancel.")
NO_COMMENT = N_("No comment")
RECORDED = N_("Recorded: the survey of job {number}, taken by phone.")
STALE = N_("This choice is no longer open. Nothing was changed.")


def routes() -> list[Route]:
    return [
        command("calls_due", calls_due_command, "staff", Permission.RECORD_SURVEY),
        action(RECORD_ACTION, record_pressed, "staff", Permission.RECORD_SURVEY),
        action(RATE_ACTION, rate_pressed, "staff", Permission.RECORD_SURVEY),
        action(DONE_ACTION, done_pressed, "staff", Permission.RECORD_SURVEY),
        form(FORM_PHONE_SURVEY, phone_survey_form, "staff", Permission.RECORD_SURVEY),
    ]


async def calls_due_command(turn: Turn, _args: str) -> None:
    due = await surveys.calls_due(turn.uow, turn.person.branch_id)
    if not due:
        await turn.reply(NOTHING_DUE)
        return
    tz = turn.deps.settings.timezone
    lines: list[dict[str, Any]] = [{"t": DUE_HEAD, "args": {"count": len(due)}}]
    buttons: list[list[ButtonSpec]] = []
    for call in due[:SHOWN]:
        lines.append(
            {
                "t": DUE_LINE,
                "args": {
                    "number": call.job.number,
                    "customer": customer_arg(call.survey.customer_id),
                    "phone": customer_arg(call.survey.customer_id, "phone"),
                    "closed": dt_arg(call.survey.sent_at, tz),
                },
            }
        )
        label = {"t": RECORD, "args": {"number": call.job.number}}
        buttons.append([(label, RECORD_ACTION, {"survey_id": call.survey.id})])
    if len(due) > SHOWN:
        lines.append(more_line(len(due) - SHOWN))
    shown = [Showing(c.survey.customer_id, c.job.id) for c in due[:SHOWN]]
    await phone_shown(turn.uow, shown, shown=CALLS_DUE, now=turn.now, staff_id=turn.person.id)
    await turn.reply("@lines", extra={"lines": lines}, buttons=buttons)


def _level_buttons(survey_id: int, item: str) -> list[list[ButtonSpec]]:
    return [
        [
            (
                {
                    "t": LEVEL_LABEL,
                    "args": {"level": level, "name": {"t": surveys.LEVEL_NAMES[level]}},
                },
                RATE_ACTION,
                {"survey_id": survey_id, "item": item, "level": level},
            )
        ]
        for level in LEVELS
    ]


async def record_pressed(turn: Turn, payload: dict[str, object]) -> None:
    survey_id = int(str(payload["survey_id"]))
    call = await surveys.phone_survey(turn.uow, survey=survey_id, clerk=turn.code)
    await turn.uow.forms.start(
        turn.user_id,
        FORM_PHONE_SURVEY,
        ITEMS[0],
        {"survey_id": survey_id, "number": call.job.number, "ratings": {}},
        turn.now,
    )
    shown = Showing(call.survey.customer_id, call.job.id)
    await phone_shown(turn.uow, shown, shown=PHONE_SURVEY, now=turn.now, staff_id=turn.person.id)
    await turn.reply(
        ASK_ITEM,
        args={
            "number": call.job.number,
            "customer": customer_arg(call.survey.customer_id),
            "phone": customer_arg(call.survey.customer_id, "phone"),
            "item": {"t": surveys.ITEM_NAMES[ITEMS[0]]},
        },
        buttons=_level_buttons(survey_id, ITEMS[0]),
    )


async def _form_for(turn: Turn, survey_id: int) -> Form | None:
    current = await turn.uow.forms.get(turn.user_id)
    if (
        current is None
        or current.name != FORM_PHONE_SURVEY
        or current.data.get("survey_id") != survey_id
    ):
        turn.refused("phone survey button without its form")
        await turn.reply(STALE)
        return None
    return current


async def rate_pressed(turn: Turn, payload: dict[str, object]) -> None:
    survey_id = int(str(payload["survey_id"]))
    item, level = str(payload["item"]), int(str(payload["level"]))
    current = await _form_for(turn, survey_id)
    if current is None:
        return
    if current.step != item:
        turn.refused("phone survey: an earlier item's button")
        await turn.reply(STALE)
        return
    ratings = {**dict(current.data.get("ratings", {})), item: level}
    index = ITEMS.index(item)
    step = ITEMS[index + 1] if index + 1 < len(ITEMS) else "comment"
    data = {**current.data, "ratings": ratings}
    await turn.uow.forms.save(
        Form(current.user_id, current.name, step, data, current.version), turn.now
    )
    if step == "comment":
        await turn.reply(
            ASK_COMMENT,
            args={"max": turn.deps.settings.text_max_chars},
            buttons=[[(NO_COMMENT, DONE_ACTION, {"survey_id": survey_id})]],
        )
        return
    await turn.reply(
        ASK_NEXT,
        args={"item": {"t": surveys.ITEM_NAMES[step]}},
        buttons=_level_buttons(survey_id, step),
    )


async def _record(turn: Turn, current: Form, comment: str | None) -> None:
    ratings = {str(k): int(v) for k, v in dict(current.data.get("ratings", {})).items()}
    s, clock = turn.deps.settings, turn.deps.clock
    await surveys.record_by_phone(
        turn.uow,
        s,
        clock,
        survey=int(current.data["survey_id"]),
        clerk=turn.code,
        ratings=ratings,
        comment=comment,
    )
    await turn.uow.forms.clear(turn.user_id)
    await turn.reply(RECORDED, args={"number": current.data.get("number", "")})


async def done_pressed(turn: Turn, payload: dict[str, object]) -> None:
    current = await _form_for(turn, int(str(payload["survey_id"])))
    if current is None:
        return
    if current.step != "comment":
        await turn.reply(STALE)
        return
    await _record(turn, current, None)


async def phone_survey_form(turn: Turn, form: Form, message: Message) -> None:
    if form.step != "comment":
        await turn.reply(TAP_LEVEL)
        return
    text = await free_text_or_ask(turn, message, COMMENT_AGAIN)
    if text is None:
        return
    await _record(turn, form, text)
