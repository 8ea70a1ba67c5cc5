"""The customer's survey and complaints (DESIGN.md §5 "Customers in the chat"): the survey
message's one-tap levels and Submit, the optional comment after it; /complain (one of their
jobs, or a description; text, then photos); the written result of a complaint, accepted or
not resolved.

Every route here is for customers only (the router checks it); the services check that the
survey or complaint is this customer's.
"""

from __future__ import annotations

from telegram import Message

from fieldbot.handlers.refusals import free_text_or_ask
from fieldbot.handlers.routes import Route, action, command, form
from fieldbot.handlers.turn import ButtonSpec, Turn
from fieldbot.i18n import N_
from fieldbot.repositories.conversations import Form
from fieldbot.services import complaints, surveys

FORM_SURVEY_COMMENT = "survey.comment"
FORM_COMPLAINT = "complaint.new"
NO_COMMENT_ACTION = "survey.no_comment"
COMPLAIN_JOB_ACTION = "complaint.job"
COMPLAIN_FILE_ACTION = "complaint.file"

NO_COMMENT = N_("No comment")
COMMENT_ASK = N_(
    "Thank you! Would you like to add a comment? Write it in one message (at most {max} "
    "characters), or tap No comment."
)
COMMENT_AGAIN = N_(
    "Please write your comment as text (at most {max} characters), or tap No comment."
)
COMMENT_THANKS = N_("Thank you for your comment; we have passed it on.")
NO_COMMENT_THANKS = N_("Thank you for answering our survey.")

COMPLAIN_WHICH = N_("Which job is your complaint about? Tap it, or tap Something else.")
SOMETHING_ELSE = N_("Something else")
COMPLAIN_DESCRIBE = N_(
    "Please describe your complaint in one message (text, at most {max} characters)."
)
COMPLAIN_AGAIN = N_(
    "Please describe your complaint as text (at most {max} characters); photos can follow "
    "after it. Or send /cancel."
)
COMPLAIN_PHOTOS = N_("Thank you. You may send photos now; when you are done, tap File complaint.")
COMPLAIN_PHOTO_ADDED = N_("Photo {count} added. Send more, or tap File complaint.")
COMPLAIN_FILE = N_("File complaint")
COMPLAIN_PHOTOS_ONLY = N_(
    "Your description is noted. Send photos if you have any, or tap File complaint."
)
COMPLAIN_FILED = N_(
    "Your complaint is registered as {number}. A supervisor will contact you personally."
)
COMPLAIN_NOT_YET = N_("Please describe your complaint first, or send /cancel.")
RESULT_ACCEPTED = N_("Thank you. Complaint {number} is closed as resolved.")
RESULT_REJECTED = N_(
    "We are sorry. Complaint {number} is reopened and the manager has been told; we will "
    "contact you again."
)
MAX_PHOTOS = 10


def routes() -> list[Route]:
    return [
        action(surveys.RATE_ACTION, rate_pressed, "customer"),
        action(surveys.SUBMIT_ACTION, submit_pressed, "customer"),
        action(NO_COMMENT_ACTION, no_comment_pressed, "customer"),
        form(FORM_SURVEY_COMMENT, comment_form, "customer"),
        command("complain", complain_command, "customer"),
        action(COMPLAIN_JOB_ACTION, complain_job_pressed, "customer"),
        action(COMPLAIN_FILE_ACTION, complain_file_pressed, "customer"),
        form(FORM_COMPLAINT, complaint_form, "customer"),
        action(complaints.ACCEPT_ACTION, result_accepted, "customer"),
        action(complaints.REJECT_ACTION, result_rejected, "customer"),
    ]


def _int(payload: dict[str, object], key: str) -> int:
    return int(str(payload[key]))


# --- the survey -----------------------------------------------------------------------------------


async def rate_pressed(turn: Turn, payload: dict[str, object]) -> None:
    """One tap: the survey message updates in place (the edit is the answer)."""
    s, clock = turn.deps.settings, turn.deps.clock
    await surveys.rate(
        turn.uow,
        s,
        clock,
        survey=_int(payload, "survey_id"),
        customer=turn.code,
        item=str(payload["item"]),
        level=_int(payload, "level"),
    )


async def submit_pressed(turn: Turn, payload: dict[str, object]) -> None:
    s, clock = turn.deps.settings, turn.deps.clock
    survey = await surveys.submit(
        turn.uow, s, clock, survey=_int(payload, "survey_id"), customer=turn.code
    )
    await turn.uow.forms.start(
        turn.user_id, FORM_SURVEY_COMMENT, "comment", {"survey_id": survey.id}, turn.now
    )
    await turn.reply(
        COMMENT_ASK,
        args={"max": s.text_max_chars},
        buttons=[[(NO_COMMENT, NO_COMMENT_ACTION, {"survey_id": survey.id})]],
    )


async def no_comment_pressed(turn: Turn, payload: dict[str, object]) -> None:
    current = await turn.uow.forms.get(turn.user_id)
    if current is not None and current.name == FORM_SURVEY_COMMENT:
        await turn.uow.forms.clear(turn.user_id)
    await turn.reply(NO_COMMENT_THANKS)


