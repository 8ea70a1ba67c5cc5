"""The survey of every closed job (DESIGN.md §5 "Survey", "Customers in the chat"): one message
in the customer's chat that updates in place (four items, four one-tap levels each, changeable
until Submit, then an optional comment); one reminder, then the follow-up clerk's call list
(``/calls_due``) where the clerk records the answers from a phone call; coverage for the
supervisor; an item rated 1 opens a complaint candidate the supervisor files or dismisses.

The survey clock is :mod:`fieldbot.services.deadlines.feedback_clocks`; filing a candidate as
a complaint is :func:`fieldbot.services.complaints.file_from_survey`.

Use cases work inside the caller's unit of work and do not commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from fieldbot.clock import Clock
from fieldbot.domain.errors import DomainError, NotAllowed
from fieldbot.domain.feedback import ITEMS, LEVELS, check_rating, complete, unsatisfied
from fieldbot.domain.permissions import Permission
from fieldbot.domain.text import clean_text
from fieldbot.i18n import N_
from fieldbot.rendering import LINES
from fieldbot.repositories.jobs import JobRecord
from fieldbot.repositories.outbox import OutboxRepository
from fieldbot.repositories.people import CustomerRow, StaffRow
from fieldbot.repositories.surveys import Coverage, SurveyRow
from fieldbot.services.deadlines.feedback_clocks import (
    SURVEY,
    SURVEY_HANDOVER,
    SURVEY_REMINDER,
    due_survey_steps,
    start_survey_clock,
    stop_survey_clock,
)
from fieldbot.services.recipients import may_act_for_branch, supervisors_of
from fieldbot.services.workflow import (
    customer_tag,
    load_customer,
    load_staff,
    notify_customer,
    require_permission,
    staff_tag,
)
from fieldbot.settings import Settings
from fieldbot.store import UnitOfWork

ITEM_NAMES: dict[str, str] = {
    "attitude": N_("Attitude"),
    "skill": N_("Skill"),
    "arrival": N_("Arrival time"),
    "promises": N_("Keeping promises"),
}
LEVEL_NAMES: dict[int, str] = {
    4: N_("very satisfied"),
    3: N_("satisfied"),
    2: N_("fairly satisfied"),
    1: N_("unsatisfied"),
}
SURVEY_HEAD = N_(
    "How did we do on job {number}? Tap a level for each item; you can change it until you "
    "press Submit."
)
LEVELS_LINE = N_("4 very satisfied · 3 satisfied · 2 fairly satisfied · 1 unsatisfied")
ITEM_LINE = N_("{item}: {level}")
ITEM_LEVEL = N_("{level} {name}")
NOT_RATED = N_("not rated yet")
RATE_LABEL = N_("{item} {level}")
RATED_LABEL = N_("✓ {item} {level}")
SUBMIT = N_("Submit")
ANSWERED_HEAD = N_("Thank you! Your answers on job {number}:")
BY_PHONE_HEAD = N_("The survey of job {number} was answered by phone. Thank you!")
COMMENT_LINE = N_("Comment: {comment}")
REMINDER_TEXT = N_(
    "A reminder: how did we do on job {number}? Please rate it in the survey above; it takes "
    "four taps."
)
CANDIDATE_TEXT = N_(
    "Survey of job {number} ({customer}): an item is rated unsatisfied. File it as a "
    "complaint, or dismiss it with a reason."
)
FILE_COMPLAINT = N_("File complaint")
DISMISS = N_("Dismiss")

RATE_ACTION = "survey.rate"
SUBMIT_ACTION = "survey.submit"
CANDIDATE_FILE_ACTION = "survey.candidate_file"
CANDIDATE_DISMISS_ACTION = "survey.candidate_dismiss"

SURVEY_SENT = "survey.sent"
SURVEY_REMINDED = "survey.reminded"
SURVEY_HANDED_OVER = "survey.handed_over"
SURVEY_ANSWERED = "survey.answered"
SURVEY_COMMENTED = "survey.commented"
CANDIDATE_OPENED = "survey.candidate_opened"
CANDIDATE_DISMISSED = "survey.candidate_dismissed"


class UnknownSurvey(DomainError):
    code = "unknown_survey"


class SurveyAnswered(DomainError):
    code = "survey_answered"


class NoCandidate(DomainError):
    code = "no_candidate"


@dataclass(frozen=True, slots=True)
class DueCall:
    """A survey on the follow-up clerk's list, with its job."""

    survey: SurveyRow
    job: JobRecord


