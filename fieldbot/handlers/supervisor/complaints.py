"""The supervisor's complaints and surveys (DESIGN.md §5): the register (/complaints, paged), a
complaint's card (/complaint NUMBER) with its classification, personal contact and written
result; filing one for a customer (/complaint_for JOB|CUSTOMER, or File complaint on a job's
card); a survey's complaint candidate filed or dismissed; survey coverage (/surveys)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Message

from fieldbot.domain.feedback import ContactKind
from fieldbot.domain.model import JobState
from fieldbot.domain.permissions import Permission, may
from fieldbot.domain.text import job_number
from fieldbot.handlers.cards import Card, lines_card
from fieldbot.handlers.refusals import free_text_or_ask
from fieldbot.handlers.routes import Route, action, command, form
from fieldbot.handlers.supervisor.common import require_branch_of
from fieldbot.handlers.technician.appointment import parse_local_time
from fieldbot.handlers.turn import ButtonSpec, Turn
from fieldbot.i18n import N_
from fieldbot.repositories.complaints import ComplaintRow
from fieldbot.repositories.conversations import Form
from fieldbot.repositories.jobs import JobRecord
from fieldbot.services import calls, complaints, surveys
from fieldbot.services.deadlines.clocks import CLOCK_NAMES
from fieldbot.services.workflow import customer_arg, dt_arg, staff_arg, when_arg

FORM_CONTACT = "sup.complaint_contact"
FORM_RESULT = "sup.complaint_result"
FORM_FILE = "sup.complaint_new"
FORM_DISMISS = "sup.candidate_dismiss"
CLASSIFY_ACTION = "complaint.classify"
CONTACT_ACTION = "complaint.contact"
CONTACT_KIND_ACTION = "complaint.contact_kind"
RESULT_ACTION = "complaint.result"
FOR_JOB_ACTION = "complaint.for_job"
DONE_STATES = frozenset({JobState.SIGNED_OFF, JobState.CLOSED})

STATE_NAMES = {
    "open": N_("open"),
    "result_sent": N_("result sent, awaiting the customer"),
    "resolved": N_("resolved"),
}
SEVERITY_NAMES = {"general": N_("general"), "serious": N_("serious")}
CAUSE_NAMES = {"quality": N_("quality"), "not_quality": N_("not quality")}
SOURCE_NAMES = {
    "customer": N_("by the customer"),
    "staff": N_("by staff"),
    "survey": N_("from a survey"),
}
CONTACT_NAMES = {"visit": N_("visit"), "call": N_("call")}
UNSET = N_("not classified")

HEAD = N_("Complaint {number}: {state}")
CUSTOMER_LINE = N_("Customer: {customer}")
JOB_LINE = N_("Job: {number}")
FILED_LINE = N_("Filed {filed}, {source}")
CLASS_LINE = N_("Severity: {severity}; cause: {cause}")
DESCRIPTION_LINE = N_("Complaint: {text}")
PHOTOS_LINE = N_("Photos: {count}")
CLOCK_RUNNING = N_("{clock}: due {due}")
CLOCK_MET = N_("{clock}: met")
CLOCK_MISSED = N_("{clock}: missed")
CONTACT_LINE = N_("Contact: {kind} on {at} by {name}: {outcome}")
RESULT_LINE = N_("Result told to the customer: {result}")
REOPENED_LINE = N_("Reopened {times} times")
REGISTER_HEAD = N_("Complaints ({total}), page {page} of {pages}:")
REGISTER_LINE = N_("{number} {state}; {severity}; {customer}")
OPEN_NUMBER = N_("Open {number}")
REGISTER_EMPTY = N_("The complaint register is empty.")

GENERAL = N_("General")
SERIOUS = N_("Serious")
QUALITY = N_("Quality")
NOT_QUALITY = N_("Not quality")
RECORD_CONTACT = N_("Record contact")
SEND_RESULT = N_("Send result")
FILE_COMPLAINT = N_("File complaint")
VISIT = N_("Visit")
CALL = N_("Call")

CLASSIFIED = N_("Complaint {number}: severity {severity}, cause {cause}.")
SERIOUS_SENT = N_("It is serious: the deputy general manager has been told.")
CONTACT_HOW = N_("How did you contact the customer about complaint {number}?")
CONTACT_WHEN = N_(
    "When? Write now, or the time like 10:30 or 2026-09-15 10:30 (it cannot be later than now)."
)
CONTACT_WHEN_AGAIN = N_("I cannot read that time. Write now, or like 10:30 or 2026-09-15 10:30.")
CONTACT_OUTCOME = N_("What came of it? One message (at most {max} characters).")
CONTACT_OUTCOME_AGAIN = N_("Please write the outcome as text (at most {max} characters).")
CONTACT_RECORDED = N_("Recorded the personal contact for complaint {number}.")
RESULT_ASK = N_(
    "Write the result for the customer of complaint {number} (at most {max} characters); it "
    "goes to them in writing."
)
RESULT_AGAIN = N_("Please write the result as text (at most {max} characters).")
RESULT_SENT = N_("The result of complaint {number} was sent to the customer.")
RESULT_NO_CHAT = N_(
    "The result of complaint {number} is recorded; the customer is not on Telegram, so tell "
    "them in writing another way."
)
FILE_ASK = N_("Describe the complaint of {customer} in one message (at most {max} characters).")
FILE_AGAIN = N_("Please describe the complaint as text (at most {max} characters).")
FILED = N_("Filed complaint {number}.")
FOR_WHOM = N_(
    "For which job or customer? Send /complaint_for and a job number or customer code, e.g. "
    "/complaint_for J20260914-001."
)
WHICH = N_("Which complaint? Send /complaint and its number, e.g. /complaint TS-20260914-001.")
DISMISS_ASK = N_("Why is the candidate of job {number} dismissed? One message, please.")
DISMISS_AGAIN = N_("Please write the reason as text (at most {max} characters).")
DISMISSED = N_("Dismissed the complaint candidate of job {number}.")
COVERAGE_HEAD = N_("Surveys of jobs closed since {since}:")
COVERAGE_LINE = N_(
    "sent {sent}; answered in the chat {chat}, by phone {phone}; outstanding {outstanding} "
    "({clerk} on the follow-up clerk's list)."
)
COVERAGE_PERCENT = N_("Coverage: {percent} % (target 100 %).")
COVERAGE_NONE = N_("No surveys yet.")
NOW_WORDS = {"now", "现在", "刚才"}


def routes() -> list[Route]:
    handle = Permission.HANDLE_COMPLAINT
    return [
        command("complaints", register_command, "staff", handle),
        command("complaint", complaint_command, "staff", handle),
        command("complaint_for", complaint_for_command, "staff", handle),
        command("surveys", surveys_command, "staff", Permission.VIEW_REPORTS),
        action(complaints.COMPLAINT_CARD_ACTION, card_pressed, "staff", handle),
        action(CLASSIFY_ACTION, classify_pressed, "staff", handle),
        action(CONTACT_ACTION, contact_pressed, "staff", handle),
        action(CONTACT_KIND_ACTION, contact_kind_pressed, "staff", handle),
        action(RESULT_ACTION, result_pressed, "staff", handle),
        action(FOR_JOB_ACTION, for_job_pressed, "staff", handle),
        action(surveys.CANDIDATE_FILE_ACTION, candidate_file_pressed, "staff", handle),
        action(surveys.CANDIDATE_DISMISS_ACTION, candidate_dismiss_pressed, "staff", handle),
        form(FORM_CONTACT, contact_form, "staff", handle),
        form(FORM_RESULT, result_form, "staff", handle),
        form(FORM_FILE, file_form, "staff", handle),
        form(FORM_DISMISS, dismiss_form, "staff", handle),
    ]


def complaint_buttons(turn: Turn, job: JobRecord) -> list[list[ButtonSpec]]:
    """File complaint on the card of a job whose work is done (signed off or closed), for who
    handles the branch's complaints; an open job's card keeps to its next step (a complaint
    about it is /complaint_for NUMBER)."""
    if not may(turn.person.roles, Permission.HANDLE_COMPLAINT) or job.state not in DONE_STATES:
        return []
    return [[(FILE_COMPLAINT, FOR_JOB_ACTION, {"job_id": job.id})]]


def _tz(turn: Turn) -> str:
    return turn.deps.settings.timezone


# --- the card ------------------------------------------------------------------------------------


async def _clock_lines(turn: Turn, complaint: ComplaintRow, tz: str) -> list[dict[str, Any]]:
    """The reply and verify clocks: due when running, met or missed once stopped."""
    lines: list[dict[str, Any]] = []
    for clock in await complaints.complaint_clocks(turn.uow, complaint):
        name = {"t": CLOCK_NAMES.get(clock.clock, clock.clock)}
        if clock.state == "stopped":
            lines.append({"t": CLOCK_MET if clock.met else CLOCK_MISSED, "args": {"clock": name}})
        elif clock.due_at is not None:
            lines.append(
                {"t": CLOCK_RUNNING, "args": {"clock": name, "due": when_arg(clock.due_at, tz)}}
            )
    return lines


def _card_buttons(complaint: ComplaintRow) -> list[list[ButtonSpec]]:
    """Classify, record the contact, send the result: until the complaint is resolved."""
    if complaint.state == "resolved":
        return []
    payload = {"complaint_id": complaint.id}
    return [
        [
            (GENERAL, CLASSIFY_ACTION, {**payload, "severity": "general"}),
            (SERIOUS, CLASSIFY_ACTION, {**payload, "severity": "serious"}),
        ],
        [
            (QUALITY, CLASSIFY_ACTION, {**payload, "cause": "quality"}),
            (NOT_QUALITY, CLASSIFY_ACTION, {**payload, "cause": "not_quality"}),
        ],
        [(RECORD_CONTACT, CONTACT_ACTION, payload), (SEND_RESULT, RESULT_ACTION, payload)],
    ]


async def complaint_card(turn: Turn, complaint: ComplaintRow) -> Card:
    tz = _tz(turn)
    lines: list[dict[str, Any]] = [
        {
            "t": HEAD,
            "args": {"number": complaint.number, "state": {"t": STATE_NAMES[complaint.state]}},
        },
        {"t": CUSTOMER_LINE, "args": {"customer": customer_arg(complaint.customer_id)}},
    ]
    if complaint.job_id is not None:
        job = await turn.uow.jobs.get(complaint.job_id)
        if job is not None:
            lines.append({"t": JOB_LINE, "args": {"number": job.number}})
    lines.append(
        {
            "t": FILED_LINE,
            "args": {
                "filed": when_arg(complaint.filed_at, tz),
                "source": {"t": SOURCE_NAMES[complaint.source]},
            },
        }
    )
    lines.append(
        {
            "t": CLASS_LINE,
            "args": {
                "severity": {"t": SEVERITY_NAMES.get(complaint.severity or "", UNSET)},
                "cause": {"t": CAUSE_NAMES.get(complaint.cause or "", UNSET)},
            },
        }
    )
    if complaint.description:
        lines.append({"t": DESCRIPTION_LINE, "args": {"text": complaint.description}})
    if complaint.survey_id is not None:
        survey = await turn.uow.surveys.get(complaint.survey_id)
        if survey is not None:
            lines.extend(surveys.item_lines(survey.ratings()))
    if complaint.photos:
        lines.append({"t": PHOTOS_LINE, "args": {"count": len(complaint.photos)}})
    lines.extend(await _clock_lines(turn, complaint, tz))
    if complaint.contact_kind and complaint.contact_at and complaint.contact_by:
        lines.append(
            {
                "t": CONTACT_LINE,
                "args": {
                    "kind": {"t": CONTACT_NAMES[complaint.contact_kind]},
                    "at": dt_arg(complaint.contact_at, tz),
                    "name": staff_arg(complaint.contact_by),
                    "outcome": complaint.contact_outcome or "",
                },
            }
        )
    if complaint.result:
        lines.append({"t": RESULT_LINE, "args": {"result": complaint.result}})
    if complaint.reopened:
        lines.append({"t": REOPENED_LINE, "args": {"times": complaint.reopened}})
    return lines_card(lines, _card_buttons(complaint))


async def _handled(turn: Turn, ref: int | str) -> ComplaintRow:
    found = await complaints.load_complaint(turn.uow, ref)
    await complaints.require_handler(turn.uow, turn.code, found)
    return found


async def complaint_command(turn: Turn, args: str) -> None:
    if not args.strip():
        await turn.reply(WHICH)
        return
    await turn.show(await complaint_card(turn, await _handled(turn, args)))


async def card_pressed(turn: Turn, payload: dict[str, object]) -> None:
    found = await _handled(turn, int(str(payload["complaint_id"])))
    await turn.show(await complaint_card(turn, found))


async def register_command(turn: Turn, args: str) -> None:
    """The register of the person's branch (every branch for staff without one), newest first."""
    page = calls.page_number(args)
    found = await complaints.register_page(turn.uow, turn.person.branch_id, page)
    if not found.total:
        await turn.reply(REGISTER_EMPTY)
        return
    lines: list[dict[str, Any]] = [
        {
            "t": REGISTER_HEAD,
            "args": {"total": found.total, "page": found.page, "pages": found.pages},
        }
    ]
    buttons: list[list[ButtonSpec]] = []
    for complaint in found.complaints:
        lines.append(
            {
                "t": REGISTER_LINE,
                "args": {
                    "number": complaint.number,
                    "state": {"t": STATE_NAMES[complaint.state]},
                    "severity": {"t": SEVERITY_NAMES.get(complaint.severity or "", UNSET)},
                    "customer": customer_arg(complaint.customer_id),
                },
            }
        )
        label = {"t": OPEN_NUMBER, "args": {"number": complaint.number}}
        buttons.append([(label, complaints.COMPLAINT_CARD_ACTION, {"complaint_id": complaint.id})])
    await turn.show(lines_card(lines, buttons))


