"""The field workflow (DESIGN.md §3): work records and fee lines, parts used, requested and
returned defective, sign-off evidence, quotes, settlement and cash held, and the take-back
records (receipts, in/out register, repair cards, inspections), on the one metadata of
:mod:`fieldbot.tables`."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    text,
)

from fieldbot.tables import UtcDateTime, _id, metadata


def _job() -> Column[int]:
    return Column("job_id", Integer, ForeignKey("jobs.id"), nullable=False, index=True)


def _part() -> Column[int]:
    return Column("part_id", Integer, ForeignKey("parts.id"), nullable=False)


# What the technician reports at finish; a rejected record is followed by a new one.
work_records = Table(
    "work_records",
    metadata,
    _id(),
    _job(),
    Column("technician_id", Integer, ForeignKey("staff.id"), nullable=False, index=True),
    Column("description", Text, nullable=False),
    Column("minutes", Integer, nullable=False),
    Column("service_type", String(1), nullable=False),
    Column("total_fen", BigInteger, nullable=False),
    Column("amount_due_fen", BigInteger, nullable=False),
    # none (under the limit) | pending | approved | rejected
    Column("approval", String(16), nullable=False),
    Column("decided_by", Integer, ForeignKey("staff.id")),
    Column("decided_at", UtcDateTime),
    Column("decision_reason", Text),
    Column("created_at", UtcDateTime, nullable=False, index=True),  # hours of a month (0005k)
    # site (the finish form) | workshop (a repair card of a taken-back or carried-in unit)
    Column("stage", String(16), nullable=False, server_default="site"),
    CheckConstraint("minutes >= 0", name="minutes_not_negative"),
    CheckConstraint("total_fen >= 0 AND amount_due_fen >= 0", name="amounts_not_negative"),
    CheckConstraint(
        "approval IN ('none', 'pending', 'approved', 'rejected')", name="approval_values"
    ),
)

fee_lines = Table(
    "fee_lines",
    metadata,
    _id(),
    Column("work_record_id", Integer, ForeignKey("work_records.id"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("kind", String(16), nullable=False),  # labour | parts | travel | other
    Column("description", Text, nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("charged_fen", BigInteger, nullable=False),
    Column("warranty_eligible", Boolean, nullable=False, server_default=text("false")),
    Column("part_id", Integer, ForeignKey("parts.id")),
    Column("quantity", Integer),
    CheckConstraint("amount_fen >= 0 AND charged_fen >= 0", name="amounts_not_negative"),
)

# Parts taken from a location (the technician's van) for a job, on site or in the workshop.
part_usages = Table(
    "part_usages",
    metadata,
    _id(),
    _job(),
    _part(),
    Column("quantity", Integer, nullable=False),
    Column("location", String(64), nullable=False),
    Column("staff_id", Integer, ForeignKey("staff.id"), nullable=False),
    Column("stage", String(16), nullable=False),  # site | workshop
    # The work record that charged it (set at finish; cleared when the fees are rejected).
    Column("work_record_id", Integer, ForeignKey("work_records.id")),
    Column("used_at", UtcDateTime, nullable=False),
    CheckConstraint("quantity > 0", name="quantity_positive"),
)

part_requests = Table(
    "part_requests",
    metadata,
    _id(),
    _job(),
    _part(),
    Column("quantity", Integer, nullable=False),
    Column("target", String(64), nullable=False),  # the van: "van:STAFF"
    Column("requested_by", Integer, ForeignKey("staff.id"), nullable=False),
    Column("status", String(16), nullable=False, index=True),  # open | fulfilled | cancelled
    Column("source", String(64)),  # where the storekeeper took it from
    Column("fulfilled_by", Integer, ForeignKey("staff.id")),
    Column("created_at", UtcDateTime, nullable=False),
    Column("fulfilled_at", UtcDateTime),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    CheckConstraint("status IN ('open', 'fulfilled', 'cancelled')", name="status_values"),
)

defective_parts = Table(
    "defective_parts",
    metadata,
    _id(),
    _job(),
    _part(),
    Column("quantity", Integer, nullable=False),
    Column("staff_id", Integer, ForeignKey("staff.id"), nullable=False),
    Column("note", Text),
    Column("recorded_at", UtcDateTime, nullable=False),
    CheckConstraint("quantity > 0", name="quantity_positive"),
)

# Sign-off and its evidence: who confirmed or disputed, how, with what.
signoffs = Table(
    "signoffs",
    metadata,
    _id(),
    _job(),
    # confirmed | disputed | rework | accepted_as_is | returned
    Column("outcome", String(16), nullable=False),
    # customer_chat | paper_photo | supervisor | phone (a remote resolution confirmed by phone)
    Column("method", String(16), nullable=False),
    Column("customer_id", Integer, ForeignKey("customers.id")),
    Column("staff_id", Integer, ForeignKey("staff.id")),
    Column("evidence", String(256)),  # the photo's Telegram file id
    Column("reason", Text),
    Column("at", UtcDateTime, nullable=False),
)

# A quote (DESIGN.md §3): a type A estimate, the call-out fees due if declined, the answer.
quotes = Table(
    "quotes",
    metadata,
    _id(),
    _job(),
    Column("technician_id", Integer, ForeignKey("staff.id"), nullable=False),
    Column("labour_fen", BigInteger, nullable=False),
    Column("parts_fen", BigInteger, nullable=False),
    Column("travel_fen", BigInteger, nullable=False),
    Column("other_fen", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),  # pending | accepted | declined
    Column("method", String(16)),  # customer_chat | paper_photo (the signed quote's photo)
    Column("evidence", String(256)),
    Column("work_record_id", Integer, ForeignKey("work_records.id")),  # a decline's call-out fees
    Column("created_at", UtcDateTime, nullable=False),
    Column("decided_at", UtcDateTime),
    CheckConstraint("labour_fen >= 0 AND parts_fen >= 0", name="estimate_not_negative"),
    CheckConstraint("travel_fen >= 0 AND other_fen >= 0", name="call_out_not_negative"),
    CheckConstraint("status IN ('pending', 'accepted', 'declined')", name="status_values"),
)

# How the fees of a job were settled; unconfirmed cash is what the technician holds.
settlements = Table(
    "settlements",
    metadata,
    _id(),
    Column("job_id", Integer, ForeignKey("jobs.id"), nullable=False, unique=True),
    Column("method", String(16), nullable=False),  # cash | invoice | none
    Column("amount_fen", BigInteger, nullable=False),
    Column("invoice_number", String(64)),
    Column("collected_by", Integer, ForeignKey("staff.id"), index=True),
    Column("settled_at", UtcDateTime, nullable=False),
    Column("cash_confirmed_by", Integer, ForeignKey("staff.id")),
    Column("cash_confirmed_at", UtcDateTime),
    # an invoice is a receivable until the accountant records it paid (DESIGN.md §3)
    Column("paid_at", UtcDateTime),
    Column("paid_by", Integer, ForeignKey("staff.id")),
    CheckConstraint("amount_fen >= 0", name="amount_not_negative"),
    CheckConstraint("method IN ('cash', 'invoice', 'none')", name="method_values"),
)

receipts = Table(
    "receipts",
    metadata,
    _id(),
    Column("number", String(40), nullable=False, unique=True),
    _job(),
    Column("equipment_id", Integer, ForeignKey("equipment.id")),
    Column("issued_by", Integer, ForeignKey("staff.id"), nullable=False),
    Column("issued_at", UtcDateTime, nullable=False),
    Column("promised_at", UtcDateTime, nullable=False),
    Column("voided_at", UtcDateTime),
    # The customer's confirmation of the receipt: customer_chat | paper_photo, and the photo.
    Column("confirmed_at", UtcDateTime),
    Column("confirm_method", String(16)),
    Column("confirm_evidence", String(256)),
)

workshop_register = Table(
    "workshop_register",
    metadata,
    _id(),
    _job(),
    Column("receipt_id", Integer, ForeignKey("receipts.id"), nullable=False),
    Column("direction", String(8), nullable=False),  # in | out
    Column("staff_id", Integer, ForeignKey("staff.id"), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    CheckConstraint("direction IN ('in', 'out')", name="direction_values"),
)

repair_cards = Table(
    "repair_cards",
    metadata,
    _id(),
    _job(),
    Column("receipt_id", Integer, ForeignKey("receipts.id"), nullable=False),
    Column("technician_id", Integer, ForeignKey("staff.id"), nullable=False),
    Column("minutes", Integer, nullable=False),
    Column("notes", Text, nullable=False),
    Column("parts", Text, nullable=False, server_default="[]"),  # JSON [[code, quantity]]
    Column("created_at", UtcDateTime, nullable=False, index=True),  # hours of a month (0005k)
    CheckConstraint("minutes >= 0", name="minutes_not_negative"),
)

inspections = Table(
    "inspections",
    metadata,
    _id(),
    _job(),
    Column("repair_card_id", Integer, ForeignKey("repair_cards.id"), nullable=False),
    Column("passed", Boolean, nullable=False),
    Column("reason", Text),
    Column("supervisor_id", Integer, ForeignKey("staff.id"), nullable=False),
    Column("at", UtcDateTime, nullable=False),
)