# --- the message ----------------------------------------------------------------------------------


def level_arg(level: int | None) -> dict[str, Any]:
    if level is None:
        return {"t": NOT_RATED}
    return {"t": ITEM_LEVEL, "args": {"level": level, "name": {"t": LEVEL_NAMES[level]}}}


def item_lines(ratings: Mapping[str, int | None]) -> list[dict[str, Any]]:
    return [
        {
            "t": ITEM_LINE,
            "args": {"item": {"t": ITEM_NAMES[item]}, "level": level_arg(ratings.get(item))},
        }
        for item in ITEMS
    ]


async def _card(
    uow: UnitOfWork, survey: SurveyRow, number: str, user_id: int | None, now: datetime
) -> dict[str, Any]:
    """The survey message's parameters as it stands: open, with its buttons (fresh tokens for
    the one customer); answered, the answers without buttons."""
    ratings = survey.ratings()
    if survey.state == "answered":
        head = ANSWERED_HEAD if survey.channel == "chat" else BY_PHONE_HEAD
        lines = [{"t": head, "args": {"number": number}}, *item_lines(ratings)]
        if survey.comment:
            lines.append({"t": COMMENT_LINE, "args": {"comment": survey.comment}})
        return {"lines": lines}
    lines = [
        {"t": SURVEY_HEAD, "args": {"number": number}},
        {"t": LEVELS_LINE},
        *item_lines(ratings),
    ]
    params: dict[str, Any] = {"lines": lines}
    if user_id is None:
        return params
    rows: list[list[dict[str, Any]]] = []
    for item in ITEMS:
        row = []
        for level in LEVELS:
            token = await uow.buttons.create(
                user_id, RATE_ACTION, {"survey_id": survey.id, "item": item, "level": level}, now
            )
            row.append(
                {
                    "label": RATED_LABEL if ratings.get(item) == level else RATE_LABEL,
                    "label_args": {"item": {"t": ITEM_NAMES[item]}, "level": level},
                    "token": token,
                }
            )
        rows.append(row)
    token = await uow.buttons.create(user_id, SUBMIT_ACTION, {"survey_id": survey.id}, now)
    rows.append([{"label": SUBMIT, "token": token}])
    params["buttons"] = rows
    return params


async def _edit_card(
    uow: UnitOfWork,
    survey: SurveyRow,
    customer: CustomerRow,
    number: str,
    now: datetime,
    priority: int = OutboxRepository.PRIORITY_REPLY,
) -> int | None:
    """The survey message updated in place (an outbox edit of the message sent at the close)."""
    if survey.outbox_id is None or customer.chat_id is None:
        return None
    return await uow.outbox.enqueue(
        chat_id=customer.chat_id,
        recipient_kind="customer",
        recipient_id=customer.id,
        template=LINES,
        params=await _card(uow, survey, number, customer.telegram_user_id, now),
        now=now,
        priority=priority,
        method="edit",
        ref_outbox_id=survey.outbox_id,
    )


async def _event(
    uow: UnitOfWork,
    survey: SurveyRow,
    kind: str,
    actor: str,
    now: datetime,
    payload: Mapping[str, Any] | None = None,
) -> None:
    """The survey's history (the technician's monthly performance reads it)."""
    await uow.events.append(
        actor=actor,
        kind=kind,
        subject_type=SURVEY,
        subject_id=survey.id,
        payload={
            "job_id": survey.job_id,
            "technician_id": survey.technician_id,
            "branch_id": survey.branch_id,
            **dict(payload or {}),
        },
        at=now,
    )