# --- classification, contact, result --------------------------------------------------------------


async def classify_pressed(turn: Turn, payload: dict[str, object]) -> None:
    before = await _handled(turn, int(str(payload["complaint_id"])))
    severity = payload.get("severity")
    cause = payload.get("cause")
    saved = await complaints.classify(
        turn.uow,
        turn.deps.settings,
        turn.deps.clock,
        complaint=before.id,
        actor=turn.code,
        severity=None if severity is None else str(severity),
        cause=None if cause is None else str(cause),
    )
    await turn.reply(
        CLASSIFIED,
        args={
            "number": saved.number,
            "severity": {"t": SEVERITY_NAMES.get(saved.severity or "", UNSET)},
            "cause": {"t": CAUSE_NAMES.get(saved.cause or "", UNSET)},
        },
    )
    if saved.severity == "serious" and before.severity != "serious":
        await turn.reply(SERIOUS_SENT)


async def contact_pressed(turn: Turn, payload: dict[str, object]) -> None:
    found = await _handled(turn, int(str(payload["complaint_id"])))
    await turn.uow.forms.start(
        turn.user_id, FORM_CONTACT, "kind", {"complaint_id": found.id}, turn.now
    )
    ids = {"complaint_id": found.id}
    await turn.reply(
        CONTACT_HOW,
        args={"number": found.number},
        buttons=[
            [
                (VISIT, CONTACT_KIND_ACTION, {**ids, "kind": ContactKind.VISIT.value}),
                (CALL, CONTACT_KIND_ACTION, {**ids, "kind": ContactKind.CALL.value}),
            ]
        ],
    )


