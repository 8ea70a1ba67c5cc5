"""Sign-off and disputes (DESIGN.md §3, §6); settlement and closing live in
:mod:`fieldbot.services.settlement`.

The customer confirms the summary in their own chat (Confirm / Dispute), or opens the job's
single-use sign-off link, which binds them and opens that sign-off and nothing else; a
customer without Telegram signs the paper voucher and the technician sends its photo, kept as
weaker evidence. A signed-off job closes by itself once its fees are settled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from fieldbot.clock import Clock
from fieldbot.domain.errors import DomainError
from fieldbot.domain.model import JobState
from fieldbot.domain.permissions import Permission
from fieldbot.domain.states import Action, transition
from fieldbot.i18n import N_
from fieldbot.repositories.invites import Invite
from fieldbot.repositories.jobs import JobRecord
from fieldbot.repositories.people import CustomerRow, StaffRow
from fieldbot.repositories.signoffs import SignoffOutcome
from fieldbot.repositories.work_records import WorkRecordRow
from fieldbot.services.registration import (
    Refusal,
    RegistrationRefused,
    bind_customer_account,
    require_account_free_for_customer,
)
from fieldbot.services.settlement import amount_due, close_if_settled, payment_buttons
from fieldbot.services.signoff_summary import (
    summary_args,
)
from fieldbot.services.workflow import (
    CONFIRM,
    DISPUTE,
    InvalidInput,
    JobChange,
    JobRef,
    Notices,
    apply,
    card_key,
    customer_of,
    customer_tag,
    job_button,
    job_id,
    load_job,
    money_arg,
    notify_customer,
    notify_staff,
    notify_supervisors,
    offer_next_step,
    record,
    remember_card,
    require_assigned,
    require_customer_of,
    require_reason,
    require_state,
    require_supervisor,
    staff_tag,
    technician_of,
)
from fieldbot.settings import Settings
from fieldbot.store import UnitOfWork

REWORK = N_("Rework")
ACCEPT_AS_IS = N_("Accept as is")
SHOW_QR = N_("Sign-off QR code")
VOUCHER_PHOTO = N_("Photo of signed voucher")

SIGNOFF_TEMPLATE = N_(
    "Please confirm job {number}.\nWork: {work}\n{items}\nTotal: {total}. Amount due: {due}."
)


class SignoffLinkInvalid(DomainError):
    """The link is unknown, used, expired, or its job no longer awaits sign-off."""

    code = "signoff_link_invalid"


# --- asking for the sign-off -------------------------------------------------------------------


async def signoff_buttons(
    uow: UnitOfWork, job: JobRecord, user_id: int, now: datetime
) -> list[list[dict[str, str]]]:
    """Confirm / Dispute for the customer with this Telegram user id."""
    payload = job_button(job)
    confirm = await uow.buttons.create(user_id, "signoff.confirm", payload, now)
    dispute = await uow.buttons.create(user_id, "signoff.dispute", payload, now)
    return [[{"label": CONFIRM, "token": confirm}, {"label": DISPUTE, "token": dispute}]]


async def request_signoff(
    uow: UnitOfWork, settings: Settings, job: JobRecord, work: WorkRecordRow, now: datetime
) -> tuple[str, list[int]]:
    """Create the job's sign-off link (it expires when the job leaves awaiting_signoff) and,
    when the customer is bound, send them the summary with Confirm / Dispute. Returns the
    link's payload and the outbox ids."""
    customer = await customer_of(uow, job)
    invite = await uow.invites.create(
        kind="signoff",
        now=now,
        expires_at=now + timedelta(hours=settings.invite_hours),
        customer_id=customer.id,
        job_id=job_id(job),
    )
    found = await ask_customer(uow, customer, job, work, now)
    return invite.payload, [] if found is None else [found]


async def ask_customer(
    uow: UnitOfWork, customer: CustomerRow, job: JobRecord, work: WorkRecordRow, now: datetime
) -> int | None:
    """The summary with Confirm / Dispute in the customer's own chat (None: not bound)."""
    if customer.chat_id is None or customer.telegram_user_id is None:
        return None
    sent = await notify_customer(
        uow,
        customer,
        SIGNOFF_TEMPLATE,
        await summary_args(uow, job, work),
        now,
        buttons=[
            (CONFIRM, "signoff.confirm", job_button(job)),
            (DISPUTE, "signoff.dispute", job_button(job)),
        ],
    )
    await remember_card(uow, card_key(job), [sent], now)
    return sent