async def comment_form(turn: Turn, form: Form, message: Message) -> None:
    text = await free_text_or_ask(turn, message, COMMENT_AGAIN)
    if text is None:
        return
    s, clock = turn.deps.settings, turn.deps.clock
    await surveys.add_comment(
        turn.uow, s, clock, survey=int(form.data["survey_id"]), customer=turn.code, text=text
    )
    await turn.uow.forms.clear(turn.user_id)
    await turn.reply(COMMENT_THANKS)


# --- /complain ------------------------------------------------------------------------------------


async def complain_command(turn: Turn, args: str) -> None:
    """Which job (one of the customer's own, newest first) or something else; then the text."""
    jobs = await complaints.complainable_jobs(turn.uow, customer=turn.code)
    await turn.uow.forms.start(turn.user_id, FORM_COMPLAINT, "job", {}, turn.now)
    rows: list[list[ButtonSpec]] = [
        [
            (
                {"t": N_("Job {number}"), "args": {"number": job.number}},
                COMPLAIN_JOB_ACTION,
                {"about": job.id},
            )
        ]
        for job in jobs
    ]
    rows.append([(SOMETHING_ELSE, COMPLAIN_JOB_ACTION, {"about": 0})])
    await turn.reply(COMPLAIN_WHICH, buttons=rows)


async def complain_job_pressed(turn: Turn, payload: dict[str, object]) -> None:
    about = _int(payload, "about")
    if about:
        await complaints.complainable_job(turn.uow, job=about, customer=turn.code)
    await turn.uow.forms.start(
        turn.user_id, FORM_COMPLAINT, "text", {"about": about, "photos": []}, turn.now
    )
    await turn.reply(COMPLAIN_DESCRIBE, args={"max": turn.deps.settings.text_max_chars})


async def complaint_form(turn: Turn, form: Form, message: Message) -> None:
    if form.step == "job":
        await turn.reply(COMPLAIN_WHICH)
        return
    if form.step == "text":
        if not (message.text or "").strip():
            turn.refused("complaint without text")
            await turn.reply(COMPLAIN_AGAIN, args={"max": turn.deps.settings.text_max_chars})
            return
        text = await free_text_or_ask(turn, message, COMPLAIN_AGAIN)
        if text is None:
            return
        data = {**form.data, "text": text}
        await turn.uow.forms.save(
            Form(form.user_id, form.name, "photos", data, form.version), turn.now
        )
        await turn.reply(COMPLAIN_PHOTOS, buttons=[[(COMPLAIN_FILE, COMPLAIN_FILE_ACTION, {})]])
        return
    # step "photos": photos are added; a text here is not a second description
    file_button: list[list[ButtonSpec]] = [[(COMPLAIN_FILE, COMPLAIN_FILE_ACTION, {})]]
    if not message.photo:
        await turn.reply(COMPLAIN_PHOTOS_ONLY, buttons=file_button)
        return
    photos = list(form.data.get("photos", []))
    if len(photos) < MAX_PHOTOS:
        photos.append(message.photo[-1].file_id)
    data = {**form.data, "photos": photos}
    await turn.uow.forms.save(
        Form(form.user_id, form.name, form.step, data, form.version), turn.now
    )
    await turn.reply(COMPLAIN_PHOTO_ADDED, args={"count": len(photos)}, buttons=file_button)


async def complain_file_pressed(turn: Turn, payload: dict[str, object]) -> None:
    current = await turn.uow.forms.get(turn.user_id)
    if current is None or current.name != FORM_COMPLAINT or "text" not in current.data:
        turn.refused("complaint file without a description")
        await turn.reply(COMPLAIN_NOT_YET)
        return
    s, clock = turn.deps.settings, turn.deps.clock
    about = int(current.data.get("about") or 0)
    filed = await complaints.file_by_customer(
        turn.uow,
        s,
        clock,
        customer=turn.code,
        job=about or None,
        description=str(current.data["text"]),
        photos=tuple(str(p) for p in current.data.get("photos", [])),
    )
    await turn.uow.forms.clear(turn.user_id)
    await turn.reply(COMPLAIN_FILED, args={"number": filed.number})


# --- the result -----------------------------------------------------------------------------------


async def result_accepted(turn: Turn, payload: dict[str, object]) -> None:
    s, clock = turn.deps.settings, turn.deps.clock
    done = await complaints.accept_result(
        turn.uow, s, clock, complaint=_int(payload, "complaint_id"), customer=turn.code
    )
    await turn.reply(RESULT_ACCEPTED, args={"number": done.number})


async def result_rejected(turn: Turn, payload: dict[str, object]) -> None:
    s, clock = turn.deps.settings, turn.deps.clock
    done = await complaints.reject_result(
        turn.uow, s, clock, complaint=_int(payload, "complaint_id"), customer=turn.code
    )
    await turn.reply(RESULT_REJECTED, args={"number": done.number})