# --- sending --------------------------------------------------------------------------------------


async def open_survey(
    uow: UnitOfWork, settings: Settings, job: JobRecord, now: datetime
) -> SurveyRow | None:
    """A job closed: its survey goes to the customer's chat (one message, updated in place) and
    its clock starts; a customer without Telegram goes on the follow-up clerk's list at once.
    None when the job has its survey already."""
    assert job.id is not None
    survey = await uow.surveys.add(
        job_id=job.id,
        branch_id=job.branch_id,
        customer_id=job.customer_id,
        technician_id=job.technician_id,
        now=now,
    )
    if survey is None:
        return None
    customer = await uow.customers.row_by_id(job.customer_id)
    assert customer is not None
    if customer.chat_id is not None:
        outbox_id = await uow.outbox.enqueue(
            chat_id=customer.chat_id,
            recipient_kind="customer",
            recipient_id=customer.id,
            template=LINES,
            params=await _card(uow, survey, job.number, customer.telegram_user_id, now),
            now=now,
            dedupe_key=f"survey:{survey.id}",
        )
        survey = await uow.surveys.save(replace(survey, outbox_id=outbox_id), now)
    else:
        survey = await uow.surveys.save(replace(survey, handed_over_at=now), now)
    await start_survey_clock(uow, settings, survey_id=survey.id, branch_id=job.branch_id, now=now)
    await _event(
        uow,
        survey,
        SURVEY_SENT,
        "system",
        now,
        {"number": job.number, "in_chat": customer.chat_id is not None},
    )
    return survey


async def sweep_survey(
    uow: UnitOfWork, settings: Settings, clock_row: Any, now: datetime
) -> list[str]:
    """The survey clock's due steps (the scheduler calls it): the one reminder to the
    customer, then the follow-up clerk's list. Returns the steps fired."""
    fired = await due_survey_steps(uow, settings, clock_row, now)
    survey = await uow.surveys.get(clock_row.subject_id)
    if survey is None or survey.state != "open":
        return [str(step) for step in fired]
    job = await uow.jobs.get(survey.job_id)
    assert job is not None
    if SURVEY_REMINDER in fired and survey.handed_over_at is None:
        customer = await uow.customers.row_by_id(survey.customer_id)
        if customer is not None and customer.chat_id is not None:
            await notify_customer(
                uow,
                customer,
                REMINDER_TEXT,
                {"number": job.number},
                now,
                dedupe_key=f"survey-reminder:{survey.id}",
            )
            survey = await uow.surveys.save(replace(survey, reminded_at=now), now)
            await _event(uow, survey, SURVEY_REMINDED, "system", now)
    if SURVEY_HANDOVER in fired and survey.handed_over_at is None:
        survey = await uow.surveys.save(replace(survey, handed_over_at=now), now)
        await _event(uow, survey, SURVEY_HANDED_OVER, "system", now)
    return [str(step) for step in fired]


# --- the customer answers -------------------------------------------------------------------------


async def _own_open(
    uow: UnitOfWork, survey_id: int, customer: str
) -> tuple[SurveyRow, CustomerRow]:
    survey = await uow.surveys.get(survey_id)
    row = await load_customer(uow, customer)
    if survey is None:
        raise UnknownSurvey(f"no survey {survey_id}", survey=survey_id)
    if survey.customer_id != row.id:
        raise NotAllowed(f"survey {survey_id} is not {row.customer.code}'s", survey=survey_id)
    if survey.state != "open":
        raise SurveyAnswered(f"survey {survey_id} is answered", survey=survey_id)
    return survey, row


async def _number(uow: UnitOfWork, survey: SurveyRow) -> str:
    job = await uow.jobs.get(survey.job_id)
    assert job is not None
    return job.number