async def new_signoff_link(
    uow: UnitOfWork, settings: Settings, clock: Clock, *, job: JobRef, actor: str
) -> str:
    """A fresh sign-off link for the technician to show (QR code) while the job awaits
    sign-off; earlier unused links stay valid until the job leaves that state."""
    now = clock.now()
    found = await load_job(uow, job)
    tech = await require_assigned(uow, actor, found, "show the sign-off link of")
    require_state(found, {JobState.AWAITING_SIGNOFF}, "show the sign-off link of")
    invite = await uow.invites.create(
        kind="signoff",
        now=now,
        expires_at=now + timedelta(hours=settings.invite_hours),
        customer_id=found.customer_id,
        job_id=job_id(found),
    )
    await record(uow, found, "job.signoff_link", staff_tag(tech), now, {"invite_id": invite.id})
    return invite.payload


@dataclass(frozen=True, slots=True)
class OpenedSignoff:
    """The link opened the sign-off for its customer (binding them if they were not); the
    handler replies with ``template`` and ``params`` (the summary with Confirm / Dispute)."""

    job: JobRecord
    customer_id: int
    template: str
    params: dict[str, Any]


class LinkRefusal(StrEnum):
    STAFF = "staff"  # a staff account: the link is for the customer
    NOT_THE_CUSTOMER = "not_the_customer"  # any other account than the job's customer's


@dataclass(frozen=True, slots=True)
class SignoffLinkRefused:
    """The link was opened by someone other than the job's customer: nobody was bound, the
    link stays valid, and nothing of the job may be shown to the opener. ``asked_customer``:
    the bound customer was sent the sign-off request in their own chat instead."""

    reason: LinkRefusal
    asked_customer: bool


async def open_signoff_link(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    payload: str,
    user_id: int,
    chat_id: int,
) -> OpenedSignoff | SignoffLinkRefused:
    """``/start <payload>`` of a sign-off link: single use; binds that customer and opens that
    job's sign-off, nothing else (DESIGN.md §6). Opened by anyone but the job's customer, when
    that customer is bound to another account, it binds nobody, shows nothing and asks the
    bound customer in their own chat; a refused attempt does not use the link up."""
    now = clock.now()
    invite = await uow.invites.get(payload)
    if invite is None or invite.kind != "signoff" or invite.job_id is None:
        raise SignoffLinkInvalid("not a sign-off link")
    if invite.used_at is not None or invite.expires_at <= now or invite.customer_id is None:
        raise SignoffLinkInvalid("the sign-off link was used or has expired")
    found = await load_job(uow, invite.job_id)
    if found.state is not JobState.AWAITING_SIGNOFF or found.customer_id != invite.customer_id:
        raise SignoffLinkInvalid(f"job {found.number} does not await sign-off")
    customer = await uow.customers.row_by_id(invite.customer_id)
    assert customer is not None
    work = await uow.fieldwork.latest_work_record(job_id(found))
    assert work is not None
    if customer.telegram_user_id is not None and customer.telegram_user_id != user_id:
        return await _refuse_link(uow, found, customer, work, invite, user_id=user_id, now=now)
    try:
        await require_account_free_for_customer(uow, user_id, customer.id)
    except RegistrationRefused as exc:
        staff = exc.reason is Refusal.STAFF_ACCOUNT
        reason = LinkRefusal.STAFF if staff else LinkRefusal.NOT_THE_CUSTOMER
        return SignoffLinkRefused(reason, asked_customer=False)
    # Every check above only read: from here on the link is used and the customer bound.
    redeemed = await uow.invites.redeem(payload, user_id, now)
    if redeemed is None:
        raise SignoffLinkInvalid("the sign-off link was used or has expired")
    bound = await bind_customer_account(uow, customer, user_id=user_id, chat_id=chat_id)
    await record(
        uow, found, "job.signoff_link_opened", customer_tag(bound), now, {"invite_id": invite.id}
    )
    return OpenedSignoff(
        job=found,
        customer_id=bound.id,
        template=SIGNOFF_TEMPLATE,
        params={
            "args": await summary_args(uow, found, work),
            "buttons": await signoff_buttons(uow, found, user_id, now),
        },
    )


async def _refuse_link(
    uow: UnitOfWork,
    job: JobRecord,
    customer: CustomerRow,
    work: WorkRecordRow,
    invite: Invite,
    *,
    user_id: int,
    now: datetime,
) -> SignoffLinkRefused:
    """The job's customer is bound to another account: ask them there, bind nobody."""
    staff = await uow.staff.by_telegram_user(user_id) is not None
    asked = await ask_customer(uow, customer, job, work, now)
    await record(
        uow,
        job,
        "job.signoff_link_refused",
        f"telegram:{user_id}",
        now,
        {"invite_id": invite.id, "asked_customer": asked is not None},
    )
    reason = LinkRefusal.STAFF if staff else LinkRefusal.NOT_THE_CUSTOMER
    return SignoffLinkRefused(reason, asked_customer=asked is not None)