async def contact_kind_pressed(turn: Turn, payload: dict[str, object]) -> None:
    current = await turn.uow.forms.get(turn.user_id)
    complaint_id = int(str(payload["complaint_id"]))
    if (
        current is None
        or current.name != FORM_CONTACT
        or current.data.get("complaint_id") != complaint_id
    ):
        turn.refused("contact kind without its form")
        await turn.reply(N_("This choice is no longer open. Nothing was changed."))
        return
    kind = ContactKind(str(payload["kind"])).value
    await turn.uow.forms.start(
        turn.user_id, FORM_CONTACT, "when", {"complaint_id": complaint_id, "kind": kind}, turn.now
    )
    await turn.reply(CONTACT_WHEN)


def _contact_time(text: str, now: datetime, tz: str) -> datetime | None:
    """``now``, ``HH:MM`` (the last such time) or ``YYYY-MM-DD HH:MM``; never later than now."""
    written = text.strip()
    if written.lower() in NOW_WORDS:
        return now
    at = parse_local_time(written, now.astimezone(ZoneInfo(tz)))
    if at is None:
        return None
    if at > now and len(written) <= 5:
        at -= timedelta(days=1)  # "10:30" is today's when already past, else yesterday's
    return None if at > now else at


async def contact_form(turn: Turn, form: Form, message: Message) -> None:
    s = turn.deps.settings
    if form.step == "kind":
        await turn.reply(N_("Please tap Visit or Call, or send /cancel."))
        return
    if form.step == "when":
        at = _contact_time(message.text or "", turn.now, _tz(turn))
        if at is None:
            await turn.reply(CONTACT_WHEN_AGAIN)
            return
        await turn.uow.forms.start(
            turn.user_id, FORM_CONTACT, "outcome", {**form.data, "at": at.isoformat()}, turn.now
        )
        await turn.reply(CONTACT_OUTCOME, args={"max": s.text_max_chars})
        return
    text = await free_text_or_ask(turn, message, CONTACT_OUTCOME_AGAIN)
    if text is None:
        return
    saved = await complaints.record_contact(
        turn.uow,
        s,
        turn.deps.clock,
        complaint=int(form.data["complaint_id"]),
        actor=turn.code,
        kind=str(form.data["kind"]),
        at=datetime.fromisoformat(str(form.data["at"])),
        outcome=text,
    )
    await turn.uow.forms.clear(turn.user_id)
    await turn.reply(CONTACT_RECORDED, args={"number": saved.number})