async def rate(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    survey: int,
    customer: str,
    item: str,
    level: int,
) -> SurveyRow:
    """One tap: the item's level, changeable until Submit; the message shows it at once."""
    now = clock.now()
    found, row = await _own_open(uow, survey, customer)
    check_rating(item, level)
    saved = await uow.surveys.save(found.with_ratings({item: level}), now)
    await _edit_card(uow, saved, row, await _number(uow, saved), now)
    return saved


async def submit(
    uow: UnitOfWork, settings: Settings, clock: Clock, *, survey: int, customer: str
) -> SurveyRow:
    """Submit: the four items are final (all must be rated), the survey is answered in the
    chat, its clock stops; an item rated 1 opens a complaint candidate."""
    now = clock.now()
    found, row = await _own_open(uow, survey, customer)
    ratings = complete(found.ratings())
    saved = await uow.surveys.save(
        replace(found, state="answered", channel="chat", answered_at=now), now
    )
    number = await _number(uow, saved)
    await _edit_card(uow, saved, row, number, now)
    await stop_survey_clock(uow, settings, saved.id, now, customer_tag(row))
    await _event(
        uow, saved, SURVEY_ANSWERED, customer_tag(row), now, {"channel": "chat", **ratings}
    )
    return await _candidate(uow, saved, number, now)


async def add_comment(
    uow: UnitOfWork, settings: Settings, clock: Clock, *, survey: int, customer: str, text: str
) -> SurveyRow:
    """The optional comment after Submit (free text, :mod:`fieldbot.domain.text`)."""
    now = clock.now()
    comment = clean_text(text, settings.text_max_chars)
    found = await uow.surveys.get(survey)
    row = await load_customer(uow, customer)
    if found is None or found.customer_id != row.id:
        raise NotAllowed(f"survey {survey} is not {row.customer.code}'s", survey=survey)
    saved = await uow.surveys.save(replace(found, comment=comment), now)
    await _event(uow, saved, SURVEY_COMMENTED, customer_tag(row), now, {"comment": comment})
    return saved


# --- the follow-up clerk ------------------------------------------------------------------------


async def calls_due(uow: UnitOfWork, branch_id: int | None) -> list[DueCall]:
    """The follow-up clerk's list: surveys not answered in the chat in time, or of customers
    without Telegram, oldest first (of one branch, or every branch for staff without one)."""
    found = []
    for survey in await uow.surveys.with_clerk(branch_id):
        job = await uow.jobs.get(survey.job_id)
        if job is not None:
            found.append(DueCall(survey, job))
    return found


async def phone_survey(uow: UnitOfWork, *, survey: int, clerk: str) -> DueCall:
    """The survey the clerk is about to take by phone: open, and the clerk may record it."""
    row = await load_staff(uow, clerk)
    require_permission(row, Permission.RECORD_SURVEY, "record a survey")
    found = await uow.surveys.get(survey)
    if found is None:
        raise UnknownSurvey(f"no survey {survey}", survey=survey)
    if found.state != "open":
        raise SurveyAnswered(f"survey {survey} is answered", survey=survey)
    job = await uow.jobs.get(found.job_id)
    assert job is not None
    return DueCall(found, job)


async def record_by_phone(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    survey: int,
    clerk: str,
    ratings: Mapping[str, int | None],
    comment: str | None = None,
) -> SurveyRow:
    """The clerk records the answers the customer gave on the phone: marked as taken by phone;
    the clock stops, the chat message (if any) says so; an item rated 1 opens a candidate."""
    now = clock.now()
    due = await phone_survey(uow, survey=survey, clerk=clerk)
    staff = await load_staff(uow, clerk)
    answers = complete(ratings)
    text = None if comment is None else clean_text(comment, settings.text_max_chars)
    saved = await uow.surveys.save(
        replace(
            due.survey.with_ratings(answers),
            comment=text,
            state="answered",
            channel="phone",
            answered_at=now,
            recorded_by=staff.id,
        ),
        now,
    )
    customer = await uow.customers.row_by_id(saved.customer_id)
    if customer is not None:
        await _edit_card(
            uow, saved, customer, due.job.number, now, OutboxRepository.PRIORITY_NORMAL
        )
    await stop_survey_clock(uow, settings, saved.id, now, staff_tag(staff))
    await _event(
        uow, saved, SURVEY_ANSWERED, staff_tag(staff), now, {"channel": "phone", **answers}
    )
    return await _candidate(uow, saved, due.job.number, now)


