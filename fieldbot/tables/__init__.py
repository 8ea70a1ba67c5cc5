"""The database schema: SQLAlchemy Core tables, the same on SQLite and PostgreSQL.

Conventions: instants are :class:`UtcDateTime` (aware UTC in and out), days are ``Date``,
money is ``BigInteger`` fen, JSON is canonical text, enums are their string values. Customer
name, phone and address, and staff phones, are AEAD ciphertext (``*_enc``); phones are found
through their blind index (``phone_bidx``). Rows two people can change carry ``version``.

Alembic migrations under ``fieldbot/migrations`` must produce exactly this metadata (a test
compares them); later features add columns through new migrations.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.types import TypeDecorator


class NaiveDatetimeError(ValueError):
    """A naive datetime reached the database; fieldbot only stores aware instants."""


class UtcDateTime(TypeDecorator[datetime]):
    """An instant: refuses naive datetimes, stores UTC, returns aware UTC datetimes.

    PostgreSQL keeps ``timestamp with time zone``; SQLite keeps the UTC wall time as text,
    which sorts and compares correctly because every value is in UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"UtcDateTime expects a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise NaiveDatetimeError(f"naive datetime {value.isoformat()} refused: give a timezone")
        utc = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return utc.replace(tzinfo=None)
        return utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"unexpected {type(value).__name__} from a UtcDateTime column")
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata: MetaData = MetaData(naming_convention=NAMING_CONVENTION)

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a bigint identity.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def _id() -> Column[int]:
    return Column("id", Integer, primary_key=True, autoincrement=True)


def _version() -> Column[int]:
    return Column("version", Integer, nullable=False, server_default=text("1"))