async def result_pressed(turn: Turn, payload: dict[str, object]) -> None:
    found = await _handled(turn, int(str(payload["complaint_id"])))
    await turn.uow.forms.start(
        turn.user_id, FORM_RESULT, "result", {"complaint_id": found.id}, turn.now
    )
    await turn.reply(
        RESULT_ASK, args={"number": found.number, "max": turn.deps.settings.text_max_chars}
    )


async def result_form(turn: Turn, form: Form, message: Message) -> None:
    text = await free_text_or_ask(turn, message, RESULT_AGAIN)
    if text is None:
        return
    saved = await complaints.send_result(
        turn.uow,
        turn.deps.settings,
        turn.deps.clock,
        complaint=int(form.data["complaint_id"]),
        actor=turn.code,
        result=text,
    )
    await turn.uow.forms.clear(turn.user_id)
    template = RESULT_SENT if saved.result_outbox_id is not None else RESULT_NO_CHAT
    await turn.reply(template, args={"number": saved.number})


# --- filing for a customer ---------------------------------------------------------------------


async def _start_file(turn: Turn, *, job: JobRecord | None, customer_id: int, code: str) -> None:
    data: dict[str, Any] = {"customer": code}
    if job is not None:
        data["about_job"] = job.id
    await turn.uow.forms.start(turn.user_id, FORM_FILE, "text", data, turn.now)
    await turn.reply(
        FILE_ASK,
        args={"customer": customer_arg(customer_id), "max": turn.deps.settings.text_max_chars},
    )


