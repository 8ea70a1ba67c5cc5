"""What the technician's modules share: the names of their forms, the job a button is for, the
branch's local time and the technician's van.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fieldbot.domain.model import JobState
from fieldbot.handlers.turn import Turn
from fieldbot.repositories.jobs import JobRecord
from fieldbot.services.workflow import branch_timezone

FORM_APPOINTMENT = "appointment"
FORM_DECLINE = "decline"
FORM_ARRIVAL = "arrival"
FORM_FINISH = "finish"
FORM_REPAIR = "repair"
FORM_NEED_PART = "need_part"
FORM_DEFECTIVE = "defective"
FORM_VOUCHER = "voucher"
FORM_TAKE_BACK = "take_back"
FORM_INVOICE = "invoice"
FORM_QUOTE = "quote"
FORM_QUOTE_PHOTO = "quote_photo"
FORM_ADVICE = "advice"
FORM_CARRY_IN = "carry_in"
FORM_RECEIPT_PHOTO = "receipt_photo"
FORM_PROMISE = "promise"
OPEN_FOR_TECHNICIAN = frozenset(
    {
        JobState.DISPATCHED,
        JobState.ACCEPTED,
        JobState.SCHEDULED,
        JobState.EN_ROUTE,
        JobState.ON_SITE,
        JobState.WAITING_PART,
        JobState.AWAITING_QUOTE,
        JobState.AWAITING_APPROVAL,
        JobState.AWAITING_SIGNOFF,
        JobState.DISPUTED,
        JobState.SIGNED_OFF,
        JobState.IN_WORKSHOP,
        JobState.AWAITING_INSPECTION,
        JobState.READY_FOR_RETURN,
    }
)


def button_job(payload: Mapping[str, object]) -> int:
    return int(str(payload["job_id"]))


def job_ref(job: JobRecord) -> dict[str, Any]:
    assert job.id is not None
    return {"job_id": job.id}


async def local_now(turn: Turn, job: JobRecord) -> tuple[datetime, str]:
    tz = await branch_timezone(turn.uow, turn.deps.settings, job)
    return turn.now.astimezone(ZoneInfo(tz)), tz


def van_of(turn: Turn) -> str:
    return f"van:{turn.person.code}"