# --- confirm, dispute, resolve -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SignedOff:
    change: JobChange
    closed: JobChange | None  # closed at once when nothing is due or it was settled


async def _end_custody(uow: UnitOfWork, job: JobRecord, now: datetime) -> None:
    """A unit in our custody (taken back or carried in) is the customer's again once the job
    is signed off: its receipt is voided (DESIGN.md §3 Custody)."""
    receipt = await uow.fieldwork.active_receipt(job_id(job))
    if receipt is not None:
        await uow.fieldwork.void_receipt(receipt.id, now)


async def confirm(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    job: JobRef,
    customer: str,
    expected_version: int | None = None,
) -> SignedOff:
    """The customer confirms the work in their own chat."""
    now = clock.now()
    found = await load_job(uow, job, expected_version)
    row = await require_customer_of(uow, customer, found, Action.CONFIRM)
    saved = await apply(
        uow,
        found,
        Action.CONFIRM,
        customer_tag(row),
        now,
        settings=settings,
        payload={"method": "customer_chat"},
    )
    await uow.fieldwork.add_signoff(
        job_id=job_id(saved),
        outcome="confirmed",
        method="customer_chat",
        customer_id=row.id,
        now=now,
    )
    await _end_custody(uow, saved, now)
    notices = Notices()
    tech = await technician_of(uow, saved)
    if tech is not None:
        notices.add(await _tell_confirmed(uow, settings, tech, saved, now))
    change = JobChange(saved, Action.CONFIRM, found.state, notices.tuple())
    return SignedOff(change, await close_if_settled(uow, settings, saved, now))


async def _tell_confirmed(
    uow: UnitOfWork, settings: Settings, tech: StaffRow, job: JobRecord, now: datetime
) -> int | None:
    """The technician hears the customer confirmed; money still due: how to settle it."""
    buttons = await payment_buttons(uow, settings, job)
    if not buttons:
        return await notify_staff(
            uow,
            tech,
            N_("Job {number} was confirmed by the customer."),
            {"number": job.number},
            now,
        )
    return await offer_next_step(
        uow,
        tech,
        job,
        N_("Job {number} was confirmed by the customer. {due} is due: how is it settled?"),
        {"number": job.number, "due": money_arg(await amount_due(uow, job))},
        now,
        buttons,
    )


async def confirm_with_photo(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    job: JobRef,
    actor: str,
    photo: str,
    expected_version: int | None = None,
) -> SignedOff:
    """A customer without Telegram signed the paper voucher; the technician sends its photo
    (``photo``: the Telegram file id). Recorded as weaker evidence."""
    now = clock.now()
    evidence = photo.strip()
    if not evidence:
        raise InvalidInput("send the photo of the signed voucher", field="photo")
    found = await load_job(uow, job, expected_version)
    tech = await require_assigned(uow, actor, found, Action.CONFIRM)
    saved = await apply(
        uow,
        found,
        Action.CONFIRM,
        staff_tag(tech),
        now,
        settings=settings,
        payload={"method": "paper_photo"},
    )
    await uow.fieldwork.add_signoff(
        job_id=job_id(saved),
        outcome="confirmed",
        method="paper_photo",
        staff_id=tech.id,
        customer_id=saved.customer_id,
        evidence=evidence,
        now=now,
    )
    await _end_custody(uow, saved, now)
    change = JobChange(saved, Action.CONFIRM, found.state)
    return SignedOff(change, await close_if_settled(uow, settings, saved, now))


async def disputable(uow: UnitOfWork, *, job: JobRef, customer: str) -> JobRecord:
    """The job when ``customer`` may still dispute its sign-off (theirs, and the transition
    table allows it in its state): checked before the reason is asked."""
    found = await load_job(uow, job)
    await require_customer_of(uow, customer, found, Action.DISPUTE)
    transition(found.state, Action.DISPUTE)
    return found


