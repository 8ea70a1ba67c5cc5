"""Daily reports and cash handed over (DESIGN.md §5): each technician's report of the day and
the branch report (its state, the type D minutes a technician adds, the correction's reason,
the manager's decision and the figures filed), the files delivered with a report (XLSX, PNG:
kept here so the outbox finds them after a restart), and the cash the accountant confirmed as
handed over, on the one metadata of :mod:`fieldbot.tables`."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    text,
)

from fieldbot.tables import UtcDateTime, _id, _version, metadata

reports = Table(
    "reports",
    metadata,
    _id(),
    # technician:<day>:<staff id> | branch:<day>:<branch id>: one report of each a day
    Column("key", String(64), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),  # technician | branch
    Column("day", Date, nullable=False, index=True),
    Column("branch_id", Integer, ForeignKey("branches.id"), nullable=False),
    Column("staff_id", Integer, ForeignKey("staff.id")),  # the technician's
    # technician: pending | confirmed | corrected; branch: pending | approved | returned
    Column("state", String(16), nullable=False),
    Column("admin_minutes", Integer, nullable=False, server_default=text("0")),  # type D
    Column("reason", Text),  # the technician's correction, or the manager's comment
    Column("figures", Text, nullable=False, server_default="{}"),  # JSON, as sent or filed
    Column("decided_by", Integer, ForeignKey("staff.id")),
    Column("decided_at", UtcDateTime),
    _version(),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    CheckConstraint("kind IN ('technician', 'branch')", name="kind_values"),
    CheckConstraint("admin_minutes >= 0", name="admin_minutes_not_negative"),
)

report_files = Table(
    "report_files",
    metadata,
    _id(),
    Column("report_id", Integer, ForeignKey("reports.id"), nullable=False, index=True),
    Column("name", String(128), nullable=False),
    Column("media", String(16), nullable=False),  # document | photo
    Column("content", LargeBinary, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

cash_handovers = Table(
    "cash_handovers",
    metadata,
    _id(),
    Column("staff_id", Integer, ForeignKey("staff.id"), nullable=False, index=True),
    Column("accountant_id", Integer, ForeignKey("staff.id"), nullable=False),
    Column("held_fen", BigInteger, nullable=False),  # what the technician held then
    Column("confirmed_fen", BigInteger, nullable=False),  # what the accountant received
    Column("at", UtcDateTime, nullable=False),
    CheckConstraint("confirmed_fen >= 0", name="confirmed_not_negative"),
)
