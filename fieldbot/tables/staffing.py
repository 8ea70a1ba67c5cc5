"""Staff away (DESIGN.md §6 offboarding and leave; migration 0005s), on the one metadata of
:mod:`fieldbot.tables`."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, Date, ForeignKey, Index, Integer, Table, Text

from fieldbot.tables import UtcDateTime, _id, metadata

# A period of leave (/away FROM TO): the days, both included, in the branch's calendar;
# /back ends it early (``ended_at``). Dispatch suggestions skip a technician away.
absences = Table(
    "absences",
    metadata,
    _id(),
    Column("staff_id", Integer, ForeignKey("staff.id"), nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("reason", Text),
    Column("recorded_by", Integer, ForeignKey("staff.id"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("ended_at", UtcDateTime),
    Column("ended_by", Integer, ForeignKey("staff.id")),
    CheckConstraint("ends_on >= starts_on", name="period"),
    Index(None, "staff_id", "ends_on"),
)