async def complaint_for_command(turn: Turn, args: str) -> None:
    text = args.strip()
    if not text:
        await turn.reply(FOR_WHOM)
        return
    number = job_number(text)
    if number is not None:
        job = await turn.uow.jobs.by_number(number)
        if job is None:
            await turn.reply(N_("There is no job {number}."), args={"number": number})
            return
        await require_branch_of(turn, job)
        await _for_job(turn, job)
        return
    customer = await turn.uow.customers.row(text.upper())
    if customer is None:
        await turn.reply(N_("No customer matches that. Nothing was changed."))
        return
    await _start_file(turn, job=None, customer_id=customer.id, code=customer.customer.code)


async def _for_job(turn: Turn, job: JobRecord) -> None:
    customer = await turn.uow.customers.row_by_id(job.customer_id)
    assert customer is not None
    await _start_file(turn, job=job, customer_id=customer.id, code=customer.customer.code)


async def for_job_pressed(turn: Turn, payload: dict[str, object]) -> None:
    job = await turn.uow.jobs.get(int(str(payload["job_id"])))
    if job is None:
        await turn.reply(N_("That is not there any more. Nothing was changed."))
        return
    await require_branch_of(turn, job)
    await _for_job(turn, job)


async def file_form(turn: Turn, form: Form, message: Message) -> None:
    text = await free_text_or_ask(turn, message, FILE_AGAIN)
    if text is None:
        return
    about = form.data.get("about_job")
    filed = await complaints.file_by_staff(
        turn.uow,
        turn.deps.settings,
        turn.deps.clock,
        actor=turn.code,
        description=text,
        job=None if about is None else int(about),
        customer=None if about is not None else str(form.data["customer"]),
    )
    await turn.uow.forms.clear(turn.user_id)
    await turn.reply(FILED, args={"number": filed.number})
    await turn.show(await complaint_card(turn, filed))