branches = Table(
    "branches",
    metadata,
    _id(),
    Column("code", String(32), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("latitude", Float, nullable=False),
    Column("longitude", Float, nullable=False),
    Column("timezone", String(64)),
    Column("urban_radius_km", Float),
    Column("working_hours", String(200)),
)

staff = Table(
    "staff",
    metadata,
    _id(),
    Column("code", String(32), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("roles", String(200), nullable=False),  # ";"-joined, sorted
    Column("skills", Text, nullable=False, server_default=""),  # ";"-joined, sorted
    Column("language", String(8), nullable=False),
    Column("branch_id", Integer, ForeignKey("branches.id")),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    Column("phone_enc", LargeBinary, nullable=False),
    Column("phone_bidx", String(64), nullable=False, index=True),
    Column("telegram_user_id", BigInteger, unique=True),
    Column("chat_id", BigInteger),
    Column("last_latitude", Float),
    Column("last_longitude", Float),
    Column("last_located_at", UtcDateTime),
    _version(),
    Index(None, "branch_id"),
)

customers = Table(
    "customers",
    metadata,
    _id(),
    Column("code", String(32), nullable=False, unique=True),
    Column("name_enc", LargeBinary, nullable=False),
    Column("phone_enc", LargeBinary, nullable=False),
    Column("phone_bidx", String(64), nullable=False, index=True),
    Column("address_enc", LargeBinary, nullable=False),
    Column("latitude", Float, nullable=False),
    Column("longitude", Float, nullable=False),
    Column("branch_id", Integer, ForeignKey("branches.id"), nullable=False, index=True),
    Column("language", String(8)),
    Column("telegram_user_id", BigInteger, unique=True),
    Column("chat_id", BigInteger),
    # /mute: the informational notices about their jobs are not sent (DESIGN.md §5)
    Column("notices_muted", Boolean, nullable=False, server_default=text("false")),
    _version(),
    # `fieldbot customer erase` (DESIGN.md §6): name, phone and address hold the ciphertext of
    # nothing, the blind index is empty, the chat binding is gone; the code and the jobs stay
    Column("erased_at", UtcDateTime),
)

equipment = Table(
    "equipment",
    metadata,
    _id(),
    Column("serial", String(64), nullable=False, unique=True),
    Column("customer_id", Integer, ForeignKey("customers.id"), nullable=False, index=True),
    Column("model", String(100), nullable=False),
    Column("product_line", String(100), nullable=False),
    Column("purchased_on", Date, nullable=False),
    Column("warranty_until", Date),
)

contracts = Table(
    "contracts",
    metadata,
    _id(),
    Column("number", String(64), nullable=False, unique=True),
    Column("customer_id", Integer, ForeignKey("customers.id"), nullable=False, index=True),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False, index=True),
    Column("covers_labour", Boolean, nullable=False),
    Column("covers_parts", Boolean, nullable=False),
    # planned maintenance and the contract's own response times (DESIGN.md §8; migration 0005p)
    Column("visits_per_year", Integer),
    Column("serials", Text),  # ";"-separated serials, none: every unit of the customer
    Column("assign_hours", Float),
    Column("arrival_working_hours", Float),
    CheckConstraint("ends_on >= starts_on", name="period"),
)

parts = Table(
    "parts",
    metadata,
    _id(),
    Column("code", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("unit_price_fen", BigInteger, nullable=False),
    Column("warranty_eligible", Boolean, nullable=False),
    CheckConstraint("unit_price_fen >= 0", name="price_not_negative"),
)

stock = Table(
    "stock",
    metadata,
    _id(),
    Column("location", String(64), nullable=False),  # "central", a branch code, "van:STAFF"
    Column("part_id", Integer, ForeignKey("parts.id"), nullable=False, index=True),
    Column("quantity", Integer, nullable=False),
    # Below it the storekeepers are told once (0: never); ``low_told``: they were told, and
    # the quantity has not been back at or above the minimum since.
    Column("min_quantity", Integer, nullable=False, server_default=text("0")),
    Column("low_told", Boolean, nullable=False, server_default=text("false")),
    UniqueConstraint("location", "part_id"),
    CheckConstraint("quantity >= 0", name="quantity_not_negative"),
    CheckConstraint("min_quantity >= 0", name="min_quantity_not_negative"),
)

jobs = Table(
    "jobs",
    metadata,
    _id(),
    Column("number", String(32), nullable=False, unique=True),
    Column("called_at", UtcDateTime, nullable=False, index=True),
    Column("branch_id", Integer, ForeignKey("branches.id"), nullable=False),
    Column("customer_id", Integer, ForeignKey("customers.id"), nullable=False, index=True),
    Column("equipment_id", Integer, ForeignKey("equipment.id"), index=True),
    Column("kind", String(32), nullable=False),
    Column("fault", Text, nullable=False),
    Column("priority", String(16), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("service_type", String(1), nullable=False),
    Column("service_type_reason", Text),
    Column("zone", String(16), nullable=False),
    Column("zone_reason", Text),
    Column("state", String(32), nullable=False, index=True),
    Column("technician_id", Integer, ForeignKey("staff.id"), index=True),
    Column("carried_over", Boolean, nullable=False, server_default=text("false")),
    # reported by the customer in the chat (DESIGN.md §5): runs the first-reply clock
    Column("own_request", Boolean, nullable=False, server_default=text("false")),
    Column("appointment_at", UtcDateTime),
    Column("assign_due_at", UtcDateTime),
    Column("contact_due_at", UtcDateTime),
    Column("arrival_due_at", UtcDateTime),
    Column("workshop_due_at", UtcDateTime),
    _version(),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index(None, "branch_id", "state"),
)

job_number_counters = Table(
    "job_number_counters",
    metadata,
    Column("day", Date, primary_key=True),
    Column("last", Integer, nullable=False),
)

events = Table(
    "events",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("kind", String(64), nullable=False, index=True),
    Column("subject_type", String(32), nullable=False),
    Column("subject_id", String(64), nullable=False),
    Column("payload", Text, nullable=False),  # canonical JSON
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index(None, "subject_type", "subject_id"),
)

event_chain_head = Table(
    "event_chain_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("count", BigInteger, nullable=False),
    Column("last_hash", String(64), nullable=False),
    CheckConstraint("id = 1", name="single_row"),
)

calendar_overrides = Table(
    "calendar_overrides",
    metadata,
    _id(),
    Column("branch_id", Integer, ForeignKey("branches.id")),  # NULL: company-wide
    Column("day", Date, nullable=False),
    Column("is_working", Boolean, nullable=False),
    Column("note", Text),
    UniqueConstraint("branch_id", "day"),
    # NULLs are distinct in a unique constraint: company-wide days need their own index.
    Index(
        "uq_calendar_overrides_company_day",
        "day",
        unique=True,
        sqlite_where=text("branch_id IS NULL"),
        postgresql_where=text("branch_id IS NULL"),
    ),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("chat_id", BigInteger, nullable=False),
    Column("recipient_kind", String(16), nullable=False),  # staff | customer | chat
    Column("recipient_id", Integer),
    Column("template", Text, nullable=False),
    Column("params", Text, nullable=False, server_default="{}"),  # JSON
    Column("priority", Integer, nullable=False, server_default=text("10")),  # lower first
    Column("dedupe_key", String(200), unique=True),
    Column("method", String(8), nullable=False, server_default="send"),  # send | edit | delete
    Column("ref_outbox_id", BigId, ForeignKey("outbox.id")),  # the message to edit/delete
    Column("ref_message_id", BigInteger),  # or its Telegram message id directly
    Column("status", String(16), nullable=False, server_default="pending"),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("reclaims", Integer, nullable=False, server_default=text("0")),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("lease_until", UtcDateTime),
    Column("message_id", BigInteger),  # Telegram's, once sent
    Column("last_error", Text),
    Column("created_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime),
    CheckConstraint("status IN ('pending', 'in_flight', 'sent', 'failed')", name="status"),
    CheckConstraint("method IN ('send', 'edit', 'delete')", name="method"),
    Index(None, "status", "next_attempt_at"),
    Index(None, "status", "lease_until"),
)

clocks = Table(
    "clocks",
    metadata,
    _id(),
    Column("subject_type", String(32), nullable=False),
    Column("subject_id", Integer, nullable=False),
    Column("clock", String(32), nullable=False),
    Column("generation", Integer, nullable=False, server_default=text("1")),
    Column("calendar", String(16), nullable=False),  # calendar | working
    Column("branch_id", Integer, ForeignKey("branches.id")),
    Column("target_seconds", BigInteger, nullable=False),
    Column("urgent", Boolean, nullable=False, server_default=text("false")),
    Column("started_at", UtcDateTime, nullable=False),
    Column("paused_at", UtcDateTime),
    Column("pause_reason", Text),
    Column("elapsed_before_pause_seconds", Float, nullable=False, server_default=text("0")),
    Column("stopped_at", UtcDateTime),
    Column("due_at", UtcDateTime, index=True),  # the deadline while running
    Column("wake_at", UtcDateTime, index=True),  # when the sweep must look at it next
    Column("state", String(16), nullable=False),  # running | paused | stopped
    Column("met", Boolean),
    _version(),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("subject_type", "subject_id", "clock"),
    # the KPIs count a clock by the moment it stopped, a visit still owed by its deadline
    # (migration 0005k)
    Index(None, "clock", "stopped_at"),
    Index(None, "clock", "due_at"),
    CheckConstraint("state IN ('running', 'paused', 'stopped')", name="state"),
    CheckConstraint("calendar IN ('calendar', 'working')", name="calendar"),
)

fired_steps = Table(
    "fired_steps",
    metadata,
    _id(),
    Column("subject_type", String(32), nullable=False),
    Column("subject_id", Integer, nullable=False),
    Column("clock", String(32), nullable=False),
    Column("generation", Integer, nullable=False),
    Column("step", String(32), nullable=False),
    Column("fired_at", UtcDateTime, nullable=False),
    Column("acknowledged_by", Integer, ForeignKey("staff.id")),
    Column("acknowledged_at", UtcDateTime),
    UniqueConstraint("subject_type", "subject_id", "clock", "generation", "step"),
    Index(None, "step", "acknowledged_at"),
)

invites = Table(
    "invites",
    metadata,
    _id(),
    Column("payload", String(64), nullable=False, unique=True),
    Column("kind", String(16), nullable=False, server_default="staff"),  # staff | signoff
    Column("staff_id", Integer, ForeignKey("staff.id")),
    Column("customer_id", Integer, ForeignKey("customers.id")),
    Column("job_id", Integer, ForeignKey("jobs.id")),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime),
    Column("used_by_user_id", BigInteger),
)

forms = Table(
    "forms",
    metadata,
    Column("user_id", BigInteger, primary_key=True, autoincrement=False),
    Column("name", String(64), nullable=False),
    Column("step", String(64), nullable=False),
    Column("data", Text, nullable=False, server_default="{}"),  # JSON
    _version(),
    Column("updated_at", UtcDateTime, nullable=False),
)

buttons = Table(
    "buttons",
    metadata,
    Column("token", String(64), primary_key=True),
    Column("user_id", BigInteger, nullable=False),  # who may press it
    Column("action", String(64), nullable=False),
    Column("payload", Text, nullable=False, server_default="{}"),  # JSON
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, index=True),
    Column("used_at", UtcDateTime),
)


# The schema of the field workflow (DESIGN.md §3) is its own module, on this metadata.
# The schema of surveys and complaints (DESIGN.md §5) is its own module, on this metadata.
# Who was shown a customer's phone, and when (DESIGN.md §6), is its own module too.
from fieldbot.tables.access_log import access_events as access_events  # noqa: E402

# The maintenance plans of contracts (DESIGN.md §8 visits_per_year) are their own module.
from fieldbot.tables.feedback import (  # noqa: E402
    complaint_number_counters as complaint_number_counters,
)
from fieldbot.tables.feedback import complaints as complaints  # noqa: E402
from fieldbot.tables.feedback import surveys as surveys  # noqa: E402
from fieldbot.tables.fieldwork import defective_parts as defective_parts  # noqa: E402
from fieldbot.tables.fieldwork import fee_lines as fee_lines  # noqa: E402
from fieldbot.tables.fieldwork import inspections as inspections  # noqa: E402
from fieldbot.tables.fieldwork import part_requests as part_requests  # noqa: E402
from fieldbot.tables.fieldwork import part_usages as part_usages  # noqa: E402
from fieldbot.tables.fieldwork import quotes as quotes  # noqa: E402
from fieldbot.tables.fieldwork import receipts as receipts  # noqa: E402
from fieldbot.tables.fieldwork import repair_cards as repair_cards  # noqa: E402
from fieldbot.tables.fieldwork import settlements as settlements  # noqa: E402
from fieldbot.tables.fieldwork import signoffs as signoffs  # noqa: E402
from fieldbot.tables.fieldwork import work_records as work_records  # noqa: E402
from fieldbot.tables.fieldwork import workshop_register as workshop_register  # noqa: E402
from fieldbot.tables.maintenance import maintenance_visits as maintenance_visits  # noqa: E402

# The daily reports and the cash handed over (DESIGN.md §5) are their own module too.
from fieldbot.tables.reports import cash_handovers as cash_handovers  # noqa: E402
from fieldbot.tables.reports import report_files as report_files  # noqa: E402
from fieldbot.tables.reports import reports as reports  # noqa: E402

# Staff away (DESIGN.md §6) is its own module, on this metadata.
from fieldbot.tables.staffing import absences as absences  # noqa: E402
