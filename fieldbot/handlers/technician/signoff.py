"""The customer's sign-off as the technician sees it: the customer asked in their own chat, or
the job's QR code (a sign-off link), or the photo of the signed paper voucher.
"""

from __future__ import annotations

from telegram import Message

from fieldbot.domain.permissions import Permission
from fieldbot.handlers.routes import Route, action, form, media
from fieldbot.handlers.technician.cards import job_buttons, send_card
from fieldbot.handlers.technician.common import FORM_VOUCHER, button_job, job_ref
from fieldbot.handlers.turn import Turn
from fieldbot.i18n import N_
from fieldbot.repositories.conversations import Form
from fieldbot.repositories.jobs import JobRecord
from fieldbot.services import signoff
from fieldbot.services.signoff import SignedOff
from fieldbot.services.workflow import load_job


def routes() -> list[Route]:
    return [
        action("job.signoff_qr", signoff_qr_pressed, "staff", Permission.WORK_JOBS),
        action("job.voucher", voucher_pressed, "staff", Permission.WORK_JOBS),
        form(FORM_VOUCHER, voucher_form, "staff", Permission.WORK_JOBS),
        media("photo", photo_sent, "staff"),
    ]


async def after_signoff_requested(turn: Turn, job: JobRecord, link: str | None) -> None:
    customer = await turn.uow.customers.row_by_id(job.customer_id)
    assert customer is not None
    if customer.chat_id is not None and customer.telegram_user_id is not None:
        await turn.reply(
            N_("The customer is asked to confirm job {number} in their Telegram chat."),
            args={"number": job.number},
            buttons=await job_buttons(turn, job),
        )
        return
    if link is not None:
        await show_qr(turn, job, link)


async def show_qr(turn: Turn, job: JobRecord, payload: str) -> None:
    url = f"https://t.me/{turn.deps.bot_username}?start={payload}"
    await turn.reply(
        N_(
            "Job {number}: let the customer scan this code to confirm the work in Telegram: "
            "{link}\nNo Telegram? Have the paper voucher signed and send its photo."
        ),
        args={"number": job.number, "link": url},
        buttons=await job_buttons(turn, job),
        extra={"qr": url},
    )


async def signoff_qr_pressed(turn: Turn, payload: dict[str, object]) -> None:
    code = turn.code
    s, clock = turn.deps.settings, turn.deps.clock
    link = await signoff.new_signoff_link(turn.uow, s, clock, job=button_job(payload), actor=code)
    await show_qr(turn, await load_job(turn.uow, button_job(payload)), link)


async def voucher_pressed(turn: Turn, payload: dict[str, object]) -> None:
    job = await load_job(turn.uow, button_job(payload))
    await turn.uow.forms.start(turn.user_id, FORM_VOUCHER, "photo", job_ref(job), turn.now)
    await turn.reply(
        N_("Job {number}: send the photo of the voucher the customer signed."),
        args={"number": job.number},
    )


async def voucher_form(turn: Turn, form: Form, message: Message) -> None:
    if not message.photo:
        await turn.reply(N_("Please send a photo of the signed voucher, or /cancel."))
        return
    code = turn.code
    s, clock = turn.deps.settings, turn.deps.clock
    done = await signoff.confirm_with_photo(
        turn.uow,
        s,
        clock,
        job=int(form.data["job_id"]),
        actor=code,
        photo=message.photo[-1].file_id,
    )
    await turn.uow.forms.clear(turn.user_id)
    await turn.reply(
        N_("Job {number} is signed off with the photo of the paper voucher."),
        args={"number": done.change.job.number},
    )
    await after_signed_off(turn, done)


async def after_signed_off(turn: Turn, done: SignedOff) -> None:
    if done.closed is not None:
        await turn.reply(N_("Job {number} is closed."), args={"number": done.closed.job.number})
    else:
        await send_card(turn, done.change.job)


async def photo_sent(turn: Turn, _message: Message) -> None:
    await turn.reply(
        N_(
            "To record a signed paper voucher, open the job with /jobs and tap "
            "Photo of signed voucher first."
        )
    )