# --- coverage -------------------------------------------------------------------------------------


async def coverage(
    uow: UnitOfWork,
    branch_id: int | None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Coverage:
    """Survey coverage (DESIGN.md §5 "How the numbers are defined"): of the jobs closed in the
    period, the surveys sent, answered in the chat, by phone, and outstanding."""
    return await uow.surveys.coverage(branch_id, since, until)


def coverage_percent(found: Coverage) -> float | None:
    return None if not found.sent else 100.0 * found.answered / found.sent


# --- the complaint candidate ----------------------------------------------------------------------


async def _candidate(uow: UnitOfWork, survey: SurveyRow, number: str, now: datetime) -> SurveyRow:
    """An item rated 1 opens a complaint candidate: the branch's supervisors file it or
    dismiss it with a reason."""
    low = unsatisfied(survey.ratings())
    if not low or survey.candidate_state is not None:
        return survey
    saved = await uow.surveys.save(replace(survey, candidate_state="open", candidate_at=now), now)
    await _event(uow, saved, CANDIDATE_OPENED, "system", now, {"items": low})
    lines = [
        {
            "t": CANDIDATE_TEXT,
            "args": {
                "number": number,
                "customer": {"customer": saved.customer_id, "field": "name"},
            },
        },
        *item_lines(saved.ratings()),
    ]
    for row in await supervisors_of(uow, saved.branch_id):
        if row.chat_id is None:
            continue
        params: dict[str, Any] = {"lines": lines}
        if row.telegram_user_id is not None:
            payload = {"survey_id": saved.id}
            params["buttons"] = [
                [
                    {
                        "label": FILE_COMPLAINT,
                        "token": await uow.buttons.create(
                            row.telegram_user_id, CANDIDATE_FILE_ACTION, payload, now
                        ),
                    },
                    {
                        "label": DISMISS,
                        "token": await uow.buttons.create(
                            row.telegram_user_id, CANDIDATE_DISMISS_ACTION, payload, now
                        ),
                    },
                ]
            ]
        await uow.outbox.enqueue(
            chat_id=row.chat_id,
            recipient_kind="staff",
            recipient_id=row.id,
            template=LINES,
            params=params,
            now=now,
        )
    return saved


async def open_candidate(uow: UnitOfWork, *, survey: int, actor: str) -> tuple[SurveyRow, StaffRow]:
    """The survey whose open candidate ``actor`` (who handles the branch's complaints) decides."""
    staff = await load_staff(uow, actor)
    found = await uow.surveys.get(survey)
    if found is None:
        raise UnknownSurvey(f"no survey {survey}", survey=survey)
    if not await may_act_for_branch(uow, staff, found.branch_id, Permission.HANDLE_COMPLAINT):
        raise NotAllowed(f"{actor} may not handle complaints of branch {found.branch_id}")
    if found.candidate_state != "open":
        raise NoCandidate(f"survey {survey} has no open candidate", survey=survey)
    return found, staff


async def dismiss_candidate(
    uow: UnitOfWork, settings: Settings, clock: Clock, *, survey: int, actor: str, reason: str
) -> SurveyRow:
    now = clock.now()
    found, staff = await open_candidate(uow, survey=survey, actor=actor)
    text = clean_text(reason, settings.text_max_chars)
    saved = await uow.surveys.save(
        replace(
            found,
            candidate_state="dismissed",
            candidate_reason=text,
            candidate_by=staff.id,
            candidate_at=now,
        ),
        now,
    )
    await _event(uow, saved, CANDIDATE_DISMISSED, staff_tag(staff), now, {"reason": text})
    return saved
