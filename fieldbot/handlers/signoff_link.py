"""A job's sign-off link (``/start <payload>`` from the technician's QR code): binds an unbound
customer and shows the job's summary with Confirm / Dispute. Anyone but the job's customer is
told nothing of the job; the service asks the bound customer in their own chat instead.

Lives apart from the customer's chat because a stranger opens it too (registration).
"""

from __future__ import annotations

from fieldbot.handlers.turn import Turn
from fieldbot.i18n import N_
from fieldbot.repositories.outbox import OutboxRepository
from fieldbot.services import signoff
from fieldbot.services.registration import RegistrationRefused, identify
from fieldbot.services.signoff import LinkRefusal, SignoffLinkInvalid, SignoffLinkRefused
from fieldbot.services.workflow import card_key, remember_card

LINK_FOR_THE_CUSTOMER = N_("This link is for the customer to confirm the work.")
# Says nothing of the job or its customer: the opener may be anyone who saw the QR code.
LINK_NOT_FOR_THIS_ACCOUNT = N_(
    "This link cannot be used from this Telegram account. If you are the customer it was made "
    "for, please open it from the Telegram account you registered with us."
)
LINK_INVALID = N_("This sign-off link is no longer valid. Please ask the technician for a new one.")


async def open_signoff(turn: Turn, payload: str) -> bool:
    """``/start <payload>`` when the payload is a job's sign-off link: binds this customer and
    shows the summary with Confirm / Dispute. Anyone but the job's customer is told nothing of
    the job (the service asks the bound customer in their own chat). False when the payload is
    not a sign-off link."""
    invite = await turn.uow.invites.get(payload)
    if invite is None or invite.kind != "signoff":
        return False
    s, clock = turn.deps.settings, turn.deps.clock
    try:
        opened = await signoff.open_signoff_link(
            turn.uow, s, clock, payload=payload, user_id=turn.user_id, chat_id=turn.chat_id
        )
    except (SignoffLinkInvalid, RegistrationRefused) as exc:
        turn.refused("sign-off link refused", detail=str(exc))
        await turn.restart()
        refused = isinstance(exc, RegistrationRefused)
        await turn.reply(LINK_NOT_FOR_THIS_ACCOUNT if refused else LINK_INVALID)
        return True
    if isinstance(opened, SignoffLinkRefused):
        turn.refused(f"sign-off link {opened.reason.value}", asked=opened.asked_customer)
        staff = opened.reason is LinkRefusal.STAFF
        await turn.reply(LINK_FOR_THE_CUSTOMER if staff else LINK_NOT_FOR_THIS_ACCOUNT)
        return True
    turn.person = await identify(
        turn.uow, turn.user_id, turn.chat_id, turn.telegram_language, turn.person.language
    )
    await turn.reply(
        N_("Welcome! You are now connected to our service bot."),
        extra={"reply": {"remove": True}},
    )
    kind, recipient_id = turn.person.recipient
    summary = await turn.uow.outbox.enqueue(
        chat_id=turn.chat_id,
        recipient_kind=kind,
        recipient_id=recipient_id,
        template=opened.template,
        params=opened.params,
        now=turn.now,
        priority=OutboxRepository.PRIORITY_REPLY,
    )
    # Confirm / Dispute go once the job leaves awaiting_signoff, like the pushed summary's.
    await remember_card(turn.uow, card_key(opened.job), [summary], turn.now)
    return True
