"""Anyone not yet known: staff invites (``/start CODE``) and customers sharing their contact."""

from __future__ import annotations

from telegram import Update

from fieldbot.handlers.common import name_arg
from fieldbot.handlers.turn import Turn
from fieldbot.i18n import N_
from fieldbot.services.registration import (
    Refusal,
    RegistrationRefused,
    bind_customer_by_contact,
    redeem_staff_invite,
)

REFUSALS = {
    Refusal.UNKNOWN_CODE: N_("This invite code is not valid. Ask your supervisor for a new one."),
    Refusal.USED: N_("This invite has already been used. Ask your supervisor for a new one."),
    Refusal.EXPIRED: N_("This invite has expired. Ask your supervisor for a new one."),
    Refusal.ALREADY_BOUND: N_("This Telegram account is already registered to someone else."),
    Refusal.NOT_OWN_CONTACT: N_(
        "Please share your own phone number with the button below, not someone else's contact."
    ),
    Refusal.PHONE_UNKNOWN: N_(
        "We could not find a customer with this phone number. Please call our service line."
    ),
    Refusal.STAFF_INACTIVE: N_("This staff record is no longer active."),
    Refusal.CUSTOMER_ACCOUNT: N_(
        "This Telegram account is registered as a customer, so it cannot also take a staff "
        "invite. Open the invite from the Telegram account you use for work, or ask your "
        "supervisor."
    ),
    Refusal.STAFF_ACCOUNT: N_(
        "This Telegram account is registered as staff, so it cannot also be bound to a "
        "customer. Customers register from their own Telegram account."
    ),
}

SHARE_CONTACT = N_("Share my phone number")


async def refuse(turn: Turn, reason: str, exc: RegistrationRefused) -> None:
    """A refused registration: whatever the attempt wrote is rolled back (nothing is used up),
    then the person is told why in a fresh transaction."""
    turn.refused(reason, detail=str(exc))
    await turn.restart()
    await turn.reply(REFUSALS[exc.reason])


async def explain(turn: Turn) -> None:
    """What an unknown person is told: who we are and the one thing they can do."""
    turn.refused("unknown user")
    await turn.reply(
        N_(
            "Hello! This is the service bot of our after-sales department.\n"
            "Staff: open the invite link your supervisor sent you.\n"
            "Customers: tap the button below to share your phone number."
        ),
        extra={"reply": {"contact": SHARE_CONTACT}},
    )


async def start(turn: Turn, payload: str) -> None:
    if not payload:
        if turn.person.kind == "unknown":
            await explain(turn)
        else:
            await turn.reply(
                N_("Welcome back, {name}! Send /help to see what you can do."),
                args={"name": name_arg(turn.person)},
            )
        return
    from fieldbot.handlers.customer import open_signoff

    if await open_signoff(turn, payload):
        return
    if turn.person.kind == "staff" and turn.person.code is not None:
        invite = await turn.uow.invites.get(payload)
        if invite is not None and invite.used_by_user_id == turn.user_id:
            await turn.reply(
                N_("You are already registered as {name}. Send /help to see what you can do."),
                args={"name": name_arg(turn.person)},
            )
            return
    try:
        person = await redeem_staff_invite(
            turn.uow, payload, user_id=turn.user_id, chat_id=turn.chat_id, now=turn.now
        )
    except RegistrationRefused as exc:
        await refuse(turn, f"invite {exc.reason.value}", exc)
        return
    turn.person = person
    await turn.reply(
        N_("Welcome, {name}! You are registered as {roles}. Send /help to see what you can do."),
        args={"name": name_arg(person), "roles": {"roles": sorted(r.value for r in person.roles)}},
        extra={"reply": {"remove": True}},
    )


async def contact(turn: Turn, update: Update) -> None:
    message = update.effective_message
    assert message is not None and message.contact is not None
    if turn.person.kind == "customer":
        await turn.reply(
            N_("You are already registered as {name}."), args={"name": name_arg(turn.person)}
        )
        return
    try:
        person = await bind_customer_by_contact(
            turn.uow,
            sender_id=turn.user_id,
            chat_id=turn.chat_id,
            contact_user_id=message.contact.user_id,
            phone=message.contact.phone_number,
            telegram_language=turn.telegram_language,
            default=turn.person.language,
            now=turn.now,
        )
    except RegistrationRefused as exc:
        await refuse(turn, f"contact {exc.reason.value}", exc)
        return
    turn.person = person
    await turn.reply(
        N_(
            "Thank you, {name}! You are registered as our customer. We will tell you here who "
            "is coming and when. Send /help to see what you can do."
        ),
        args={"name": name_arg(person)},
        extra={"reply": {"remove": True}},
    )