async def dispute(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    job: JobRef,
    customer: str,
    reason: str,
    expected_version: int | None = None,
) -> JobChange:
    """The customer disputes the work with a reason; the supervisors decide."""
    now = clock.now()
    found = await load_job(uow, job, expected_version)
    row = await require_customer_of(uow, customer, found, Action.DISPUTE)
    text = require_reason(reason, Action.DISPUTE)
    saved = await apply(
        uow,
        found,
        Action.DISPUTE,
        customer_tag(row),
        now,
        settings=settings,
        payload={"reason": text},
    )
    await uow.fieldwork.add_signoff(
        job_id=job_id(saved),
        outcome="disputed",
        method="customer_chat",
        customer_id=row.id,
        reason=text,
        now=now,
    )
    payload = job_button(saved)
    ids = await notify_supervisors(
        uow,
        saved,
        N_("Job {number} is disputed by the customer: {reason}"),
        {"number": saved.number, "reason": text},
        now,
        buttons=[(REWORK, "dispute.rework", payload), (ACCEPT_AS_IS, "dispute.accept", payload)],
    )
    await remember_card(uow, card_key(saved), ids, now)
    tech = await technician_of(uow, saved)
    if tech is not None:
        found_id = await notify_staff(
            uow,
            tech,
            N_("Job {number} is disputed by the customer: {reason}"),
            {"number": saved.number, "reason": text},
            now,
        )
        if found_id is not None:
            ids.append(found_id)
    return JobChange(saved, Action.DISPUTE, found.state, tuple(ids))


async def _resolve_dispute(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    job: JobRef,
    actor: str,
    reason: str | None,
    expected_version: int | None,
    action: Action,
    outcome: SignoffOutcome,
) -> tuple[JobRecord, JobRecord]:
    """A supervisor's decision on a disputed job, recorded as a sign-off line: (before, after)."""
    now = clock.now()
    found = await load_job(uow, job, expected_version)
    supervisor = await require_supervisor(uow, actor, found, Permission.RESOLVE_DISPUTE, action)
    text = (reason or "").strip() or None
    saved = await apply(
        uow, found, action, staff_tag(supervisor), now, settings=settings, payload={"reason": text}
    )
    await uow.fieldwork.add_signoff(
        job_id=job_id(saved),
        outcome=outcome,
        method="supervisor",
        staff_id=supervisor.id,
        reason=text,
        now=now,
    )
    return found, saved


async def rework(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    job: JobRef,
    actor: str,
    reason: str | None = None,
    expected_version: int | None = None,
) -> JobChange:
    """The supervisor sends the disputed job back on site; the technician is told."""
    found, saved = await _resolve_dispute(
        uow,
        settings,
        clock,
        job=job,
        actor=actor,
        reason=reason,
        expected_version=expected_version,
        action=Action.REWORK,
        outcome="rework",
    )
    notices = Notices()
    tech = await technician_of(uow, saved)
    if tech is not None:
        notices.add(
            await notify_staff(
                uow,
                tech,
                N_("Job {number} needs rework: {reason}"),
                {"number": saved.number, "reason": await _rework_reason(uow, saved, reason)},
                clock.now(),
            )
        )
    return JobChange(saved, Action.REWORK, found.state, notices.tuple())


async def _rework_reason(uow: UnitOfWork, job: JobRecord, given: str | None) -> str:
    """The supervisor's reason, else what the customer disputed (the Rework button asks none)."""
    text = (given or "").strip()
    if text:
        return text
    disputed = [s for s in await uow.fieldwork.signoffs(job_id(job)) if s.outcome == "disputed"]
    return (disputed[-1].reason or "") if disputed else ""


async def accept_as_is(
    uow: UnitOfWork,
    settings: Settings,
    clock: Clock,
    *,
    job: JobRef,
    actor: str,
    reason: str | None = None,
    expected_version: int | None = None,
) -> SignedOff:
    """The supervisor accepts the disputed work as it is: signed off (by the supervisor)."""
    now = clock.now()
    found, saved = await _resolve_dispute(
        uow,
        settings,
        clock,
        job=job,
        actor=actor,
        reason=reason,
        expected_version=expected_version,
        action=Action.ACCEPT_AS_IS,
        outcome="accepted_as_is",
    )
    await _end_custody(uow, saved, now)
    notices = Notices()
    tech = await technician_of(uow, saved)
    if tech is not None:
        notices.add(
            await notify_staff(
                uow,
                tech,
                N_("Job {number}: the supervisor accepted the disputed work as it is."),
                {"number": saved.number},
                now,
            )
        )
    notices.add(
        await notify_customer(
            uow,
            await customer_of(uow, saved),
            N_(
                "Job {number}: we reviewed your objection; the work is accepted as it was "
                "done and the job is signed off."
            ),
            {"number": saved.number},
            now,
        )
    )
    change = JobChange(saved, Action.ACCEPT_AS_IS, found.state, notices.tuple())
    return SignedOff(change, await close_if_settled(uow, settings, saved, now))