# --- the survey's candidate ----------------------------------------------------------------------


async def candidate_file_pressed(turn: Turn, payload: dict[str, object]) -> None:
    filed = await complaints.file_from_survey(
        turn.uow,
        turn.deps.settings,
        turn.deps.clock,
        survey=int(str(payload["survey_id"])),
        actor=turn.code,
    )
    await turn.reply(FILED, args={"number": filed.number})
    await turn.show(await complaint_card(turn, filed))


async def candidate_dismiss_pressed(turn: Turn, payload: dict[str, object]) -> None:
    survey_id = int(str(payload["survey_id"]))
    found, _staff = await surveys.open_candidate(turn.uow, survey=survey_id, actor=turn.code)
    job = await turn.uow.jobs.get(found.job_id)
    number = job.number if job is not None else "?"
    await turn.uow.forms.start(
        turn.user_id, FORM_DISMISS, "reason", {"survey_id": survey_id, "number": number}, turn.now
    )
    await turn.reply(DISMISS_ASK, args={"number": number})


async def dismiss_form(turn: Turn, form: Form, message: Message) -> None:
    text = await free_text_or_ask(turn, message, DISMISS_AGAIN)
    if text is None:
        return
    await surveys.dismiss_candidate(
        turn.uow,
        turn.deps.settings,
        turn.deps.clock,
        survey=int(form.data["survey_id"]),
        actor=turn.code,
        reason=text,
    )
    await turn.uow.forms.clear(turn.user_id)
    await turn.reply(DISMISSED, args={"number": form.data.get("number", "")})


# --- coverage ------------------------------------------------------------------------------------


async def surveys_command(turn: Turn, _args: str) -> None:
    """Survey coverage of the person's branch (every branch for staff without one), this month:
    sent, answered in the chat, by phone, outstanding."""
    tz = ZoneInfo(_tz(turn))
    local = turn.now.astimezone(tz)
    since = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    found = await surveys.coverage(turn.uow, turn.person.branch_id, since=since)
    lines: list[dict[str, Any]] = [
        {"t": COVERAGE_HEAD, "args": {"since": {"day": since.date().isoformat(), "fmt": "date"}}}
    ]
    if not found.sent:
        lines.append({"t": COVERAGE_NONE})
    else:
        lines.append(
            {
                "t": COVERAGE_LINE,
                "args": {
                    "sent": found.sent,
                    "chat": found.chat,
                    "phone": found.phone,
                    "outstanding": found.outstanding,
                    "clerk": found.with_clerk,
                },
            }
        )
        percent = surveys.coverage_percent(found) or 0.0
        lines.append({"t": COVERAGE_PERCENT, "args": {"percent": f"{percent:.0f}"}})
    await turn.reply("@lines", extra={"lines": lines})
