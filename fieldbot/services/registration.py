"""Who is who: staff bind by a single-use invite, customers by sharing their own contact."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal

from fieldbot.domain.errors import DomainError, InvalidPhone
from fieldbot.domain.model import Language, Role
from fieldbot.domain.phones import normalise_phone
from fieldbot.repositories.invites import Invite
from fieldbot.repositories.people import CustomerRow, StaffRow
from fieldbot.store import AlreadyBound, UnitOfWork

PAYLOAD_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


class Refusal(StrEnum):
    UNKNOWN_CODE = "unknown_code"
    USED = "used"
    EXPIRED = "expired"
    ALREADY_BOUND = "already_bound"
    NOT_OWN_CONTACT = "not_own_contact"
    PHONE_UNKNOWN = "phone_unknown"
    STAFF_INACTIVE = "staff_inactive"
    # One Telegram account is one person (DESIGN.md §6).
    CUSTOMER_ACCOUNT = "customer_account"  # a customer's account opened a staff invite
    STAFF_ACCOUNT = "staff_account"  # a staff account tried to bind to a customer


class RegistrationRefused(DomainError):
    code = "registration_refused"

    def __init__(self, reason: Refusal, message: str = "") -> None:
        super().__init__(message or reason.value, reason=reason.value)
        self.reason = reason


@dataclass(frozen=True)
class Person:
    """The sender of an update as fieldbot knows them."""

    kind: Literal["staff", "customer", "unknown"]
    user_id: int
    chat_id: int
    language: Language
    id: int | None = None
    code: str | None = None
    name: str = ""
    roles: frozenset[Role] = frozenset()
    branch_id: int | None = None

    @property
    def recipient(self) -> tuple[Literal["staff", "customer", "chat"], int | None]:
        """How the outbox addresses this person (``chat``: not bound to a record)."""
        if self.kind == "unknown":
            return ("chat", None)
        return (self.kind, self.id)


def valid_payload(payload: str) -> bool:
    return 0 < len(payload) <= 64 and set(payload) <= PAYLOAD_ALPHABET


async def identify(
    uow: UnitOfWork,
    user_id: int,
    chat_id: int,
    telegram_language: Language | None,
    default: Language,
) -> Person:
    staff = await uow.staff.by_telegram_user(user_id)
    if staff is not None and staff.staff.active:
        return _staff_person(staff, chat_id)
    customer = await uow.customers.by_telegram_user(user_id)
    if customer is not None:
        return _customer_person(customer, chat_id, telegram_language or default)
    return Person("unknown", user_id, chat_id, telegram_language or default)


def _staff_person(row: StaffRow, chat_id: int) -> Person:
    return Person(
        "staff",
        row.telegram_user_id or 0,
        row.chat_id or chat_id,
        row.staff.language,
        id=row.id,
        code=row.staff.code,
        name=row.staff.name,
        roles=row.staff.roles,
        branch_id=row.branch_id,
    )


def _customer_person(row: CustomerRow, chat_id: int, fallback: Language) -> Person:
    return Person(
        "customer",
        row.telegram_user_id or 0,
        row.chat_id or chat_id,
        row.customer.language or fallback,
        id=row.id,
        code=row.customer.code,
        name=row.customer.name,
        branch_id=row.branch_id,
    )


async def require_account_free_for_staff(uow: UnitOfWork, user_id: int, staff_id: int) -> None:
    """One account is one person: an account bound to a customer, or to another staff record,
    cannot take this staff record. Reads only, so a refusal uses nothing up."""
    if await uow.customers.by_telegram_user(user_id) is not None:
        raise RegistrationRefused(Refusal.CUSTOMER_ACCOUNT)
    other = await uow.staff.by_telegram_user(user_id)
    if other is not None and other.id != staff_id:
        raise RegistrationRefused(Refusal.ALREADY_BOUND)


async def require_account_free_for_customer(
    uow: UnitOfWork, user_id: int, customer_id: int
) -> None:
    """One account is one person: an account bound to staff (active or not), or to another
    customer, cannot be bound to this customer. Reads only."""
    if await uow.staff.by_telegram_user(user_id) is not None:
        raise RegistrationRefused(Refusal.STAFF_ACCOUNT)
    other = await uow.customers.by_telegram_user(user_id)
    if other is not None and other.id != customer_id:
        raise RegistrationRefused(Refusal.ALREADY_BOUND)


async def bind_customer_account(
    uow: UnitOfWork, customer: CustomerRow, *, user_id: int, chat_id: int
) -> CustomerRow:
    """Bind the Telegram account to the customer once :func:`require_account_free_for_customer`
    allows it; the one way a customer gets bound (contact or sign-off link)."""
    await require_account_free_for_customer(uow, user_id, customer.id)
    try:
        return await uow.customers.bind_telegram(customer.customer.code, user_id, chat_id)
    except AlreadyBound as exc:  # a race with another binding of this account
        raise RegistrationRefused(Refusal.ALREADY_BOUND, str(exc)) from exc


async def create_staff_invite(
    uow: UnitOfWork, staff_code: str, *, now: datetime, hours: float, actor: str
) -> Invite:
    row = await uow.staff.row(staff_code)
    if row is None:
        raise RegistrationRefused(Refusal.UNKNOWN_CODE, f"unknown staff {staff_code!r}")
    if not row.staff.active:
        raise RegistrationRefused(Refusal.STAFF_INACTIVE, f"staff {staff_code} is inactive")
    invite = await uow.invites.create(
        kind="staff", now=now, expires_at=now + timedelta(hours=hours), staff_id=row.id
    )
    await uow.events.append(
        actor=actor,
        kind="invite.created",
        subject_type="staff",
        subject_id=row.id,
        payload={"expires_at": invite.expires_at.isoformat()},
        at=now,
    )
    return invite


async def redeem_staff_invite(
    uow: UnitOfWork, payload: str, *, user_id: int, chat_id: int, now: datetime
) -> Person:
    """Bind the Telegram account to the invited staff record, once."""
    invite = await uow.invites.get(payload) if valid_payload(payload) else None
    if invite is None or invite.kind != "staff" or invite.staff_id is None:
        raise RegistrationRefused(Refusal.UNKNOWN_CODE)
    if invite.used_at is not None:
        raise RegistrationRefused(Refusal.USED)
    if invite.expires_at <= now:
        raise RegistrationRefused(Refusal.EXPIRED)
    staff = await uow.staff.row_by_id(invite.staff_id)
    if staff is None or not staff.staff.active:
        raise RegistrationRefused(Refusal.STAFF_INACTIVE)
    # Every refusal above and here only reads: a refused attempt leaves the invite valid.
    await require_account_free_for_staff(uow, user_id, staff.id)
    if await uow.invites.redeem(payload, user_id, now) is None:
        raise RegistrationRefused(Refusal.USED)
    try:
        bound = await uow.staff.bind_telegram(staff.staff.code, user_id, chat_id)
    except AlreadyBound as exc:
        raise RegistrationRefused(Refusal.ALREADY_BOUND, str(exc)) from exc
    await uow.events.append(
        actor=f"telegram:{user_id}",
        kind="staff.bound",
        subject_type="staff",
        subject_id=bound.id,
        payload={"telegram_user_id": user_id},
        at=now,
    )
    return _staff_person(bound, chat_id)


async def bind_customer_by_contact(
    uow: UnitOfWork,
    *,
    sender_id: int,
    chat_id: int,
    contact_user_id: int | None,
    phone: str,
    telegram_language: Language | None,
    default: Language,
    now: datetime,
) -> Person:
    """A shared contact binds only when it is the sender's own and its phone is a customer's."""
    if contact_user_id != sender_id:
        raise RegistrationRefused(Refusal.NOT_OWN_CONTACT)
    try:
        e164 = normalise_phone(phone)
    except InvalidPhone as exc:
        raise RegistrationRefused(Refusal.PHONE_UNKNOWN) from exc
    customer = await uow.customers.find_by_phone(e164)
    row = None if customer is None else await uow.customers.row(customer.code)
    if customer is None or row is None:
        raise RegistrationRefused(Refusal.PHONE_UNKNOWN)
    bound = await bind_customer_account(uow, row, user_id=sender_id, chat_id=chat_id)
    if customer.language is None and telegram_language is not None:
        await uow.customers.upsert(dataclasses.replace(customer, language=telegram_language))
    await uow.events.append(
        actor=f"telegram:{sender_id}",
        kind="customer.bound",
        subject_type="customer",
        subject_id=bound.id,
        payload={"telegram_user_id": sender_id, "method": "contact"},
        at=now,
    )
    found = await uow.customers.row_by_id(bound.id)
    assert found is not None
    return _customer_person(found, chat_id, telegram_language or default)


async def set_language(
    uow: UnitOfWork, person: Person, language: Language, *, now: datetime
) -> Person:
    if person.kind == "staff" and person.code:
        staff = await uow.staff.get(person.code)
        assert staff is not None
        await uow.staff.upsert(dataclasses.replace(staff, language=language))
    elif person.kind == "customer" and person.code:
        customer = await uow.customers.get(person.code)
        assert customer is not None
        await uow.customers.upsert(dataclasses.replace(customer, language=language))
    else:
        return dataclasses.replace(person, language=language)
    await uow.events.append(
        actor=f"telegram:{person.user_id}",
        kind="language.set",
        subject_type=person.kind,
        subject_id=person.id or 0,
        payload={"language": language.value},
        at=now,
    )
    return dataclasses.replace(person, language=language)
