"""Surveys and complaints (DESIGN.md §5; migration 0004s), on the one metadata of
:mod:`fieldbot.tables`."""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    text,
)

from fieldbot.tables import UtcDateTime, _id, _version, metadata

# One survey per closed job: the four items (4 very satisfied … 1 unsatisfied), answered in the
# chat (the message that updates in place, ``outbox_id``) or by the follow-up clerk by phone;
# an item rated 1 opens a complaint candidate for the supervisor (``candidate_*``).
surveys = Table(
    "surveys",
    metadata,
    _id(),
    Column("job_id", Integer, ForeignKey("jobs.id"), nullable=False, unique=True),
    Column("branch_id", Integer, ForeignKey("branches.id"), nullable=False, index=True),
    Column("customer_id", Integer, ForeignKey("customers.id"), nullable=False, index=True),
    Column("technician_id", Integer, ForeignKey("staff.id"), index=True),
    Column("state", String(16), nullable=False),  # open | answered
    Column("channel", String(16)),  # chat | phone, once answered
    Column("attitude", Integer),
    Column("skill", Integer),
    Column("arrival", Integer),
    Column("promises", Integer),
    Column("comment", Text),
    Column("outbox_id", Integer),  # the survey message in the customer's chat
    # sent when the job closed: the KPIs count a closed job by it (migration 0005k)
    Column("sent_at", UtcDateTime, nullable=False, index=True),
    Column("reminded_at", UtcDateTime),
    Column("handed_over_at", UtcDateTime),  # on the follow-up clerk's list since
    Column("answered_at", UtcDateTime, index=True),
    Column("recorded_by", Integer, ForeignKey("staff.id")),  # the clerk, by phone
    Column("candidate_state", String(16)),  # open | filed | dismissed
    Column("candidate_reason", Text),
    Column("candidate_by", Integer, ForeignKey("staff.id")),
    Column("candidate_at", UtcDateTime),
    _version(),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    CheckConstraint("state IN ('open', 'answered')", name="state_values"),
    # a branch's KPIs read its month only (migration 0005k)
    Index(None, "branch_id", "sent_at"),
    Index(None, "branch_id", "answered_at"),
)

complaint_number_counters = Table(
    "complaint_number_counters",
    metadata,
    Column("day", Date, primary_key=True),
    Column("last", Integer, nullable=False),
)

# The complaint register (TS-YYYYMMDD-NNN): who filed it and how, the supervisor's
# classification, the personal contact, the result told in writing and the customer's answer.
complaints = Table(
    "complaints",
    metadata,
    _id(),
    Column("number", String(32), nullable=False, unique=True),
    Column("filed_at", UtcDateTime, nullable=False, index=True),
    Column("branch_id", Integer, ForeignKey("branches.id"), nullable=False, index=True),
    Column("customer_id", Integer, ForeignKey("customers.id"), nullable=False, index=True),
    Column("job_id", Integer, ForeignKey("jobs.id"), index=True),
    Column("survey_id", Integer, ForeignKey("surveys.id")),
    Column("source", String(16), nullable=False),  # customer | staff | survey
    Column("filed_by", Integer, ForeignKey("staff.id")),
    Column("description", Text, nullable=False),
    Column("photos", Text, nullable=False, server_default="[]"),  # JSON [file id]
    Column("state", String(16), nullable=False),  # open | result_sent | resolved
    Column("severity", String(16)),  # general | serious
    Column("cause", String(16)),  # quality | not_quality
    Column("classified_by", Integer, ForeignKey("staff.id")),
    Column("contact_kind", String(8)),  # visit | call
    Column("contact_at", UtcDateTime),
    Column("contact_outcome", Text),
    Column("contact_by", Integer, ForeignKey("staff.id")),
    Column("result", Text),
    Column("result_at", UtcDateTime),
    Column("result_outbox_id", Integer),
    Column("resolved_at", UtcDateTime),
    Column("reopened", Integer, nullable=False, server_default=text("0")),
    _version(),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    CheckConstraint("state IN ('open', 'result_sent', 'resolved')", name="state_values"),
)
